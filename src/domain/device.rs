//! Where a device's request (RFC 8628) stands.

use std::fmt;

/// A device authorization request's status, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Waiting for the person at `/device`.
    Pending,
    Approved,
    Denied,
}

impl DeviceStatus {
    pub fn parse(text: &str) -> Option<DeviceStatus> {
        match text {
            "pending" => Some(DeviceStatus::Pending),
            "approved" => Some(DeviceStatus::Approved),
            "denied" => Some(DeviceStatus::Denied),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Pending => "pending",
            DeviceStatus::Approved => "approved",
            DeviceStatus::Denied => "denied",
        }
    }
}

impl fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_what_they_write_and_nothing_else() {
        for status in [
            DeviceStatus::Pending,
            DeviceStatus::Approved,
            DeviceStatus::Denied,
        ] {
            assert_eq!(DeviceStatus::parse(status.as_str()), Some(status));
        }
        for bad in [
            "",
            "Pending",
            "pending ",
            "\0",
            "approved\n",
            "d\u{e9}nied",
            &"x".repeat(300),
        ] {
            assert_eq!(DeviceStatus::parse(bad), None, "{bad:?}");
        }
    }
}
