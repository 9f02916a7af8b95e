//! Recovery codes: ten single-use codes, shown once when the authenticator app is enrolled,
//! that stand in for it when the phone is lost. Each carries 80 bits, so a SHA-256 hash
//! (salted with the user id) is storage enough: no offline search can reach them.

use crate::secrets::{hash_secret, random_bytes};

pub const COUNT: usize = 10;

/// Crockford-style base32 without the letters people misread (I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `COUNT` new codes, formatted `XXXX-XXXX-XXXX-XXXX` for reading aloud or writing down.
pub fn generate() -> Vec<String> {
    (0..COUNT).map(|_| one_code()).collect()
}

fn one_code() -> String {
    let bytes = random_bytes::<10>();
    // 80 bits as sixteen 5-bit groups.
    let mut bits: u128 = 0;
    for byte in bytes {
        bits = (bits << 8) | u128::from(byte);
    }
    let chars: Vec<char> = (0..16)
        .map(|i| ALPHABET[((bits >> (75 - 5 * i)) & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a code as typed: case, spaces and hyphens do not matter; the
/// letters people confuse with digits are read as those digits.
pub fn hash(user_id: &str, typed: &str) -> Option<String> {
    let normalized: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let valid = normalized.len() == 16 && normalized.bytes().all(|b| ALPHABET.contains(&b));
    valid.then(|| hash_secret(&format!("{user_id}\n{normalized}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_readable_and_hash_however_they_are_typed() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        let code = &codes[0];
        assert_eq!(code.len(), 19, "{code}");
        let expected = hash("u1", code).unwrap();
        assert_eq!(
            hash("u1", &code.to_lowercase().replace('-', " ")),
            Some(expected.clone())
        );
        assert_ne!(hash("u2", code), Some(expected));
    }

    #[test]
    fn malformed_codes_have_no_hash() {
        for typed in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMN-PQRU",
            "ABCD-EFGH-JKMN-PQRST",
            "ÄBCD-EFGH-JKMN-PQRS",
        ] {
            assert_eq!(hash("u1", typed), None, "{typed:?}");
        }
    }
}
