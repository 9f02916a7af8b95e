//! Issue 4: second factors, passkeys, recovery by mail, brute-force defence, sessions.

mod email_verification;
mod token_rate_limit;
