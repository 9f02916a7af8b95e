//! Issue 4: second factors, passkeys, recovery by mail, brute-force defence, sessions.

mod account_api;
mod audit;
mod email_verification;
mod lockout;
mod mail_delivery;
mod passkeys;
mod password_reset;
mod sessions_page;
mod smtp_server;
mod soft_authenticator;
mod token_rate_limit;
mod totp;
