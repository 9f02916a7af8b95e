//! The step of a person an upstream OpenID provider vouched for
//! ([`crate::accounts::upstream`]): the provider's verified ID token names an upstream
//! subject. A subject linked to a local account signs in to it, `amr` `fed` (RFC 8176); the
//! rest ([`close`]) is as for every way in: the administrator's lock, and the local second
//! factor, which follows unless the administrator trusts the provider's own and its ID
//! token shows one (decision 134). An unlinked subject signs in no one: it is told to prove
//! the local account with its address, or to sign up (decision 135).

use crate::domain::EmailAddress;
use crate::state::AppState;
use crate::store::sign_ins::Proof;
use crate::store::upstreams::UpstreamRecord;

use super::super::audit::{self, Event, Origin, Outcome};
use super::super::throttle::{self, Locked};
use super::super::upstream::relying_party::{self, Identity, RelyingPartyError, Started};
use super::close::{Proved, StepEvent, close};
use super::{Browser, Refusal, SignInError, Step};

const EVENT: &str = "login.upstream";

/// Where an upstream sign-in goes.
#[derive(Debug)]
pub enum Arrival {
    /// The subject is linked: a step like the others.
    Step(Step),
    /// Not linked, and a local account has the address the provider vouched for: the
    /// person must sign in to it (password and factors) before the link is written. Never
    /// linked on the address alone.
    ProveAccount,
    /// Not linked, and no account has the address: a new account may be made.
    SignUp,
    /// Not linked, and the address the provider vouched for belongs to a local account
    /// that has not confirmed it: no link, no sign-up with it.
    AddressTaken,
    /// Not linked, and the provider does not vouch for the address it gave: no account is
    /// made with it and none is linked, whoever holds it here (decision 135). Answered
    /// before any lookup, so it tells nothing of the accounts here either.
    Unvouched,
    /// Not linked, and the provider shared no usable address: no account can be made.
    NoAddress,
}

/// The step of `identity`, vouched for by `provider`.
pub async fn upstream(
    state: &AppState,
    browser: Browser<'_>,
    provider: &UpstreamRecord,
    identity: &Identity,
) -> Result<Arrival, SignInError> {
    let now = state.clock.now();
    let linked = (state.store)
        .use_upstream_link(&provider.id, &identity.subject, now)
        .await?;
    let Some(link) = linked else {
        return unlinked(state, identity).await;
    };
    let Some(user) = state.store.find_user_by_id(&link.user_id).await? else {
        return Ok(Arrival::Step(Step::Refused(Refusal::StartAgain)));
    };
    // Decision 134: the provider's second factor stands for ours only when the
    // administrator trusts it and the ID token shows one.
    let trusted = provider.trust_mfa && identity.multi_factor;
    let amr = match trusted {
        true => vec!["fed".into(), "mfa".into()],
        false => vec!["fed".into()],
    };
    let proved = Proved {
        user,
        amr,
        used_password: false,
        first_factor: !trusted,
        proof: Proof::Nothing,
        settlement: None,
        lock_if_replayed: None,
        event: StepEvent {
            name: EVENT,
            with_username: false,
            detail: Some(format!("provider {}", provider.id)),
        },
        known_device: None,
        // The provider's word for when the person signed in: its old session proves
        // nothing fresh here (decision 159). A time ahead of ours, beyond the skew a clock
        // may have, is not believed.
        fresh_at: identity
            .auth_time
            .filter(|at| *at <= now + relying_party::CLOCK_SKEW_SECS),
    };
    Ok(Arrival::Step(close(state, browser, proved).await?))
}

/// Why a callback brought no identity.
#[derive(Debug)]
pub enum CallbackRefused {
    /// Too many refused answers from this network: not even asked of the provider.
    Throttled(Locked),
    /// The provider could not be reached, or its answer did not verify.
    Provider(RelyingPartyError),
}

/// The identity of a callback of `started` with `code`: the code exchanged and the ID
/// token verified ([`relying_party::finish`]). Each costs a stranger one redirect and this
/// server a call to the provider, so refused answers are counted per network and locked
/// after a few ([`throttle::UPSTREAM_CALLBACK`]), and written to the trail as one row per
/// provider, site and hour, however many come (decision 160). An earlier sign-in where a
/// fresh one was asked for is the provider's choice: not counted.
pub async fn callback(
    state: &AppState,
    origin: &Origin,
    provider: &UpstreamRecord,
    started: &Started,
    code: &str,
) -> Result<Result<Identity, CallbackRefused>, SignInError> {
    let network = throttle::address_of(origin);
    let subject = format!("{}|{network}", provider.id);
    let keys = throttle::key(throttle::UPSTREAM_CALLBACK, &subject);
    let attempt = match throttle::begin(state, &keys).await? {
        Ok(attempt) => attempt,
        Err(locked) => {
            let event = Event::new(EVENT)
                .outcome(Outcome::Locked)
                .detail(format!(
                    "provider {}: too many refused answers",
                    provider.id
                ))
                .aggregated();
            audit::record(state, origin, event).await?;
            return Ok(Err(CallbackRefused::Throttled(locked)));
        }
    };
    match relying_party::finish(state, provider, started, code).await {
        Ok(identity) => {
            // Taken back, not forgiven: one good answer does not excuse the bad ones.
            attempt.passed(state).await?;
            Ok(Ok(identity))
        }
        Err(error @ RelyingPartyError::Refused(_)) => {
            let _ = attempt.failed();
            let event = Event::new(EVENT)
                .outcome(Outcome::Failure)
                .detail(format!(
                    "provider {}: its answer did not verify",
                    provider.id
                ))
                .aggregated();
            audit::record(state, origin, event).await?;
            Ok(Err(CallbackRefused::Provider(error)))
        }
        Err(error) => {
            attempt.abandoned(state).await?;
            Ok(Err(CallbackRefused::Provider(error)))
        }
    }
}

async fn unlinked(state: &AppState, identity: &Identity) -> Result<Arrival, SignInError> {
    let address = identity
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok());
    let Some(address) = address else {
        return Ok(Arrival::NoAddress);
    };
    // An account made with an address nobody confirmed would be the first holder's, and a
    // link written then would survive the real owner's reset: anyone could make an account
    // in someone else's name at a provider that vouches for nothing, in advance.
    if !identity.email_verified {
        return Ok(Arrival::Unvouched);
    }
    let owner = state.store.find_user_by_email(address.as_str()).await?;
    Ok(match owner {
        None => Arrival::SignUp,
        Some(user) if user.email_verified => Arrival::ProveAccount,
        Some(_) => Arrival::AddressTaken,
    })
}
