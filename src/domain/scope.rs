//! Scopes (RFC 6749 §3.3): a space-delimited set of scope tokens.

use std::fmt;

/// The most tokens a scope holds.
pub const MAX_TOKENS: usize = 50;
const MAX_TOKEN_LEN: usize = 128;

/// A parsed scope: distinct tokens in the order first given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope(Vec<String>);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScopeError(String);

impl Scope {
    /// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`, separated by spaces.
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        let mut tokens: Vec<String> = Vec::new();
        for token in text.split(' ').filter(|t| !t.is_empty()) {
            let valid = token.len() <= MAX_TOKEN_LEN
                && token
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid {
                return Err(ScopeError("scope contains an invalid scope token".into()));
            }
            if !tokens.iter().any(|t| t == token) {
                if tokens.len() == MAX_TOKENS {
                    return Err(ScopeError("too many scope tokens".into()));
                }
                tokens.push(token.to_string());
            }
        }
        Ok(Scope(tokens))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The tokens of `self` that `other` does not contain.
    pub fn missing_from<'a>(&'a self, other: &'a Scope) -> impl Iterator<Item = &'a str> {
        self.iter().filter(|t| !other.contains(t))
    }

    /// This scope with `token` added (at the end) if it was not there.
    pub fn with(mut self, token: &str) -> Scope {
        if !self.contains(token) {
            self.0.push(token.to_string());
        }
        self
    }

    /// Keeps the tokens for which `keep` is true.
    pub fn filter(&self, keep: impl Fn(&str) -> bool) -> Scope {
        Scope(self.0.iter().filter(|t| keep(t)).cloned().collect())
    }
}

/// Compares with the text the scope is written as (its `Display`).
impl PartialEq<str> for Scope {
    fn eq(&self, other: &str) -> bool {
        match other.is_empty() {
            true => self.is_empty(),
            false => self.iter().eq(other.split(' ')),
        }
    }
}

impl PartialEq<&str> for Scope {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Scope {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

/// Kept in sessions (a pending authorization, a device decision) as the text it parses from.
impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scope::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_split_on_spaces_and_deduplicated() {
        let scope = Scope::parse("read  write read").unwrap();
        assert_eq!(scope.to_string(), "read write");
        assert!(scope.contains("write"));
        assert!(Scope::parse("").unwrap().is_empty());
    }

    #[test]
    fn quotes_backslashes_and_control_characters_are_refused() {
        let long = "a".repeat(129);
        for bad in [
            "a\"b",
            "a\\b",
            "a\tb",
            "caf\u{e9}",
            "a\nb",
            "\0",
            "a\u{7f}",
            &long,
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn empty_is_no_scope_and_too_many_tokens_are_refused() {
        assert!(Scope::parse("   ").unwrap().is_empty());
        let many: Vec<String> = (0..51).map(|i| format!("s{i}")).collect();
        assert!(Scope::parse(&many.join(" ")).is_err());
        assert!(Scope::parse(&many[..50].join(" ")).is_ok());
    }

    #[test]
    fn a_scope_equals_the_text_it_is_written_as() {
        let scope = Scope::parse("openid  email").unwrap();
        assert_eq!(scope, "openid email");
        assert_ne!(scope, "openid  email");
        assert_ne!(scope, "openid");
        assert_eq!(Scope::default(), "");
    }

    #[test]
    fn a_scope_survives_a_round_trip_through_json() {
        let scope = Scope::parse("openid email").unwrap();
        let json = serde_json::to_string(&scope).unwrap();
        assert_eq!(json, r#""openid email""#);
        assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        assert!(serde_json::from_str::<Scope>(r#""a\"b""#).is_err());
    }

    #[test]
    fn missing_from_lists_what_is_not_granted() {
        let asked = Scope::parse("a b c").unwrap();
        let allowed = Scope::parse("a c").unwrap();
        assert_eq!(asked.missing_from(&allowed).collect::<Vec<_>>(), vec!["b"]);
    }
}
