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
use crate::store::grants::{CodePresentation, CodeTake, GrantRecord};

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
    let verifier = params.get("code_verifier");
    // RFC 7636 §4.1: a malformed verifier proves nothing; the code is not touched.
    let challenge = match verifier.map(CodeChallenge::of_verifier) {
        Some(None) => return Err(invalid_grant("code_verifier does not match the challenge")),
        Some(Some(challenge)) => Some(challenge),
        None => None,
    };
    let redirect_uri = params.get("redirect_uri");
    let presented = CodePresentation {
        client_id: &client.id,
        redirect_uri,
        // The authorization request omitted it (one registered URI, not OpenID).
        fits_omitted_redirect_uri: redirect_uri
            .is_none_or(|uri| client.redirect_uris.iter().any(|r| r == uri)),
        challenge: challenge.as_ref().map(CodeChallenge::as_str),
        device_marker: GrantType::DeviceCode.as_str(),
    };
    let now = state.clock.now();
    let planned = access_token::plan(state);
    // RFC 6749 §4.1.3: issued to this client, to this redirect URI, unexpired, and with the
    // verifier of its challenge (RFC 7636 §4.6): all checked in the statement that takes it.
    let taken = state
        .store
        .take_authorization_code(
            &hash_secret(code),
            &presented,
            now,
            &(planned.jti.clone(), planned.exp),
        )
        .await?;
    let grant = match taken {
        CodeTake::Taken(grant) => grant,
        CodeTake::Unknown => return Err(invalid_grant("the code is invalid or expired")),
        CodeTake::Refused {
            grant,
            used,
            revoked,
        } => {
            return Err(match (mismatch(&grant, &presented), used) {
                // RFC 6749 §4.1.2: a code used twice by its own client is refused, and the
                // tokens it gave revoked. Anyone else's presentation revokes nothing.
                (None, true) => replayed(state, &grant.id, "authorization code").await,
                (Some(why), false) if !revoked => invalid_grant(why),
                _ => invalid_grant("the code is invalid or expired"),
            });
        }
    };
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

/// Why a code's grant refuses `presented` (the conditions of the statement that takes it,
/// but its expiry), for the error description; `None` when it would accept it.
fn mismatch(grant: &GrantRecord, presented: &CodePresentation<'_>) -> Option<&'static str> {
    // A device code (RFC 8628) presented here is no code of ours.
    if grant.redirect_uri == presented.device_marker {
        return Some("the code is invalid or expired");
    }
    // Another client learns nothing of the code, not even that it exists.
    if grant.client_id != presented.client_id {
        return Some("the code is invalid or expired");
    }
    let redirect_ok = match grant.redirect_uri.as_str() {
        "" => presented.fits_omitted_redirect_uri,
        given => presented.redirect_uri == Some(given),
    };
    if !redirect_ok {
        return Some("redirect_uri does not match the authorization request");
    }
    // RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too.
    match (grant.code_challenge.as_deref(), presented.challenge) {
        (Some(stored), Some(proved)) if stored == proved => None,
        (Some(_), _) => Some("code_verifier does not match the challenge"),
        (None, Some(_)) => {
            Some("code_verifier sent but the authorization request had no code_challenge")
        }
        (None, None) => None,
    }
}
