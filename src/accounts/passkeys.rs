//! Passkeys (WebAuthn, through webauthn-rs): registering them from the account page,
//! using one as the second factor after a password, and signing in with a passkey alone
//! (a discoverable credential, found without a username).
//!
//! The relying party id is the issuer's host, so passkeys work only when the issuer names a
//! host (`localhost` in development): WebAuthn has no relying party id for an IP address.
//! Ceremony state lives in the browser session and is taken out before a response is
//! checked, so one challenge answers once. User verification is required, so a passkey
//! alone is two factors (something held, and a PIN or biometric).

use webauthn_rs::prelude::{
    CreationChallengeResponse, CredentialID, DiscoverableAuthentication, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::domain::CredentialId;
use crate::secrets::base64url;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::factors::PasskeyRecord;
use crate::store::users::UserRecord;

use super::audit::{self, Event, Origin, Outcome};
use super::reconfirm::{self, Proof};
use super::{email_links, second_factor};

/// The most passkeys one account may hold.
pub const MAX_PER_USER: usize = 20;

/// Why the last passkey of an account with no other way in stays.
const LAST_WAY_IN: &str = "This passkey is your only way into your account: set a password or confirm your address before you remove it.";
/// The longest name of a passkey.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The browser's answer did not prove anything: wrong challenge, origin, signature,
    /// unknown credential, replay.
    #[error("the passkey could not be verified")]
    Rejected,
    #[error("{0}")]
    Invalid(&'static str),
    /// The password asked again was wrong, or too many were.
    #[error(transparent)]
    Confirm(#[from] second_factor::FactorError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The relying party for `issuer`, or `None` when its host is an IP address.
pub fn relying_party(issuer: &str) -> Option<Webauthn> {
    let origin = Url::parse(issuer).ok()?;
    let host = origin.domain()?.to_string();
    let mut origin = origin;
    origin.set_path("");
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("Not Far(m) From Home")
        .build()
        .ok()
}

/// The WebAuthn user handle of a user: 16 bytes derived from the stable user id, so it
/// needs no column and reveals nothing.
pub fn user_handle(user_id: &str) -> Uuid {
    let mut input = b"farm-auth webauthn user handle v1\0".to_vec();
    input.extend_from_slice(user_id.as_bytes());
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &input);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    Uuid::from_bytes(bytes)
}

fn parse(record: &PasskeyRecord) -> Result<Passkey, StoreError> {
    serde_json::from_str(&record.credential)
        .map_err(|e| StoreError::Corrupt(format!("passkey {}: {e}", record.credential_id)))
}

fn to_json(passkey: &Passkey) -> String {
    serde_json::to_string(passkey).expect("a passkey always serializes")
}

fn rejected(error: impl std::fmt::Display) -> PasskeyError {
    tracing::debug!(%error, "a passkey response was rejected");
    PasskeyError::Rejected
}

/// How the person proved, before adding a passkey, that it is them.
#[derive(Clone, Copy, Debug)]
pub enum AddProof<'a> {
    /// Their password (or authenticator code, or for an account without a password a
    /// fresh sign-in) again ([`reconfirm`]).
    Confirm(Proof<'a>),
    /// Nothing more: the account was created in this browser minutes ago (decision 150).
    NewAccount,
}

/// The options for the browser to create a discoverable passkey, and the state to keep.
pub async fn start_registration(
    state: &AppState,
    origin: &Origin,
    webauthn: &Webauthn,
    user: &UserRecord,
    proof: AddProof<'_>,
) -> Result<(CreationChallengeResponse, PasskeyRegistration), PasskeyError> {
    // A passkey signs in alone: whoever holds a session must not add their own.
    if let AddProof::Confirm(proof) = proof {
        reconfirm::confirm(state, origin, user, proof).await?;
    }
    let existing = state.store.list_passkeys(&user.id).await?;
    if existing.len() >= MAX_PER_USER {
        return Err(PasskeyError::Invalid(
            "You have as many passkeys as an account may hold.",
        ));
    }
    let exclude: Vec<CredentialID> = existing
        .iter()
        .filter_map(|r| parse(r).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(
            user_handle(&user.id),
            &user.username,
            &user.username,
            (!exclude.is_empty()).then_some(exclude),
        )
        .map_err(rejected)?;
    // webauthn-rs asks for a non-discoverable credential; signing in without a username
    // needs the authenticator to keep it (the finish step does not depend on this).
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    Ok((options, registration))
}

/// Checks the browser's new credential against the kept state and stores it as `name`.
pub async fn finish_registration(
    state: &AppState,
    origin: &Origin,
    webauthn: &Webauthn,
    user: &UserRecord,
    name: &str,
    response: &RegisterPublicKeyCredential,
    registration: &PasskeyRegistration,
) -> Result<(), PasskeyError> {
    let name: String = name.trim().chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(PasskeyError::Invalid(
            "Give the passkey a name of 1 to 64 characters.",
        ));
    }
    let passkey = webauthn
        .finish_passkey_registration(response, registration)
        .map_err(rejected)?;
    // Counted again: two ceremonies started side by side must not pass the limit together.
    if state.store.list_passkeys(&user.id).await?.len() >= MAX_PER_USER {
        return Err(PasskeyError::Invalid(
            "You have as many passkeys as an account may hold.",
        ));
    }
    let record = PasskeyRecord {
        credential_id: base64url(passkey.cred_id().as_ref()),
        user_id: user.id.clone(),
        name: name.clone(),
        credential: to_json(&passkey),
        created_at: state.clock.now(),
        last_used_at: None,
    };
    match state.store.insert_passkey(&record).await {
        Ok(()) => {}
        // The same credential registered before (by anyone): never two owners.
        Err(StoreError::Conflict) => return Err(PasskeyError::Rejected),
        Err(other) => return Err(other.into()),
    }
    let event = Event::of_user("passkey.added", &user.id).detail(name.clone());
    audit::record(state, origin, event).await?;
    let what = crate::i18n::t1("mail-passkey-added", "name", &name);
    email_links::security_notice(state, user, &what).await;
    Ok(())
}

/// The options for the browser to use one of `user_id`'s passkeys, after their password.
pub async fn start_second_factor(
    state: &AppState,
    webauthn: &Webauthn,
    user_id: &str,
) -> Result<(RequestChallengeResponse, PasskeyAuthentication), PasskeyError> {
    let passkeys: Vec<Passkey> = state
        .store
        .list_passkeys(user_id)
        .await?
        .iter()
        .map(parse)
        .collect::<Result<_, _>>()?;
    if passkeys.is_empty() {
        return Err(PasskeyError::Invalid("This account has no passkey."));
    }
    webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(rejected)
}

/// How a passkey that signed someone in keeps its key, for `amr` (RFC 8176): `hwk` for a key
/// bound to one device's hardware, `swk` for a synced one (backup eligible), which lives in
/// software across the person's devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Hardware,
    Synced,
}

impl KeyKind {
    fn of(result: &webauthn_rs::prelude::AuthenticationResult) -> KeyKind {
        match result.backup_eligible() {
            true => KeyKind::Synced,
            false => KeyKind::Hardware,
        }
    }

    pub fn amr(self) -> &'static str {
        match self {
            KeyKind::Hardware => "hwk",
            KeyKind::Synced => "swk",
        }
    }
}

