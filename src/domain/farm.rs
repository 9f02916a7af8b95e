//! Farms: a farm's status, a member's farm role, and a farm's name. Every question of the
//! form "may this member do that for their farm" is one method here, so the pages, the APIs
//! and the command line cannot answer it differently.

use std::fmt;

/// Where a farm stands with the platform. Only an active farm gives its members powers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FarmStatus {
    /// Signed up, waiting for an administrator.
    Pending,
    Active,
    /// Stopped by an administrator, with a reason.
    Suspended,
}

impl FarmStatus {
    pub const ALL: [FarmStatus; 3] = [
        FarmStatus::Pending,
        FarmStatus::Active,
        FarmStatus::Suspended,
    ];

    pub fn parse(text: &str) -> Option<FarmStatus> {
        FarmStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FarmStatus::Pending => "pending",
            FarmStatus::Active => "active",
            FarmStatus::Suspended => "suspended",
        }
    }

    pub fn is_active(self) -> bool {
        self == FarmStatus::Active
    }
}

impl fmt::Display for FarmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member's role in one farm. Ordered: an owner outranks a manager, who outranks staff.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FarmRole {
    Staff,
    Manager,
    Owner,
}

impl FarmRole {
    pub const ALL: [FarmRole; 3] = [FarmRole::Owner, FarmRole::Manager, FarmRole::Staff];

    pub fn parse(text: &str) -> Option<FarmRole> {
        FarmRole::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FarmRole::Owner => "owner",
            FarmRole::Manager => "manager",
            FarmRole::Staff => "staff",
        }
    }

    /// Owners and managers run the farm's people and apps: they invite, see invitations and
    /// issue registration tokens for the farm's apps.
    pub fn manages(self) -> bool {
        self >= FarmRole::Manager
    }

    /// Whether a member with this role may invite someone as, or change someone to, `role`:
    /// a manager never above their own role, an owner to any, staff to none.
    pub fn may_grant(self, role: FarmRole) -> bool {
        self.manages() && role <= self
    }

    /// Whether this member may change or remove a member who holds `their` role: owners
    /// act on anyone, managers on staff and other managers, never on an owner.
    pub fn may_act_on(self, their: FarmRole) -> bool {
        self.manages() && their <= self
    }
}

impl fmt::Display for FarmRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the `farms` claim: a farm the person is a member of, while it is active.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FarmClaim {
    pub id: String,
    pub name: String,
    pub role: FarmRole,
}

/// The longest farm name, in characters.
pub const MAX_FARM_NAME_CHARS: usize = 100;

/// Why text is not a farm name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FarmNameError {
    #[error("a farm needs a name")]
    Empty,
    #[error("a farm name has at most {MAX_FARM_NAME_CHARS} characters")]
    TooLong,
    #[error("a farm name cannot contain control characters")]
    Control,
}

/// A farm's name: trimmed, 1 to 100 characters, no control characters (a NUL, a newline or
/// a direction override would let a name pass for another on a consent page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FarmName(String);

impl FarmName {
    pub fn parse(text: &str) -> Result<FarmName, FarmNameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FarmNameError::Empty);
        }
        if text.chars().count() > MAX_FARM_NAME_CHARS {
            return Err(FarmNameError::TooLong);
        }
        if text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(FarmNameError::Control);
        }
        Ok(FarmName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

impl fmt::Display for FarmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_roles_round_trip_and_nothing_else_parses() {
        for status in FarmStatus::ALL {
            assert_eq!(FarmStatus::parse(status.as_str()), Some(status));
        }
        for role in FarmRole::ALL {
            assert_eq!(FarmRole::parse(role.as_str()), Some(role));
        }
        for bad in ["", "Owner", "admin", "owner ", "\0", "active\n"] {
            assert_eq!(FarmRole::parse(bad), None, "{bad:?}");
            assert_eq!(FarmStatus::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_manager_never_grants_or_acts_above_their_own_role() {
        use FarmRole::*;
        assert!(Owner.may_grant(Owner) && Owner.may_grant(Manager) && Owner.may_grant(Staff));
        assert!(!Manager.may_grant(Owner));
        assert!(Manager.may_grant(Manager) && Manager.may_grant(Staff));
        assert!(!Staff.may_grant(Staff));
        assert!(!Manager.may_act_on(Owner) && Manager.may_act_on(Staff));
        assert!(!Staff.may_act_on(Staff));
        assert!(Owner.manages() && Manager.manages() && !Staff.manages());
    }

    #[test]
    fn farm_names_are_trimmed_bounded_and_printable() {
        assert_eq!(
            FarmName::parse("  Green Acres ").unwrap().as_str(),
            "Green Acres"
        );
        assert!(FarmName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            FarmName::parse(&"é".repeat(101)),
            Err(FarmNameError::TooLong)
        );
        assert_eq!(FarmName::parse(" \t "), Err(FarmNameError::Empty));
        for bad in ["a\0b", "a\nb", "Farm\u{202e}moc", "a\u{7f}"] {
            assert_eq!(FarmName::parse(bad), Err(FarmNameError::Control), "{bad:?}");
        }
    }
}
