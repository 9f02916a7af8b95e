//! Signing up, the same from the pages and the account API: a person joins as a consumer
//! or a farmer (administrators are appointed, never self-made), the account is created, a
//! link to confirm the address is mailed, and the trail records it.
//!
//! A farmer names their farm: the person and a *pending* farm they own are created in one
//! transaction. They hold only the `consumer` role until an administrator approves the farm
//! (DECISIONS §52), so signing up gives no farmer powers.
//!
//! Everyone may sign up, so every step that costs something comes after the cheap ones
//! (DECISIONS §86): the form's own checks, the anti-automation step of the page
//! ([`super::signup_challenge`]), the per-address (or per-app) and overall limits, a name
//! or address already taken; only then the password is hashed, the rows written and the
//! mail queued.

use crate::domain::{EmailAddress, FarmName, FarmStatus, Username};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin};
use super::signup_challenge::{self, ChallengeAnswer, ChallengeRefused};
use super::throttle::{self, Locked};
use super::users::{self, NewUser, Role, UserError};
use super::{email_links, farms};

/// What a person gives to sign up.
pub struct SignUp {
    pub username: String,
    pub email: String,
    /// `None` on the sign-up page when the person leaves the field empty: an account
    /// without a password (decision 161).
    pub password: Option<String>,
    /// `consumer` or `farmer`, as typed.
    pub role: String,
    /// The farm's name, required to join as a farmer (ignored for a consumer).
    pub farm_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// Neither `consumer` nor `farmer`.
    #[error("choose whether you join as a consumer or a farmer")]
    Role,
    /// A farmer's farm name is missing or not a name.
    #[error("farm name: {0}")]
    FarmName(String),
    /// The page's anti-automation step refused the form.
    #[error(transparent)]
    Refused(#[from] ChallengeRefused),
    /// Too many sign-ups from this address (or app): 429 until the lock ends.
    #[error("too many sign-ups from your network")]
    Throttled(Locked),
    /// Too many sign-ups from everyone: 503 until the lock ends.
    #[error("too many sign-ups at once")]
    Overloaded(Locked),
    #[error(transparent)]
    User(#[from] UserError),
}

/// Who signs up, for the limits and the anti-automation step.
pub enum Applicant {
    /// A browser on the sign-up page, with its answer to the page's challenge.
    Browser(ChallengeAnswer),
    /// One of the platform's apps through the account API (by client id), for its user.
    App(String),
}

/// A failure on our side, kept apart from [`UserError::Taken`] (which a conflict becomes).
fn store_error(error: StoreError) -> SignUpError {
    SignUpError::User(UserError::Store(error))
}

/// What a sign-up created: the person, and the pending farm of a farmer.
pub struct SignedUp {
    pub user: UserRecord,
    pub farm_id: Option<String>,
}

pub async fn sign_up(
    state: &AppState,
    origin: &Origin,
    applicant: &Applicant,
    form: SignUp,
) -> Result<SignedUp, SignUpError> {
    let farm_name = match form.role.as_str() {
        "consumer" => None,
        "farmer" => Some(
            FarmName::parse(&form.farm_name).map_err(|e| SignUpError::FarmName(e.to_string()))?,
        ),
        _ => return Err(SignUpError::Role),
    };
    let with_password = form.password.is_some();
    let new = NewUser {
        username: form.username,
        email: form.email,
        password: form.password,
        // No platform powers before an administrator approves the farm.
        roles: vec![Role::Consumer],
    };
    let (username, email, _) = users::check_new(&new)?;
    admit(state, origin, applicant).await?;
    // Found before the hash; the insert still catches two sign-ups racing for a name.
    if taken(state, &username, &email).await.map_err(store_error)? {
        return Err(UserError::Taken.into());
    }
    let (user, farm) = match farm_name {
        None => (users::create(state, new).await?, None),
        Some(name) => {
            let record = users::prepare(state, new).await?;
            let farm = farms::new_farm(state, name, FarmStatus::Pending);
            match state.store.insert_user_with_farm(&record, &farm).await {
                Err(StoreError::Conflict) => return Err(UserError::Taken.into()),
                other => other.map_err(store_error)?,
            }
            let user = UserRecord {
                password_hash: None,
                ..record
            };
            (user, Some(farm))
        }
    };
    email_links::send_verification(state, &user)
        .await
        .map_err(store_error)?;
    let mut event = Event::of_user("signup", &user.id);
    if !with_password {
        event = event.detail("without a password");
    }
    audit::record(state, origin, event)
        .await
        .map_err(store_error)?;
    if let Some(farm) = &farm {
        let detail = format!(
            "farm {}: \u{201c}{}\u{201d} signed up, pending approval",
            farm.id, farm.name
        );
        audit::record(
            state,
            origin,
            Event::of_user("farm.created", &user.id).detail(detail),
        )
        .await
        .map_err(store_error)?;
    }
    Ok(SignedUp {
        user,
        farm_id: farm.map(|f| f.id),
    })
}

/// Whether an account has `username` or `email` already.
async fn taken(
    state: &AppState,
    username: &Username,
    email: &EmailAddress,
) -> Result<bool, StoreError> {
    Ok(state
        .store
        .find_user_by_username(username.as_str())
        .await?
        .is_some()
        || state
            .store
            .find_user_by_email(email.as_str())
            .await?
            .is_some())
}

/// Lets a sign-up through the anti-automation step and the limits, or refuses it: the
/// answer is checked first (no storage), then counted against the applicant's address or
/// app and against everyone, and only then spent, so that neither forged answers nor a
/// flood held back by its limits leave rows behind.
async fn admit(
    state: &AppState,
    origin: &Origin,
    applicant: &Applicant,
) -> Result<(), SignUpError> {
    let (answered, own) = match applicant {
        Applicant::Browser(answer) => {
            let answered = signup_challenge::check(state, answer)
                .await
                .map_err(store_error)??;
            let address = throttle::address_of(origin);
            let mut own = vec![throttle::limit(throttle::SIGNUP_ADDRESS, &address)];
            if !answered.proven {
                own.push(throttle::limit(throttle::SIGNUP_UNPROVEN_ADDRESS, &address));
            }
            (Some(answered), own)
        }
        Applicant::App(client_id) => (
            None,
            vec![throttle::limit(throttle::SIGNUP_BY_APP, client_id)],
        ),
    };
    if let Err(lock) = throttle::count(state, &own).await.map_err(store_error)? {
        return Err(SignUpError::Throttled(lock));
    }
    // Spent before the shared budget is counted, so a replayed solution costs everyone
    // else nothing.
    if let Some(answered) = answered {
        signup_challenge::spend(state, &answered)
            .await
            .map_err(store_error)??;
    }
    let everyone = throttle::signup_all(state.config.signup_rate_limit);
    let everyone = [throttle::limit(everyone, "")];
    if let Err(lock) = throttle::count(state, &everyone)
        .await
        .map_err(store_error)?
    {
        return Err(SignUpError::Overloaded(lock));
    }
    Ok(())
}