/// A passkey that answered its challenge: what the sign-in writes once it completes
/// ([`crate::store::sign_ins::Proof::Passkey`]).
pub struct UsedPasskey {
    pub credential_id: String,
    /// The stored credential with its signature counter moved on, as JSON.
    pub credential: String,
    pub name: String,
    pub kind: KeyKind,
}

/// Checks a passkey used as `user_id`'s second factor. A refusal is written to the trail;
/// a success is left for the sign-in step to write.
pub async fn verify_second_factor(
    state: &AppState,
    origin: &Origin,
    webauthn: &Webauthn,
    user_id: &str,
    response: &PublicKeyCredential,
    authentication: &PasskeyAuthentication,
) -> Result<UsedPasskey, PasskeyError> {
    let result = match webauthn.finish_passkey_authentication(response, authentication) {
        Ok(result) => result,
        Err(error) => {
            let event = Event::of_user("login.passkey", user_id).outcome(Outcome::Failure);
            audit::record(state, origin, event).await?;
            return Err(rejected(error));
        }
    };
    let id = base64url(result.cred_id().as_ref());
    let record = match state.store.find_passkey(&id).await? {
        Some(record) if record.user_id == user_id => record,
        _ => return Err(PasskeyError::Rejected),
    };
    let mut passkey = parse(&record)?;
    passkey.update_credential(&result);
    Ok(UsedPasskey {
        credential_id: id,
        credential: to_json(&passkey),
        name: record.name,
        kind: KeyKind::of(&result),
    })
}

