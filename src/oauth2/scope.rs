//! Scopes (RFC 6749 §3.3): a space-delimited set of scope tokens.

use std::fmt;

/// Scopes that only make sense with a person behind the token.
pub const USER_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "roles",
    "address",
    "phone",
];

const MAX_TOKENS: usize = 50;
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
        for bad in ["a\"b", "a\\b", "a\tb", "caf\u{e9}", "a\nb"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn missing_from_lists_what_is_not_granted() {
        let asked = Scope::parse("a b c").unwrap();
        let allowed = Scope::parse("a c").unwrap();
        assert_eq!(asked.missing_from(&allowed).collect::<Vec<_>>(), vec!["b"]);
    }
}
