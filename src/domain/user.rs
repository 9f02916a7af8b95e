//! What names a person and what they may do: their username and their roles.

use std::fmt;

/// What a person may do on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Consumer,
    Farmer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Consumer, Role::Farmer, Role::Admin];

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Farmer => "farmer",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a list of role names is not a person's roles.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role")]
    Unknown(String),
    #[error("a user needs at least one role")]
    Empty,
}

/// A person's roles: known, distinct, in the order first given, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn parse<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Roles, RoleError> {
        let mut roles = Vec::new();
        for name in names {
            let name = name.as_ref();
            let role = Role::parse(name).ok_or_else(|| RoleError::Unknown(name.to_string()))?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        match roles.is_empty() {
            true => Err(RoleError::Empty),
            false => Ok(Roles(roles)),
        }
    }

    /// Roles from already typed values (duplicates dropped); `Empty` when there are none.
    pub fn of(roles: &[Role]) -> Result<Roles, RoleError> {
        Roles::parse(roles.iter().map(|r| r.as_str()))
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The role names, as JSON claims and stored lists carry them.
    pub fn names(&self) -> Vec<String> {
        self.iter().map(|r| r.as_str().to_string()).collect()
    }

    pub fn join(&self, separator: &str) -> String {
        self.iter()
            .map(Role::as_str)
            .collect::<Vec<_>>()
            .join(separator)
    }
}

impl From<Role> for Roles {
    fn from(role: Role) -> Roles {
        Roles(vec![role])
    }
}

/// Compares with role names, in order (as tests and JSON see them).
impl<S: AsRef<str>> PartialEq<Vec<S>> for Roles {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.iter()
            .map(Role::as_str)
            .eq(other.iter().map(AsRef::as_ref))
    }
}

impl serde::Serialize for Roles {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Role::as_str))
    }
}

/// Why text is not a username.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("username must be 3 to 64 letters (a-z, A-Z), digits, '.', '_' or '-'")]
pub struct UsernameError;

/// A username as people choose and type it: 3 to 64 ASCII letters, digits, `.`, `_`, `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Username, UsernameError> {
        let ok = (3..=64).contains(&text.len())
            && text
                .chars()
                // ASCII only: with open sign-up, Unicode look-alikes ("аda" with a Cyrillic а)
                // would let one person pass for another in `preferred_username`.
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        match ok {
            true => Ok(Username(text.to_string())),
            false => Err(UsernameError),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why text is not an email address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("email is not a valid address")]
pub struct EmailAddressError;

/// An address that looks deliverable: at most 254 bytes, one `@` with something on each
/// side, a dot inside the domain, no spaces or control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<EmailAddress, EmailAddressError> {
        let ok = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        match ok {
            true => Ok(EmailAddress(text.to_string())),
            false => Err(EmailAddressError),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Why text cannot be a display name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("a display name is at most 64 characters")]
    TooLong,
    #[error("a display name cannot hold control or text-direction characters")]
    Unprintable,
}

/// The name a person chose to be shown by (the `name` claim, OpenID Connect Core §5.1):
/// any script, trimmed, at most [`DisplayName::MAX_CHARS`] characters, without control
/// characters (line breaks would forge lines in mail and logs) or the invisible characters
/// that reorder or hide text (RLO and its kin, zero-width joiners: "Ada\u{202E}nimda" reads
/// as another name). Empty means none: the username is shown instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 64;

    /// `None` for text that is empty once trimmed.
    pub fn parse(text: &str) -> Result<Option<DisplayName>, DisplayNameError> {
        let text = text.trim();
        if text
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c))
        {
            return Err(DisplayNameError::Unprintable);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameError::TooLong);
        }
        Ok((!text.is_empty()).then(|| DisplayName(text.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Unicode format characters that change how text around them is shown: the
/// bidirectional embeddings, overrides, isolates and marks (UAX #9), zero-width spaces and
/// joiners, the word joiner and invisible operators, and the byte order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_is_trimmed_bounded_and_printable() {
        let name = DisplayName::parse("  Ada Lovelace ").unwrap().unwrap();
        assert_eq!(name.as_str(), "Ada Lovelace");
        assert_eq!(DisplayName::parse("   ").unwrap(), None);
        assert!(DisplayName::parse("Zoë Ørsted 田中").unwrap().is_some());
        assert!(DisplayName::parse(&"é".repeat(64)).unwrap().is_some());
        assert_eq!(
            DisplayName::parse(&"é".repeat(65)),
            Err(DisplayNameError::TooLong)
        );
        for bad in [
            "Ada\nBcc: x",
            "Ada\u{0}",
            "Ada\u{202E}nimda",
            "A\u{200B}da",
            "\u{7F}",
        ] {
            assert_eq!(
                DisplayName::parse(bad),
                Err(DisplayNameError::Unprintable),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn roles_are_known_distinct_and_at_least_one() {
        let roles = Roles::parse(["farmer", "admin", "farmer"]).unwrap();
        assert_eq!(roles.names(), vec!["farmer", "admin"]);
        assert!(roles.contains(Role::Admin) && !roles.contains(Role::Consumer));
        assert_eq!(roles.join(", "), "farmer, admin");
        assert_eq!(
            serde_json::to_string(&roles).unwrap(),
            r#"["farmer","admin"]"#
        );
        assert_eq!(Roles::parse(Vec::<String>::new()), Err(RoleError::Empty));
        for bad in [
            "",
            "Admin",
            "admin ",
            "\0",
            "adm\nin",
            "r\u{f4}le",
            &"admin".repeat(100),
        ] {
            assert_eq!(
                Roles::parse(["consumer", bad]),
                Err(RoleError::Unknown(bad.to_string())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_addresses_have_one_at_and_a_dotted_domain() {
        assert_eq!(
            EmailAddress::parse("jo@farm.example").unwrap().as_str(),
            "jo@farm.example"
        );
        let long = format!("{}@farm.example", "a".repeat(250));
        for bad in [
            "",
            "jo",
            "jo@",
            "@farm.example",
            "jo@farm",
            "jo @farm.example",
            "a@b@c.d",
            "jo@.farm.example",
            "jo@farm.example.",
            "jo\0@farm.example",
            "jo\u{85}@farm.example",
            " jo@farm.example",
            long.as_str(),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usernames_are_short_plain_ascii() {
        assert_eq!(Username::parse("farmer_jo").unwrap().as_str(), "farmer_jo");
        assert!(Username::parse(&"a".repeat(64)).is_ok());
        for bad in [
            "",
            "jo",
            "jo smith",
            "\u{430}da",
            "jos\u{e9}",
            "jo\0jo",
            "jo\tjo",
            &"a".repeat(65),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }
}
