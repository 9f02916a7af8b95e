//! The device authorization grant (RFC 8628): a device with no browser or keyboard to
//! speak of (a TV, a chatbot) asks for a device code and a user code ([`start`]); the person
//! types the user code at `/device` on their phone or computer, signs in and allows or
//! denies ([`check_user_code`], [`decide`]); meanwhile the device polls the token endpoint
//! ([`super::grants::device_code`]).
//!
//! An approval makes an ordinary grant whose code hash is the device code's hash, so the
//! poll that finds it approved consumes it like an authorization code, once.

use std::sync::Arc;

use aws_lc_rs::error::Unspecified;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::apis::OWN_SCOPES;
use super::clients::{Client, GrantType};
use super::params::Params;
use super::resource;
use super::scope::Scope;
use super::{ErrorCode, OAuthError, client_auth, token};
use crate::accounts::acr::{self, Acr};
use crate::accounts::audit::{self, Event, Origin, Outcome};
use crate::accounts::login::SignedIn;
use crate::accounts::throttle::{self, Locked};
use crate::domain::DeviceStatus;
use crate::error::InternalError;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::device_authorizations::{Decision, DeviceAuthorizationRecord};
use crate::store::grants::GrantRecord;

/// How long a device code and its user code live (§3.2 `expires_in`): long enough to find
/// a phone and sign in, short enough that a user code cannot be guessed in time.
pub const DEVICE_CODE_TTL_SECS: i64 = 600;
/// §3.2 `interval`: the least time between two polls (also the default the RFC gives).
pub const POLL_INTERVAL_SECS: i64 = 5;
/// §3.5: what each `slow_down` adds to the interval.
pub const SLOW_DOWN_STEP_SECS: i64 = 5;
/// Where the person types the user code (a path other programs and printed instructions
/// rely on), relative to the issuer.
pub const VERIFICATION_PATH: &str = "/device";
/// How long an expired request is kept (so that a late poll still hears `expired_token`,
/// §3.5, rather than `invalid_grant`): a device polls every few seconds, so minutes do.
pub const EXPIRED_KEPT_SECS: i64 = 600;
/// Pending requests one client address (an IPv4 address; an IPv6 /56, one customer's
/// delegation, docs/DECISIONS.md §103) may have at once: a household or an office starts a
/// few; a flood from one address is refused beyond it.
pub const PENDING_PER_ADDRESS: i64 = 20;
/// Pending requests one client may have at once, whatever the addresses: this and the
/// short lifetime bound the table (docs/DECISIONS.md §82).
pub const PENDING_PER_CLIENT: i64 = 5_000;
/// Fresh user codes tried when the one drawn is taken already.
const USER_CODE_ATTEMPTS: usize = 5;

/// §3.2 Device Authorization Response.
#[derive(Debug, Serialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: i64,
    pub interval: i64,
}

/// The device authorization endpoint (§3.1): authenticates the client (`authorization` is
/// the raw `Authorization` header), counts the request against the client's rate like the
/// token endpoint, and stores a new request with fresh codes, unless the caller's site (an
/// IPv4 address, an IPv6 /56) or the client has as many pending as it may
/// ([`PENDING_PER_ADDRESS`], [`PENDING_PER_CLIENT`]): then 429 with `Retry-After` and an
/// RFC 6749 §5.2 body (§3.2 sends errors there).
pub async fn start(
    state: &AppState,
    authorization: Option<&str>,
    params: &Params,
    origin: &Origin,
) -> Result<DeviceAuthorizationResponse, OAuthError> {
    let client = client_auth::authenticate(&state.clients, authorization, params).await?;
    token::admit(state, &client, &throttle::address_of(origin)).await?;
    let site = throttle::site_of(origin);
    if !client.may_use(GrantType::DeviceCode) {
        return Err(OAuthError::unauthorized_client(
            "this client is not registered for the device authorization grant",
        ));
    }
    let scope = requested_scope(state, &client, params)?;
    let device_code = random_token::<32>();
    let now = state.clock.now();
    let mut record = DeviceAuthorizationRecord {
        device_code_hash: hash_secret(&device_code),
        user_code: String::new(),
        client_id: client.id.clone(),
        scope,
        created_at: now,
        expires_at: now + DEVICE_CODE_TTL_SECS,
        interval_secs: POLL_INTERVAL_SECS,
        last_polled_at: None,
        slowed_at: None,
        status: DeviceStatus::Pending,
        user_id: None,
        decided_at: None,
    };
    let mut attempts = 0;
    let user_code = loop {
        attempts += 1;
        let code = UserCode::generate().map_err(|_| InternalError::Random)?;
        record.user_code = code.as_str().to_string();
        let from = Some(site.as_str()).filter(|a| !a.is_empty());
        let stored = state.store.insert_device_authorization(
            &record,
            from,
            PENDING_PER_ADDRESS,
            PENDING_PER_CLIENT,
        );
        match stored.await {
            Ok(true) => break code,
            Ok(false) => {
                return Err(OAuthError::new(
                    ErrorCode::TooManyRequests,
                    "too many device authorization requests are waiting; try again later",
                ));
            }
            // A live code drew the same letters (about one in 10^10 per live code).
            Err(StoreError::Conflict) if attempts < USER_CODE_ATTEMPTS => {
                tracing::debug!("a user code clashed with a stored one; drawing another");
            }
            Err(error) => return Err(error.into()),
        }
    };
    let verification_uri = format!("{}{VERIFICATION_PATH}", state.issuer);
    Ok(DeviceAuthorizationResponse {
        device_code,
        verification_uri_complete: format!("{verification_uri}?user_code={}", user_code.display()),
        user_code: user_code.display(),
        verification_uri,
        expires_in: DEVICE_CODE_TTL_SECS,
        interval: POLL_INTERVAL_SECS,
    })
}

