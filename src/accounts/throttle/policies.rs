//! The policies (failures and the back-off they earn) and the limits (requests per window)
//! of [`super`], with the room each gives and why.

use super::{Limit, Policy};

pub(super) const HOUR: i64 = 3_600;

/// One username, tried from one address: the attacker's own lane.
pub const LOGIN_FROM_ADDRESS: Policy = Policy {
    prefix: "login-from",
    free: 5,
    base: 30,
    max: 900,
    forget: HOUR,
};

/// One username from anywhere: slows attacks spread over many addresses, with more room,
/// since it also holds the person themselves back.
pub const LOGIN_ACCOUNT: Policy = Policy {
    prefix: "login",
    free: 20,
    base: 60,
    max: 900,
    forget: HOUR,
};

/// One username from the person's own known browser ([`super::devices`]), in place of the
/// account-wide key: failures elsewhere do not hold it back, and a stolen or forgotten
/// device cookie is limited as the account would be.
pub const LOGIN_DEVICE: Policy = Policy {
    prefix: "login-device",
    free: 20,
    base: 60,
    max: 900,
    forget: HOUR,
};

/// One address, any username: password spraying.
pub const LOGIN_ADDRESS: Policy = Policy {
    prefix: "login-ip",
    free: 30,
    base: 60,
    max: HOUR,
    forget: HOUR,
};

/// A user's second factor at sign-in and at enrolment (TOTP and recovery codes).
pub const SECOND_FACTOR: Policy = Policy {
    prefix: "mfa",
    free: 5,
    base: 30,
    max: 900,
    forget: HOUR,
};

/// The current password asked again on the account page and the account API.
pub const PASSWORD_CONFIRM: Policy = Policy {
    prefix: "password",
    free: 5,
    base: 30,
    max: 900,
    forget: HOUR,
};

/// Codes typed to sign in for one address (known or not, so the answer tells nothing) from
/// one network: the guesser's own lane, as [`LOGIN_FROM_ADDRESS`] for passwords.
pub const EMAIL_CODE_FROM_ADDRESS: Policy = Policy {
    prefix: "email-code-from",
    free: 5,
    base: 30,
    max: 900,
    forget: HOUR,
};

/// Codes typed for one address from anywhere: more room, since it holds the person back
/// too, as [`LOGIN_ACCOUNT`].
pub const EMAIL_CODE: Policy = Policy {
    prefix: "email-code",
    free: 20,
    base: 60,
    max: 900,
    forget: HOUR,
};

/// Codes typed for one address from the person's own known browser, in place of
/// [`EMAIL_CODE`], as [`LOGIN_DEVICE`].
pub const EMAIL_CODE_DEVICE: Policy = Policy {
    prefix: "email-code-device",
    free: 20,
    base: 60,
    max: 900,
    forget: HOUR,
};

/// Sign-in codes asked for from one network: each may send a mail.
pub const EMAIL_CODE_REQUEST: Policy = Policy {
    prefix: "email-code-ip",
    free: 20,
    base: 60,
    max: HOUR,
    forget: HOUR,
};

/// Upstream sign-in callbacks whose answer the provider refused, from one network: each
/// makes this server call the provider's token endpoint, so a stranger must not make it do
/// so without end (decision 160).
/// Counted per provider, and locked at most a quarter of an hour: a stranger behind the
/// same NAT can hold others back from that provider for a while, not for good.
pub const UPSTREAM_CALLBACK: Policy = Policy {
    prefix: "upstream-cb",
    free: 10,
    base: 60,
    max: 900,
    forget: HOUR,
};

/// Password reset requests from one address.
pub const RESET_REQUEST: Policy = Policy {
    prefix: "reset-ip",
    free: 10,
    base: 60,
    max: HOUR,
    forget: HOUR,
};

/// Security notices mailed to one person: ten an hour, so that changing a factor back and
/// forth cannot flood a mailbox.
pub const SECURITY_NOTICE: Policy = Policy {
    prefix: "notice",
    free: 10,
    base: HOUR,
    max: HOUR,
    forget: HOUR,
};

/// Farm invitations sent by one farm: sixty an hour (a farm can fill its fifty open
/// invitations at once), so that inviting, withdrawing and inviting again, which the cap on
/// open invitations does not count, cannot mail on and on.
pub const FARM_INVITATIONS: Policy = Policy {
    prefix: "invite-farm",
    free: 60,
    base: HOUR,
    max: HOUR,
    forget: HOUR,
};

/// Farm invitations to one address, from any farm: three an hour, so nobody's mailbox is
/// flooded by invitations.
pub const INVITATIONS_TO_ADDRESS: Policy = Policy {
    prefix: "invite-to",
    free: 3,
    base: HOUR,
    max: HOUR,
    forget: HOUR,
};

/// Password reset requests from one of the platform's apps (the account API): the app
/// asks for all its users, so the budget is larger; the hourly limit per account still
/// holds.
pub const RESET_REQUEST_BY_APP: Policy = Policy {
    prefix: "reset-app",
    free: 1_000,
    base: 60,
    max: HOUR,
    forget: HOUR,
};

/// User codes typed on the device page (RFC 8628 §5.1) by one signed-in person: with 20^8
/// codes and a handful live at a time, a few guesses a quarter of an hour make finding one
/// hopeless.
pub const DEVICE_CODE_PERSON: Policy = Policy {
    prefix: "device",
    free: 5,
    base: 30,
    max: 900,
    forget: HOUR,
};

/// User codes typed from one address, whoever is signed in: one guesser with many accounts.
/// More room, since a household or office shares an address.
pub const DEVICE_CODE_ADDRESS: Policy = Policy {
    prefix: "device-ip",
    free: 20,
    base: 60,
    max: HOUR,
    forget: HOUR,
};

/// Sign-ups from one address (an IPv4 address or an IPv6 /64): a household or a class
/// signing up together fits; a script does not get far.
pub const SIGNUP_ADDRESS: Limit = Limit {
    prefix: "signup-ip",
    max: 20,
    window: HOUR,
};

/// Sign-ups from one address that came without the form's proof of work (no JavaScript):
/// waiting out the minimum fill time costs a script nothing, so this path gets less room.
pub const SIGNUP_UNPROVEN_ADDRESS: Limit = Limit {
    prefix: "signup-slow-ip",
    max: 5,
    window: HOUR,
};

/// Sign-ups made by one of the platform's apps through the account API, for its users.
pub const SIGNUP_BY_APP: Limit = Limit {
    prefix: "signup-app",
    max: 1_000,
    window: HOUR,
};

/// Sign-ups from everyone, per minute (`FARM_AUTH_SIGNUP_RATE_LIMIT`): what the hashers
/// and the mail server take without a queue building up.
pub fn signup_all(per_minute: u64) -> Limit {
    Limit {
        prefix: "signup-all",
        max: i64::try_from(per_minute).unwrap_or(i64::MAX),
        window: 60,
    }
}

/// Reset requests from everyone, per minute: beyond this the mail would wait longer than
/// its link lives.
/// Sign-in codes asked for by everyone, per minute: what the mail server takes.
pub const EMAIL_CODE_ALL: Limit = Limit {
    prefix: "email-code-all",
    max: 600,
    window: 60,
};

pub const RESET_ALL: Limit = Limit {
    prefix: "reset-all",
    max: 600,
    window: 60,
};

/// Mail to one recipient address, of any kind, per hour: whatever the account, the farm or
/// the form, nobody's mailbox is flooded from here.
pub const MAIL_TO_RECIPIENT: Limit = Limit {
    prefix: "mail-to",
    max: 12,
    window: HOUR,
};
