//! The authorization code grant (RFC 6749 §4.1.3, OpenID Connect Core §3.1.3): a client
//! trades a code, once and within a minute, for the tokens of the person who authorized it.

use super::super::OAuthError;
use super::super::access_token;
use super::super::clients::{Client, GrantType};
use super::super::params::Params;
use super::super::pkce::CodeChallenge;
use super::super::resource;
use super::super::token::TokenResponse;
use super::{Refresh, grant_user, invalid_grant, issue_tokens, replayed};
use crate::secrets::hash_secret;
use crate::state::AppState;
use crate::store::grants::Taken;

/// Codes are 43 characters; anything much longer is not one of ours.
const MAX_CODE_LEN: usize = 128;

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let code = params.require("code")?;
    if code.len() > MAX_CODE_LEN {
        return Err(invalid_grant("the code is invalid or expired"));
    }
    // RFC 8707 §2.2: a resource named here must be one we know before the code is used up;
    // whether the grant covers it is known once the grant is read.
    let apis = state.apis.current();
    let named = resource::named_target(&apis, &state.audience, &params.resources())?;
    let now = state.clock.now();
    let planned = access_token::plan(state);
    let taken = state
        .store
        .take_authorization_code(&hash_secret(code), now, &(planned.jti.clone(), planned.exp))
        .await?;
    let grant = match taken {
        Taken::Fresh(grant) => grant,
        Taken::Unknown => return Err(invalid_grant("the code is invalid or expired")),
        // RFC 6749 §4.1.2: a code used twice is refused, and the tokens it gave revoked.
        Taken::Replayed(grant_id) => {
            return Err(replayed(state, &grant_id, "authorization code").await);
        }
    };
    // RFC 6749 §4.1.3: issued to this client, to this redirect URI, and not expired; and a
    // code of this grant, not a device code (RFC 8628) presented here.
    if grant.redirect_uri == GrantType::DeviceCode.as_str() {
        return Err(invalid_grant("the code is invalid or expired"));
    }
    if grant.client_id != client.id {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if grant.code_expires_at <= now {
        return Err(invalid_grant("the code is invalid or expired"));
    }
    let redirect_uri = params.get("redirect_uri");
    let redirect_ok = match grant.redirect_uri.as_str() {
        // The authorization request omitted it (one registered URI, not OpenID).
        "" => redirect_uri.is_none_or(|uri| client.redirect_uris.iter().any(|r| r == uri)),
        given => redirect_uri == Some(given),
    };
    if !redirect_ok {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    // RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too.
    let verifier = params.get("code_verifier");
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier))
            if CodeChallenge::from_stored(challenge.clone()).is_satisfied_by(verifier) => {}
        (Some(_), _) => return Err(invalid_grant("code_verifier does not match the challenge")),
        (None, Some(_)) => {
            return Err(invalid_grant(
                "code_verifier sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    let target = resource::of_grant(&apis, client, &grant.scope, named)?;
    let user = grant_user(state, &grant).await?;
    issue_tokens(
        state,
        client,
        &grant,
        &user,
        &target,
        planned,
        grant.nonce.as_deref(),
        Refresh::First,
    )
    .await
}