/// §3.1 `scope`, checked as at the client credentials grant (RFC 6749 §3.3): every
/// requested scope must be registered for the client; without one, all it is registered
/// for. `offline_access` is kept only for clients that may refresh (OpenID Connect Core
/// §11), as at the authorization endpoint.
fn requested_scope(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Scope, OAuthError> {
    let usable = |s: &str| s != "offline_access" || client.may_use(GrantType::RefreshToken);
    let resources = params.resources();
    let apis = state.apis.current();
    let asked = match params.get("scope") {
        // With a resource, the client's scopes of no API: the resource brings its own.
        // farm-auth's own scopes neither: they cannot go with another API.
        None if !resources.is_empty() => client
            .scope
            .filter(|s| apis.of_scope(s).is_none() && !OWN_SCOPES.contains(&s)),
        None => client.scope.clone(),
        Some(text) => {
            let asked = Scope::parse(text).map_err(|e| OAuthError::invalid_scope(e.to_string()))?;
            if let Some(missing) = asked.missing_from(&client.scope).next() {
                return Err(OAuthError::invalid_scope(format!(
                    "scope '{missing}' is not allowed for this client"
                )));
            }
            asked
        }
    };
    // RFC 8707 §2: the API named or implied; the grant remembers it through its scopes.
    let target = resource::resolve(&apis, &state.audience, client, &asked, &resources)?;
    let scope = target.scope.filter(usable);
    match scope.is_empty() {
        true => Err(OAuthError::invalid_scope(
            "no scope this client may be granted was asked for",
        )),
        false => Ok(scope),
    }
}

/// A user code (§6.1): 8 letters from 20 consonants (no vowels, so no words; none that look
/// like a digit), 20^8 ≈ 2^34.6 codes. Held normalised; shown as `BCDF-GHJK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCode(String);

const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LEN: usize = 8;
/// The most typed characters looked at: a code with generous spacing fits, a paste of
/// something else is not worth normalising.
const MAX_TYPED_LEN: usize = 64;
/// The largest multiple of 20 that fits in a byte: bytes from here up are drawn again, so
/// that `byte % 20` favours no letter.
const ACCEPT_BELOW: u8 = 240;

impl UserCode {
    /// A fresh code from the operating system's CSPRNG.
    pub fn generate() -> Result<UserCode, Unspecified> {
        let rng = SystemRandom::new();
        UserCode::draw(|buf| rng.fill(buf))
    }

    /// A code from the bytes `fill` gives, by rejection sampling (no modulo bias).
    fn draw(
        mut fill: impl FnMut(&mut [u8]) -> Result<(), Unspecified>,
    ) -> Result<UserCode, Unspecified> {
        let mut code = String::with_capacity(USER_CODE_LEN);
        let mut buf = [0u8; 16];
        while code.len() < USER_CODE_LEN {
            fill(&mut buf)?;
            for &byte in buf.iter().filter(|b| **b < ACCEPT_BELOW) {
                if code.len() < USER_CODE_LEN {
                    code.push(ALPHABET[usize::from(byte % 20)] as char);
                }
            }
        }
        Ok(UserCode(code))
    }

    /// What a person typed, normalised (§6.1): ASCII letters upper-cased, everything
    /// outside the alphabet dropped (dashes, spaces), so `bcdf ghjk` is `BCDF-GHJK`. `None`
    /// unless exactly 8 letters remain.
    pub fn parse(typed: &str) -> Option<UserCode> {
        if typed.len() > MAX_TYPED_LEN {
            return None;
        }
        let code: String = typed
            .chars()
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c.is_ascii() && ALPHABET.contains(&(*c as u8)))
            .collect();
        (code.len() == USER_CODE_LEN).then_some(UserCode(code))
    }

    /// The normalised form, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people read it: two groups of four.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A pending request a person has found by its user code and is about to decide: what the
/// confirmation page shows, and (kept in their server-side session, never in a form) which
/// request the decision is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deciding {
    pub device_code_hash: String,
    /// Normalised.
    pub user_code: String,
    pub client_id: String,
    pub scope: Scope,
    pub expires_at: i64,
    /// Who typed the code: only they may decide.
    pub user_id: String,
}

