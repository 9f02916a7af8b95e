//! Authenticator apps (TOTP, RFC 6238): enrolment with a QR code and the `otpauth://` URI,
//! confirmation by a first valid code, and the codes checked at sign-in.
//!
//! Codes are SHA-1, 6 digits, 30-second steps: what every authenticator app supports
//! (RFC 6238 §5.2 and the Key Uri Format). One step of skew either way is accepted, and a
//! code is accepted once only: the last accepted step is stored, and no code of that step
//! or an earlier one is taken again.

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::secrets::random_bytes;

/// The name authenticator apps show beside the code.
pub const ISSUER: &str = "Not Far(m) From Home";
const DIGITS: u8 = 6;
const STEP_SECS: u64 = 30;

/// A new 160-bit secret (RFC 4226 §4 recommends 160), base32.
pub fn new_secret() -> String {
    Secret::from(random_bytes::<20>()).to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .ok()
}

/// The `otpauth://totp/...` URI apps enrol from (shown as text and as a QR code).
pub fn otpauth_uri(secret: &str, account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The QR code of `uri`, as an SVG element drawn by the server.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The renderer writes a whole document; inside an HTML page only the element belongs
    // (an XML declaration there is a parse error).
    let start = document.find("<svg")?;
    Some(document[start..].to_string())
}

/// The time step whose code `typed` is, if it is a valid code at `now` (one step of skew
/// either way). Spaces and hyphens people type between digits are ignored.
pub fn matching_step(secret: &str, typed: &str, now: i64) -> Option<i64> {
    let code: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now).ok()?;
    let step = totp(secret, "-")?.check(&code, now)?;
    i64::try_from(step).ok()
}

/// The code of `secret` at `now` (for tests and the enrolment check).
pub fn code_at(secret: &str, now: i64) -> Option<String> {
    Some(
        totp(secret, "-")?
            .generate(u64::try_from(now).ok()?)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_neighbouring_ones_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(now / 30));
    }

    #[test]
    fn malformed_codes_never_match() {
        let secret = new_secret();
        for typed in [
            "",
            "12345",
            "1234567",
            "+12345",
            "abcdef",
            "１２３４５６",
            "12 34 5",
        ] {
            assert_eq!(
                matching_step(&secret, typed, 1_800_000_000),
                None,
                "{typed:?}"
            );
        }
        assert_eq!(matching_step("not base32!", "123456", 1_800_000_000), None);
    }

    /// RFC 6238 Appendix B, SHA-1, truncated to 6 digits.
    #[test]
    fn codes_follow_the_rfc_6238_test_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(&secret, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn the_uri_names_the_platform_and_the_account() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(
            uri.contains("alice") && uri.contains(&format!("secret={secret}")),
            "{uri}"
        );
        assert!(
            qr_svg(&uri).unwrap().starts_with("<?xml") || qr_svg(&uri).unwrap().contains("<svg")
        );
    }
}
