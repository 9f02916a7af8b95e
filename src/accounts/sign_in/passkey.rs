//! Steps with a passkey (WebAuthn, user verification required): as the second factor after
//! the password, or alone, found without a username. The ceremony itself is checked in
//! [`crate::accounts::passkeys`]; its new signature counter is stored in the transaction that
//! signs the person in.

use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};

use crate::state::AppState;
use crate::store::sign_ins::Proof;

use super::super::passkeys::{self, PasskeyError, UsedPasskey};
use super::close::{Proved, StepEvent, close};
use super::second_factor::second;
use super::{Browser, Partial, Refusal, Step};

const EVENT: &str = "login.passkey";

/// A passkey of the person who passed the first step `partial`.
pub async fn after_password(
    state: &AppState,
    browser: Browser<'_>,
    partial: &Partial,
    webauthn: &Webauthn,
    response: &PublicKeyCredential,
    ceremony: &PasskeyAuthentication,
) -> Result<Step, PasskeyError> {
    let used = passkeys::verify_second_factor(
        state,
        browser.origin,
        webauthn,
        &partial.user_id,
        response,
        ceremony,
    )
    .await?;
    let Some(user) = state.store.find_user_by_id(&partial.user_id).await? else {
        return Ok(Step::Refused(Refusal::StartAgain));
    };
    let mut proved = second(
        state.clock.now(),
        partial,
        user,
        [used.kind.amr()],
        proof(&used),
        None,
        EVENT,
    );
    proved.event.detail = Some(used.name.clone());
    Ok(close(state, browser, proved).await?)
}

/// A passkey alone: the device held, and the PIN or biometric that unlocked it, two factors
/// by themselves (RFC 8176: `hwk` or `swk`, and `mfa`).
pub async fn alone(
    state: &AppState,
    browser: Browser<'_>,
    webauthn: &Webauthn,
    response: &PublicKeyCredential,
    ceremony: DiscoverableAuthentication,
) -> Result<Step, PasskeyError> {
    let (user, used) =
        passkeys::verify_passwordless(state, browser.origin, webauthn, response, ceremony).await?;
    let proved = Proved {
        amr: vec![used.kind.amr().into(), "mfa".into()],
        used_password: false,
        first_factor: false,
        proof: proof(&used),
        settlement: None,
        lock_if_replayed: None,
        event: StepEvent {
            name: EVENT,
            with_username: false,
            detail: Some(used.name.clone()),
        },
        known_device: None,
        fresh_at: Some(state.clock.now()),
        user,
    };
    Ok(close(state, browser, proved).await?)
}

fn proof(used: &UsedPasskey) -> Proof<'_> {
    Proof::Passkey {
        credential_id: &used.credential_id,
        credential: &used.credential,
    }
}