/// The options for the browser to offer any passkey it keeps for us.
pub fn start_passwordless(
    webauthn: &Webauthn,
) -> Result<(RequestChallengeResponse, DiscoverableAuthentication), PasskeyError> {
    webauthn
        .start_discoverable_authentication()
        .map_err(rejected)
}

/// Checks a passkey used alone: the user it belongs to. A refusal is written to the trail;
/// a success is left for the sign-in step to write.
pub async fn verify_passwordless(
    state: &AppState,
    origin: &Origin,
    webauthn: &Webauthn,
    response: &PublicKeyCredential,
    authentication: DiscoverableAuthentication,
) -> Result<(UserRecord, UsedPasskey), PasskeyError> {
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(response)
        .map_err(rejected)?;
    let id = base64url(credential_id);
    let Some(record) = state.store.find_passkey(&id).await? else {
        let event = Event::new("login.passkey")
            .outcome(Outcome::Failure)
            .detail("unknown passkey");
        audit::record(state, origin, event).await?;
        return Err(PasskeyError::Rejected);
    };
    // Found by credential id; the handle the authenticator kept must name the same user.
    if user_handle(&record.user_id) != handle {
        let event = Event::of_user("login.passkey", &record.user_id)
            .outcome(Outcome::Failure)
            .detail("the user handle does not match the passkey");
        audit::record(state, origin, event).await?;
        return Err(PasskeyError::Rejected);
    }
    let mut passkey = parse(&record)?;
    let result =
        match webauthn.finish_discoverable_authentication_v2(response, authentication, &passkey) {
            Ok(result) => result,
            Err(error) => {
                let event =
                    Event::of_user("login.passkey", &record.user_id).outcome(Outcome::Failure);
                audit::record(state, origin, event).await?;
                return Err(rejected(error));
            }
        };
    passkey.update_credential(&result);
    let user = state
        .store
        .find_user_by_id(&record.user_id)
        .await?
        .ok_or(PasskeyError::Rejected)?;
    let used = UsedPasskey {
        credential_id: id,
        credential: to_json(&passkey),
        name: record.name,
        kind: KeyKind::of(&result),
    };
    Ok((user, used))
}

/// `user`'s passkeys, as their account page lists them.
pub async fn list(state: &AppState, user: &UserRecord) -> Result<Vec<PasskeyRecord>, StoreError> {
    state.store.list_passkeys(&user.id).await
}

/// Removes one of `user`'s passkeys, after the password once more (or what stands for it,
/// [`reconfirm`]); false if they have none with that id.
pub async fn remove(
    state: &AppState,
    origin: &Origin,
    user: &UserRecord,
    credential_id: &str,
    proof: Proof<'_>,
) -> Result<bool, PasskeyError> {
    reconfirm::confirm(state, origin, user, proof).await?;
    let Ok(credential_id) = CredentialId::parse(credential_id) else {
        return Ok(false);
    };
    let store = &state.store;
    if !store
        .delete_passkey_leaving_a_way_in(&user.id, &credential_id)
        .await?
    {
        // Gone already, or the account's last way in.
        let kept = store.list_passkeys(&user.id).await?;
        return match kept
            .iter()
            .any(|p| p.credential_id == credential_id.as_str())
        {
            true => Err(PasskeyError::Invalid(LAST_WAY_IN)),
            false => Ok(false),
        };
    }
    audit::record(state, origin, Event::of_user("passkey.removed", &user.id)).await?;
    let what = "A passkey was removed from your account.";
    email_links::security_notice(state, user, what).await;
    Ok(true)
}