impl Deciding {
    pub fn user_code_display(&self) -> String {
        UserCode(self.user_code.clone()).display()
    }
}

/// What a typed user code came to.
#[derive(Debug)]
pub enum CodeCheck {
    /// A pending, unexpired request of a client that may still use the grant.
    Valid(Deciding, Arc<Client>),
    /// Wrong, expired or decided already: one answer for all (a guesser learns nothing).
    Invalid,
    /// Too many wrong codes (§5.1): refused unchecked until the lock ends.
    Locked(Locked),
    /// A valid code of a client whose minimum level (decision 126) this sign-in does not
    /// reach; `reachable`: signing in again with the person's factors would reach it.
    BelowMinimum { reachable: bool },
}

/// Looks up a user code typed by `person`. §5.1: user codes are short enough to guess, so
/// every wrong one counts against the person and their address; a right one is not
/// counted but forgives nothing (anyone can make right ones by starting requests).
pub async fn check_user_code(
    state: &AppState,
    origin: &Origin,
    person: &SignedIn,
    typed: &str,
) -> Result<CodeCheck, StoreError> {
    let keys = throttle::device_code_keys(&person.user_id, origin);
    let attempt = match throttle::begin(state, &keys).await? {
        Ok(attempt) => attempt,
        Err(lock) => {
            let event =
                Event::of_user("device.code_rejected", &person.user_id).outcome(Outcome::Locked);
            audit::record(state, origin, event).await?;
            return Ok(CodeCheck::Locked(lock));
        }
    };
    let found = match UserCode::parse(typed) {
        Some(code) => find_pending(state, &code).await?,
        None => None,
    };
    match found {
        Some((record, client)) => {
            attempt.passed(state).await?;
            if let Some(min) = below_minimum(&client, person) {
                let reachable = acr::within_reach(state, &person.user_id).await? >= min;
                return Ok(CodeCheck::BelowMinimum { reachable });
            }
            let deciding = Deciding {
                device_code_hash: record.device_code_hash,
                user_code: record.user_code,
                client_id: record.client_id,
                scope: record.scope,
                expires_at: record.expires_at,
                user_id: person.user_id.clone(),
            };
            Ok(CodeCheck::Valid(deciding, client))
        }
        None => {
            let _lock = attempt.failed();
            let event =
                Event::of_user("device.code_rejected", &person.user_id).outcome(Outcome::Failure);
            audit::record(state, origin, event).await?;
            Ok(CodeCheck::Invalid)
        }
    }
}

/// The client's minimum level, when `person`'s sign-in is below it (decision 126: it
/// applies to every authorization of the client, this grant's too).
fn below_minimum(client: &Client, person: &SignedIn) -> Option<Acr> {
    client.min_acr.filter(|min| Acr::of(&person.amr) < *min)
}

async fn find_pending(
    state: &AppState,
    code: &UserCode,
) -> Result<Option<(DeviceAuthorizationRecord, Arc<Client>)>, StoreError> {
    let now = state.clock.now();
    let Some(record) = state
        .store
        .find_pending_device_authorization(code.as_str(), now)
        .await?
    else {
        return Ok(None);
    };
    // The client may have lost the grant since the device asked.
    let client = state.clients.find(&record.client_id).await?;
    Ok(client
        .filter(|c| c.may_use(GrantType::DeviceCode))
        .map(|client| (record, client)))
}

