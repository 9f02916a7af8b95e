//! People: user accounts, roles, password hashing, signing in (also with upstream OpenID
//! providers), second factors, recovery, brute-force defence and the security audit trail.

pub mod acr;
pub mod admin;
pub mod audit;
pub mod deletion;
pub mod devices;
pub mod email_change;
pub mod email_codes;
pub mod email_links;
pub mod export;
pub mod factor_review;
pub mod farm_invitations;
pub mod farm_members;
pub mod farms;
pub mod login;
pub mod passkeys;
pub mod password;
pub mod password_change;
pub mod password_removal;
pub mod profile;
pub mod reconfirm;
pub mod recovery;
pub mod second_factor;
pub mod sessions;
pub mod sign_in;
pub mod signup;
pub mod signup_challenge;
pub mod step_up;
pub mod throttle;
pub mod totp;
pub mod upstream;
pub mod users;
