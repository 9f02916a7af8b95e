//! The first step with a username and password.
//!
//! Whether the username exists or not, the attempt costs one Argon2id verification and is
//! refused with the same words, so neither the answer nor its timing tells an attacker which
//! usernames are registered ([`crate::accounts::login::verify_named`]). Failures earn
//! back-off locks keyed by what was typed ([`crate::accounts::throttle`]).

use crate::domain::Username;
use crate::state::AppState;
use crate::store::sign_ins::Proof;

use super::super::audit::{self, Outcome};
use super::super::devices;
use super::super::login::{self, AttemptedName};
use super::super::throttle;
use super::close::{Proved, StepEvent, close};
use super::{Browser, Refusal, SignInError, Step};

/// A password sign-in: the username and password as typed.
pub async fn password(
    state: &AppState,
    browser: Browser<'_>,
    username: &str,
    password_text: &str,
) -> Result<Step, SignInError> {
    // The account named, looked up once: it tells whether this browser is the person's own
    // (whose failures are counted apart from everyone else's), and whose password to check.
    let named = match Username::parse(username.trim()) {
        Ok(name) if username.len() <= login::MAX_INPUT_LEN => {
            state.store.find_user_by_username(name.as_str()).await?
        }
        _ => None,
    };
    // Looked up for every cookie, named account or not: the work must not say which.
    let owner = match browser.device {
        Some(_) => devices::owner(state, browser.device).await?,
        None => None,
    };
    let known_device = named
        .as_ref()
        .is_some_and(|u| owner.as_deref() == Some(&u.id));
    let device = browser.device.filter(|_| known_device);
    let attempted = AttemptedName::of(named.as_ref(), username);
    let keys = throttle::login_keys(username, browser.origin, device);
    let attempt = match throttle::begin(state, &keys).await? {
        Ok(attempt) => attempt,
        Err(locked) => {
            let event = attempted.event().outcome(Outcome::Locked);
            audit::record(state, browser.origin, event).await?;
            return Ok(Step::Refused(Refusal::Throttled(locked)));
        }
    };
    let user = match login::verify_named(named, password_text).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let locked = attempt.failed();
            let mut event = attempted.event().outcome(Outcome::Failure);
            if let Some(lock) = locked {
                event = event.detail(format!("locked until {}", lock.until));
            }
            audit::record(state, browser.origin, event).await?;
            return Ok(Step::Refused(Refusal::WrongCredentials));
        }
        // Not checked (the hashers are saturated): not an attempt.
        Err(error) => {
            attempt.abandoned(state).await?;
            return Err(error.into());
        }
    };
    let proved = Proved {
        amr: vec!["pwd".into()],
        used_password: true,
        first_factor: true,
        proof: Proof::Nothing,
        settlement: Some(attempt.success()),
        lock_if_replayed: None,
        event: StepEvent {
            name: "login.password",
            with_username: true,
            detail: None,
        },
        known_device: Some(known_device),
        fresh_at: Some(state.clock.now()),
        user,
    };
    Ok(close(state, browser, proved).await?)
}