/// Records `person`'s decision on the request they found; false when it was decided
/// already or expired (a second submit, or too late), and then nothing changed. An approval
/// creates the grant the device's next poll consumes, and remembers the consent.
pub async fn decide(
    state: &AppState,
    origin: &Origin,
    person: &SignedIn,
    deciding: &Deciding,
    allow: bool,
) -> Result<bool, StoreError> {
    if deciding.user_id != person.user_id {
        return Ok(false);
    }
    // The code was checked against the client's minimum; the client may have changed since.
    let client = state.clients.find(&deciding.client_id).await?;
    if allow && client.is_none_or(|c| below_minimum(&c, person).is_some()) {
        return Ok(false);
    }
    let now = state.clock.now();
    let (decision, grant) = match allow {
        true => (Decision::Approved, Some(grant_for(state, person, deciding))),
        false => (Decision::Denied, None),
    };
    let decided = state
        .store
        .decide_device_authorization(
            &deciding.device_code_hash,
            &person.user_id,
            decision,
            now,
            grant.as_ref(),
        )
        .await?;
    if !decided {
        return Ok(false);
    }
    if allow {
        super::authorize::remember_consent(
            state,
            &person.user_id,
            &deciding.client_id,
            &deciding.scope,
        )
        .await?;
    }
    let event = match allow {
        true => "device.approved",
        false => "device.denied",
    };
    let event = Event::of_user(event, &person.user_id).client(&deciding.client_id);
    audit::record(state, origin, event).await?;
    Ok(true)
}

/// The grant an approval makes: like the authorization endpoint's, with the device code's
/// hash as its code (valid as long as the device code) and no redirect URI, PKCE or nonce.
fn grant_for(state: &AppState, person: &SignedIn, deciding: &Deciding) -> GrantRecord {
    let now = state.clock.now();
    GrantRecord {
        id: random_token::<16>(),
        client_id: deciding.client_id.clone(),
        user_id: person.user_id.clone(),
        scope: deciding.scope.clone(),
        claims: None,
        sid: person.sid.clone(),
        auth_time: person.auth_time,
        amr: person.amr.clone(),
        acr: Some(Acr::of(&person.amr).as_str().to_string()),
        nonce: None,
        // Marks the grant as the device flow's, so that the authorization code grant
        // refuses its device code.
        redirect_uri: GrantType::DeviceCode.as_str().to_string(),
        code_challenge: None,
        code_hash: deciding.device_code_hash.clone(),
        code_expires_at: deciding.expires_at,
        created_at: now,
        expires_at: now + super::authorize::grant_lifetime(state, &deciding.scope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_are_normalised_before_they_are_compared() {
        let code = UserCode::parse("BCDF-GHJK").unwrap();
        assert_eq!(code.as_str(), "BCDFGHJK");
        assert_eq!(code.display(), "BCDF-GHJK");
        for typed in ["bcdf ghjk", "bcdfghjk", " b-c-d-f g h j k ", "BCDF–GHJK"] {
            assert_eq!(UserCode::parse(typed), Some(code.clone()), "{typed:?}");
        }
        for typed in ["BCDF-GHJ", "BCDF-GHJKL", "", "12345678", &"B".repeat(65)] {
            assert_eq!(UserCode::parse(typed), None, "{typed:?}");
        }
        // Upper-casing is ASCII only: 'ß' must not become "SS".
        assert_eq!(UserCode::parse("BCDF-GHßJK").unwrap().as_str(), "BCDFGHJK");
        assert_eq!(UserCode::parse("BCDF-GHßK"), None);
    }

    #[test]
    fn bytes_past_the_last_whole_alphabet_are_drawn_again() {
        // 240..=255 would favour the first 16 letters; they are skipped, not wrapped.
        let mut rounds = 0;
        let code = UserCode::draw(|buf| {
            rounds += 1;
            let fill = match rounds {
                1 => [
                    240, 255, 0, 19, 20, 239, 250, 1, 241, 242, 243, 244, 245, 246, 247, 248,
                ],
                _ => [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
            };
            buf.copy_from_slice(&fill);
            Ok(())
        })
        .unwrap();
        // 0→B, 19→Z, 20→B, 239→Z, 1→C, then the second round: 2→D, 3→F, 4→G.
        assert_eq!(code.as_str(), "BZBZCDFG");
        assert_eq!(rounds, 2);
    }

    #[test]
    fn generated_codes_use_the_alphabet_and_differ() {
        let a = UserCode::generate().unwrap();
        let b = UserCode::generate().unwrap();
        assert_ne!(a, b);
        assert!(a.as_str().bytes().all(|c| ALPHABET.contains(&c)));
        assert_eq!(UserCode::parse(&a.display()), Some(a));
    }

    #[test]
    fn every_letter_is_equally_likely_per_byte() {
        let counts = (0..ACCEPT_BELOW).fold([0u32; 20], |mut counts, byte| {
            counts[usize::from(byte % 20)] += 1;
            counts
        });
        assert!(counts.iter().all(|n| *n == 12));
    }
}
