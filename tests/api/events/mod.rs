//! Telling the platform what happened (issue 15): signed webhooks from the outbox, and
//! OpenID Connect Back-Channel Logout. Every test talks to real receivers on loopback
//! ([`crate::support::Receiver`]), and checks what arrived with implementations that are
//! not the server's (the reference Standard Webhooks crate, `jsonwebtoken` and the JWKS).
//!
//! - [`webhooks`]: what an endpoint receives (every event type, signed, no secret), in
//!   order per subject, and what an administrator may subscribe.
//! - [`delivery_faults`]: receivers that fail, are slow, redirect or answer too much:
//!   retries with backoff, dead letters, replay; the request path never waits.
//! - [`backchannel_logout`]: every way a session ends tells the apps it signed in to.
//! - [`crash`]: a server killed between a change and its delivery loses nothing.

mod backchannel_logout;
mod crash;
mod delivery_faults;
mod webhooks;

use farm_auth::accounts::users::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    ApiPerson, Received, Receiver, TestApp, api_person, call_api, json_answer, send_json,
    verify_webhook,
};

const WEBHOOKS: &str = "/api/v1/admin/webhooks";
const ADMIN_SCOPE: &str = "openid admin";

/// Every event type (the admin API lists them; the tests drive each one).
const ALL_TYPES: &[&str] = farm_auth::events::EVENT_TYPES;

/// A new administrator with a token for the admin API.
async fn admin(app: &TestApp) -> ApiPerson {
    api_person(app, "root", Role::Admin, ADMIN_SCOPE, ADMIN_SCOPE).await
}

async fn admin_call(
    app: &TestApp,
    admin: &ApiPerson,
    method: Method,
    path: &str,
    body: Value,
) -> Response {
    match method {
        Method::GET | Method::DELETE => call_api(app, method, path, Some(&admin.token), None).await,
        _ => send_json(app, method, path, Some(&admin.token), &body).await,
    }
}

/// Locks person `id` through the admin API.
async fn lock(app: &TestApp, admin: &ApiPerson, id: &str, reason: &str) {
    let path = format!("/api/v1/admin/users/{id}/lock");
    let response = admin_call(app, admin, Method::POST, &path, json!({ "reason": reason })).await;
    assert!(response.status().is_success(), "{}", response.status());
}

/// Unlocks person `id` through the admin API.
async fn unlock(app: &TestApp, admin: &ApiPerson, id: &str) {
    let path = format!("/api/v1/admin/users/{id}/unlock");
    let response = admin_call(app, admin, Method::POST, &path, json!({})).await;
    assert!(response.status().is_success(), "{}", response.status());
}

/// An endpoint subscribed to `types` at `url`: its id and secret.
async fn subscribe(
    app: &TestApp,
    admin: &ApiPerson,
    url: &str,
    types: &[&str],
) -> (String, String) {
    let body = json!({ "url": url, "description": "the test's receiver", "event_types": types });
    let created = admin_call(app, admin, Method::POST, WEBHOOKS, body).await;
    let created = json_answer(created, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().expect("the secret").to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created["id"].as_str().unwrap().to_string(), secret)
}

/// An endpoint's deliveries (`state`: "", "dead" or "pending"), newest first.
async fn deliveries(app: &TestApp, admin: &ApiPerson, id: &str, state: &str) -> Vec<Value> {
    let path = format!("{WEBHOOKS}/{id}/deliveries?state={state}");
    let page = admin_call(app, admin, Method::GET, &path, Value::Null).await;
    let page = json_answer(page, StatusCode::OK).await;
    page["deliveries"].as_array().unwrap().clone()
}

/// The webhooks a receiver accepted, each verified with `secret`: (type, body).
fn accepted_events(receiver: &Receiver, secret: &str) -> Vec<(String, Value)> {
    receiver
        .received()
        .iter()
        .filter(|r| (200..300).contains(&r.answered))
        .map(|r| {
            let body = verify_webhook(secret, r);
            (body["type"].as_str().unwrap().to_string(), body)
        })
        .collect()
}

/// Waits (up to 15 s) until the receiver accepted a webhook of `event_type` whose data
/// has `key` = `value`; returns it.
async fn wait_for_event(
    receiver: &Receiver,
    secret: &str,
    event_type: &str,
    key: &str,
    value: &str,
) -> (Received, Value) {
    for _ in 0..300 {
        for r in receiver.received() {
            if !(200..300).contains(&r.answered) {
                continue;
            }
            let body = verify_webhook(secret, &r);
            if body["type"] == event_type && body["data"][key] == value {
                return (r, body);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "no {event_type} with {key}={value} arrived; got {:?}",
        accepted_events(receiver, secret)
            .iter()
            .map(|(t, b)| format!("{t} {}", b["data"]))
            .collect::<Vec<_>>()
    );
}

/// Waits (up to 15 s) until the receiver got `count` requests, whatever it answered.
async fn wait_for_requests(receiver: &Receiver, count: usize) -> Vec<Received> {
    for _ in 0..300 {
        let received = receiver.received();
        if received.len() >= count && received.iter().all(|r| r.answered != 0) {
            return received;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "{} requests arrived, not {count}",
        receiver.received().len()
    );
}
