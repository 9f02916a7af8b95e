//! OpenID Connect Back-Channel Logout 1.0: when a login session ends, every app it gave
//! tokens to that registered a `backchannel_logout_uri` is sent a logout token (§2.4), a
//! JWT with `typ: logout+jwt` signed like an ID token: `iss`, `aud` (the client), `iat`,
//! `exp` ([`LIFETIME_SECS`]), `jti`, `events` with the back-channel logout event, `sid` and
//! `sub`, and never a `nonce` (§2.4: it MUST NOT have one, so it cannot pass for an ID
//! token). It is POSTed as the form parameter `logout_token` (§2.5); a 2xx answer is
//! success (§2.8 says 200; some relying parties answer 204).

use serde::Serialize;
use serde_json::json;

use super::deliver::{LOGOUT_TIMEOUT, Outcome};
use super::webhook::post;
use crate::keys::JwtType;
use crate::state::AppState;
use crate::store::events::DueDelivery;

/// §2.4: the `events` member names this event.
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How long a logout token is valid: two minutes, as the spec's examples suggest.
pub const LIFETIME_SECS: i64 = 120;

#[derive(Serialize)]
struct LogoutClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    events: serde_json::Value,
    sid: &'a str,
    sub: &'a str,
}

/// One attempt at telling a client that a session ended. Each attempt signs a token of
/// its own (a fresh `jti` and lifetime): one sent late is still valid when it arrives.
pub(super) async fn send(state: &AppState, delivery: &DueDelivery) -> Outcome {
    let (Some(client_id), Some(url)) = (&delivery.client_id, &delivery.url) else {
        return Outcome::Dropped("the client no longer takes logout tokens");
    };
    let data: serde_json::Value = serde_json::from_str(&delivery.data).unwrap_or_default();
    let (Some(sid), Some(sub)) = (data["session_id"].as_str(), data["person_id"].as_str()) else {
        return Outcome::Dropped("the event names no session");
    };
    let now = state.clock.now();
    let claims = LogoutClaims {
        iss: &state.issuer,
        aud: client_id,
        iat: now,
        exp: now + LIFETIME_SECS,
        jti: crate::secrets::random_id(),
        events: json!({ EVENT: {} }),
        sid,
        sub,
    };
    let token = match state.keys.current().sign(JwtType::LogoutToken, &claims) {
        Ok(token) => token,
        Err(error) => {
            return Outcome::Failed {
                status: None,
                error: format!("the logout token cannot be signed: {error}"),
            };
        }
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("logout_token", &token)
        .finish();
    let request = axum::http::Request::post(url.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "user-agent",
            concat!("farm-auth/", env!("CARGO_PKG_VERSION")),
        )
        .body(body.into_bytes());
    // A vendor's or a farm's app is called as the public Internet (decision 167).
    let outbound = match delivery.third_party {
        0 => &state.outbound,
        _ => state.outbound.for_third_parties(),
    };
    match request {
        Ok(request) => match tokio::time::timeout(LOGOUT_TIMEOUT, post(outbound, request)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Failed {
                status: None,
                error: format!("no answer in {} s", LOGOUT_TIMEOUT.as_secs()),
            },
        },
        Err(error) => Outcome::Failed {
            status: None,
            error: format!("the request cannot be made: {error}"),
        },
    }
}
