//! The end of the flow: the consent remembered, the grant created and its code issued
//! (RFC 6749 §4.1.2).

use super::{
    AuthorizationRequest, AuthorizationResponse, AuthorizeError, CODE_TTL_SECS, REPLAY_WINDOW_SECS,
};
use crate::accounts::acr::Acr;
use crate::accounts::login::SignedIn;
use crate::domain::scope::MAX_TOKENS;
use crate::oauth2::scope::Scope;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::grants::GrantRecord;

/// Remembers that the person allowed the requested scopes (added to what they allowed
/// before).
pub async fn record_consent(
    state: &AppState,
    request: &AuthorizationRequest,
    person: &SignedIn,
) -> Result<(), StoreError> {
    remember_consent(state, &person.user_id, &request.client_id, &request.scope).await
}

/// Adds `scope` to what `user_id` has allowed `client_id` (the consent page, the device
/// page).
pub async fn remember_consent(
    state: &AppState,
    user_id: &str,
    client_id: &str,
    scope: &Scope,
) -> Result<(), StoreError> {
    let store = &state.store;
    let mut allowed = store
        .find_consent(user_id, client_id)
        .await?
        .unwrap_or_default();
    for scope in scope.iter() {
        allowed = allowed.with(scope);
    }
    // A consent is kept as a scope, which holds at most MAX_TOKENS tokens: past that, what
    // is allowed now replaces what was, and the person is asked again for the rest.
    if allowed.len() > MAX_TOKENS {
        allowed = scope.clone();
    }
    store
        .upsert_consent(user_id, client_id, &allowed, state.clock.now())
        .await?;
    Ok(())
}

/// How long a grant for `scope` made now is kept: the refresh tokens' absolute end with
/// `offline_access`, else long enough for a replayed code to revoke what it issued.
pub(crate) fn grant_lifetime(state: &AppState, scope: &Scope) -> i64 {
    match scope.contains("offline_access") {
        true => state.config.refresh_token_max.as_secs() as i64,
        false => REPLAY_WINDOW_SECS,
    }
}

/// Creates the grant and answers with its code: 256 random bits, stored only as a hash, for
/// at most [`CODE_TTL_SECS`] and one use.
pub async fn issue_code(
    state: &AppState,
    request: &AuthorizationRequest,
    person: &SignedIn,
) -> Result<AuthorizationResponse, AuthorizeError> {
    let now = state.clock.now();
    let code = random_token::<32>();
    let lifetime = grant_lifetime(state, &request.scope);
    let grant = GrantRecord {
        id: random_token::<16>(),
        client_id: request.client_id.clone(),
        user_id: person.user_id.clone(),
        scope: request.scope.clone(),
        claims: request.claims.clone(),
        sid: person.sid.clone(),
        auth_time: person.auth_time,
        amr: person.amr.clone(),
        // Core §2, §5.5.1.1: what the sign-in reached, as one of the values asked for.
        acr: Some(
            request
                .acr
                .stated(Acr::of(&person.amr))
                .as_str()
                .to_string(),
        ),
        nonce: request.nonce.clone(),
        // Empty when the request omitted it: the token request may omit it then.
        redirect_uri: match request.redirect_uri_given {
            true => request.redirect_uri.clone(),
            false => String::new(),
        },
        code_challenge: request.code_challenge.clone(),
        code_hash: hash_secret(&code),
        code_expires_at: now + CODE_TTL_SECS,
        created_at: now,
        expires_at: now + lifetime,
    };
    state.store.insert_grant(&grant).await?;
    let mut params = vec![("code", code)];
    if let Some(s) = &request.state {
        params.push(("state", s.clone()));
    }
    // RFC 9207: the issuer in the response defends against mix-up attacks.
    params.push(("iss", state.issuer.to_string()));
    Ok(AuthorizationResponse {
        redirect_uri: request.redirect_uri.clone(),
        mode: request.response_mode,
        params,
    })
}
