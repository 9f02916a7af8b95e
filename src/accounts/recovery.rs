//! Recovery codes: ten single-use codes, shown once when the authenticator app is enrolled,
//! that stand in for it when the phone is lost.
//!
//! Each carries 120 bits, so a SHA-256 hash (with the user id, so that equal codes of two
//! people never share a hash) is storage enough: ASVS 5.0 6.5.2 (4.0.3 V2.6.2) allows a
//! standard hash for lookup secrets of 112 bits or more; below that it asks for a salted
//! password hash. Codes made before (80 bits, 16 characters) are still accepted until used
//! or replaced: people have them on paper, and locking them out would be worse than the
//! margin lost (see `docs/DECISIONS.md`).

use crate::secrets::{hash_secret, random_bytes};

pub const COUNT: usize = 10;

/// Crockford-style base32 without the letters people misread (I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a code: 24 of 5 bits each, 120 bits.
const LENGTH: usize = 24;
// ASVS 6.5.2: at least 112 bits, or a salted password hash would be needed.
const _: () = assert!(LENGTH * 5 >= 112);
/// Characters of the 80-bit codes made before, still accepted.
const OLD_LENGTH: usize = 16;

/// `COUNT` new codes, formatted `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX` for reading aloud or
/// writing down.
pub fn generate() -> Vec<String> {
    (0..COUNT).map(|_| one_code()).collect()
}

fn one_code() -> String {
    let bytes = random_bytes::<15>();
    // 120 bits as twenty-four 5-bit groups.
    let mut bits: u128 = 0;
    for byte in bytes {
        bits = (bits << 8) | u128::from(byte);
    }
    let chars: Vec<char> = (0..LENGTH)
        .map(|i| ALPHABET[((bits >> (5 * (LENGTH - 1 - i))) & 31) as usize] as char)
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
    let valid = matches!(normalized.len(), LENGTH | OLD_LENGTH)
        && normalized.bytes().all(|b| ALPHABET.contains(&b));
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
        assert_eq!(code.len(), 29, "{code}");
        assert_eq!(code.split('-').count(), 6, "{code}");
        let expected = hash("u1", code).unwrap();
        assert_eq!(
            hash("u1", &code.to_lowercase().replace('-', " ")),
            Some(expected.clone())
        );
        assert_ne!(hash("u2", code), Some(expected));
    }

    #[test]
    fn codes_carry_at_least_112_bits() {
        // ASVS 6.5.2: 24 characters of a 32-letter alphabet, each drawn uniformly (the
        // 112-bit floor itself is checked at compile time, beside `LENGTH`).
        let mut seen = std::collections::HashSet::new();
        for code in (0..200).flat_map(|_| generate()) {
            assert!(code.replace('-', "").bytes().all(|b| ALPHABET.contains(&b)));
            seen.extend(code.replace('-', "").bytes());
        }
        assert_eq!(seen.len(), 32, "every letter of the alphabet appears");
    }

    #[test]
    fn codes_of_the_80_bit_kind_made_before_still_hash() {
        assert!(hash("u1", "ABCD-EFGH-JKMN-PQRS").is_some());
        assert_eq!(
            hash("u1", "abcd efgh jkmn pqrs"),
            hash("u1", "ABCD-EFGH-JKMN-PQRS")
        );
    }

    #[test]
    fn malformed_codes_have_no_hash() {
        for typed in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMN-PQRU",
            "ABCD-EFGH-JKMN-PQRST",
            "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0",
            "ABCD-EFGH-JKMN-PQRS-TVWX-YZ012",
            "ÄBCD-EFGH-JKMN-PQRS",
        ] {
            assert_eq!(hash("u1", typed), None, "{typed:?}");
        }
    }
}
