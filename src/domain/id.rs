//! Identifiers that callers send back to us. Each names a row only if it has the shape of
//! the ids farm-auth issues, so anything else (empty, a NUL that PostgreSQL text cannot even
//! hold, a control character, a megabyte) is unknown without a query.

use std::fmt;
use std::ops::Deref;

/// Text that is not an id of the kind asked for: it names nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a {0}")]
pub struct IdError(&'static str);

/// The longest id of the kinds farm-auth generates (22 characters today) with room to grow.
const MAX_ISSUED_ID_LEN: usize = 64;

/// The ids farm-auth issues (`secrets::random_id`, `random_token`): base64url.
fn is_issued_id(text: &str) -> bool {
    (1..=MAX_ISSUED_ID_LEN).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A newtype over the caller's `&str` with a `parse` holding `$rule`, read as `&str`
/// everywhere else. Borrowed, so parsing at the edge costs no allocation (the token endpoint
/// parses a client id on every request).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $rule:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name<'a>(&'a str);

        impl<'a> $name<'a> {
            pub fn parse(text: &'a str) -> Result<$name<'a>, IdError> {
                let rule: fn(&str) -> bool = $rule;
                match rule(text) {
                    true => Ok($name(text)),
                    false => Err(IdError($what)),
                }
            }

            pub fn as_str(&self) -> &'a str {
                self.0
            }
        }

        impl Deref for $name<'_> {
            type Target = str;

            fn deref(&self) -> &str {
                self.0
            }
        }

        impl AsRef<str> for $name<'_> {
            fn as_ref(&self) -> &str {
                self.0
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
    };
}

id_type!(
    /// A client's id (RFC 6749 §2.2), as a caller names it.
    ClientId,
    "client id",
    is_issued_id
);

id_type!(
    /// A person's stable id (`sub`), as an administrator's path or form names it.
    UserId,
    "user id",
    is_issued_id
);

id_type!(
    /// A sign-in session's id (`sid`), as the account page or the console names it.
    SessionId,
    "session id",
    is_issued_id
);

id_type!(
    /// An initial access token is named by its SHA-256: 64 hex digits.
    InitialAccessTokenId,
    "registration token id",
    |text| text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
);

id_type!(
    /// A passkey's credential id as the account page sends it back (base64url of up to
    /// 1023 bytes, WebAuthn §5.1, so at most 1364 characters; we keep the old bound).
    CredentialId,
    "credential id",
    |text| !text.is_empty() && text.len() <= 1024 && !text.chars().any(char::is_control)
);

id_type!(
    /// A known browser's token, read from its cookie (we set 43 characters).
    DeviceToken,
    "device token",
    |text| !text.is_empty() && text.len() <= 64
);

id_type!(
    /// A farm's id, as a path, a form or the command line names it.
    FarmId,
    "farm id",
    is_issued_id
);

id_type!(
    /// A farm invitation's id (not its mailed token), as an owner or manager names it to
    /// withdraw it.
    InvitationId,
    "invitation id",
    is_issued_id
);

id_type!(
    /// An API's (resource server's) id, as a path or the command line names it.
    ApiId,
    "API id",
    is_issued_id
);

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "",
        "\0",
        "a\0b",
        "a\nb",
        "a\u{7f}",
        "a b",
        "caf\u{e9}",
        "\u{430}da",
    ];

    #[test]
    fn issued_ids_are_short_base64url() {
        for good in ["AbC-_09", "x", "Zk3vY1oW2s8a5QpLmN0rTg", &"a".repeat(64)] {
            assert_eq!(ClientId::parse(good).unwrap().as_str(), good);
            assert!(UserId::parse(good).is_ok());
            assert!(SessionId::parse(good).is_ok());
            assert!(FarmId::parse(good).is_ok());
            assert!(InvitationId::parse(good).is_ok());
            assert!(ApiId::parse(good).is_ok());
        }
        let too_long = "a".repeat(65);
        for bad in HOSTILE
            .iter()
            .copied()
            .chain([too_long.as_str(), "a/b", "a%20"])
        {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
            assert!(SessionId::parse(bad).is_err(), "{bad:?}");
            assert!(FarmId::parse(bad).is_err(), "{bad:?}");
            assert!(InvitationId::parse(bad).is_err(), "{bad:?}");
            assert!(ApiId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_registration_token_id_is_64_hex_digits() {
        let id = "0123456789abcdef".repeat(4);
        assert!(InitialAccessTokenId::parse(&id).is_ok());
        assert!(InitialAccessTokenId::parse(&id.to_uppercase()).is_ok());
        assert!(InitialAccessTokenId::parse(&id[1..]).is_err());
        assert!(InitialAccessTokenId::parse(&format!("{}g", &id[1..])).is_err());
        for bad in HOSTILE {
            assert!(InitialAccessTokenId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn credential_ids_are_printable_and_bounded() {
        assert!(CredentialId::parse("AbC-_09").is_ok());
        assert!(CredentialId::parse(&"a".repeat(1024)).is_ok());
        assert!(CredentialId::parse(&"a".repeat(1025)).is_err());
        for bad in ["", "\0", "a\nb", "a\u{7f}"] {
            assert!(CredentialId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn device_tokens_are_short_and_not_empty() {
        assert!(DeviceToken::parse(&"a".repeat(43)).is_ok());
        assert!(DeviceToken::parse("").is_err());
        assert!(DeviceToken::parse(&"a".repeat(65)).is_err());
    }
}
