//! Webhooks as the Standard Webhooks specification has them: a JSON body
//! `{"type", "timestamp", "data"}`, POSTed with `webhook-id` (the event's id, the same on
//! every attempt, so a receiver can drop a repeat), `webhook-timestamp` (when this attempt
//! was sent, so a receiver can refuse a stale or replayed one) and `webhook-signature`
//! (`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the endpoint's
//! secret). The secret is `whsec_` and 32 random bytes in base64, shown once.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::deliver::Outcome;
use crate::outbound::{Outbound, OutboundError, error_chain};
use crate::state::AppState;
use crate::store::events::DueDelivery;

const SECRET_PREFIX: &str = "whsec_";
/// What is read of a receiver's answer; its body is not used.
const ANSWER_LIMIT: usize = 64 * 1024;

/// A new signing secret.
pub fn new_secret() -> String {
    let bytes = crate::secrets::random_bytes::<32>();
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` value for a message; `None` if `secret` is not one
/// [`new_secret`] made.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let mut context = hmac::Context::with_key(&key);
    context.update(id.as_bytes());
    context.update(b".");
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    Some(format!("v1,{}", STANDARD.encode(context.sign().as_ref())))
}

/// The body of an event's webhook.
pub fn body(event_type: &str, created_ms: i64, data: &str) -> Vec<u8> {
    let data: serde_json::Value = serde_json::from_str(data).unwrap_or(json!({}));
    let timestamp = OffsetDateTime::from_unix_timestamp_nanos(i128::from(created_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    let body = json!({ "type": event_type, "timestamp": timestamp, "data": data });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// One attempt at delivering a webhook.
pub(super) async fn send(state: &AppState, delivery: &DueDelivery) -> Outcome {
    let (Some(url), Some(secret)) = (&delivery.url, &delivery.secret) else {
        return Outcome::Dropped("the endpoint is gone");
    };
    let body = body(&delivery.event_type, delivery.created_ms, &delivery.data);
    // The receiver compares the timestamp with its own clock: the wall clock, always.
    let timestamp = crate::clock::Clock::System.now();
    let Some(signature) = signature(secret, &delivery.event_id, timestamp, &body) else {
        return Outcome::Dropped("the endpoint's secret is unreadable");
    };
    let request = axum::http::Request::post(url.as_str())
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("farm-auth/", env!("CARGO_PKG_VERSION")),
        )
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body);
    match request {
        Ok(request) => post(&state.outbound, request).await,
        Err(error) => Outcome::Failed {
            status: None,
            error: format!("the request cannot be made: {error}"),
        },
    }
}

/// Sends `request` through `outbound` and judges the answer: any 2xx is delivered; anything
/// else, a redirect included, is a failure. The error recorded leaves out the URL (a
/// receiver may carry a token in its query).
pub(super) async fn post(outbound: &Outbound, request: axum::http::Request<Vec<u8>>) -> Outcome {
    match outbound.send(request, ANSWER_LIMIT).await {
        Ok(answer) if answer.status().is_success() => Outcome::Delivered(answer.status().as_u16()),
        Ok(answer) => Outcome::Failed {
            status: Some(answer.status().as_u16()),
            error: format!("the receiver answered {}", answer.status()),
        },
        Err(OutboundError::TooLarge(limit)) => Outcome::Failed {
            status: None,
            error: format!("the receiver's answer was larger than {limit} bytes"),
        },
        Err(OutboundError::Http(error)) => Outcome::Failed {
            status: None,
            error: error_chain(&error.without_url()),
        },
        Err(error) => Outcome::Failed {
            status: None,
            error: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (its reference libraries' tests).
    #[test]
    fn signs_the_specifications_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn refuses_a_secret_it_did_not_make() {
        assert_eq!(
            signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, b""),
            None
        );
        assert!(signature(&new_secret(), "m", 1, b"").is_some());
    }
}
