//! A receiver of the server's outbound calls: a real HTTP server on loopback that keeps
//! every request it is sent (webhooks, back-channel logout tokens) and answers as a test
//! tells it to (accept, fail, be slow, answer too much, redirect).
//!
//! The two checks at the end verify what arrived independently of the server's code:
//! webhooks with the reference `standardwebhooks` crate, logout tokens with `jsonwebtoken`
//! against the published JWKS and the rules of OpenID Connect Back-Channel Logout 1.0 §2.6.

// Topic files use a few of these each; the rest must not warn.
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::app::TestApp;

/// The most of a request's body that is kept; the rest is read and dropped.
const BODY_KEPT: usize = 1 << 20;
/// How long [`Receiver::wait_for`] waits.
const WAIT: Duration = Duration::from_secs(15);
/// The chunk size of a [`Behaviour::HugeBody`] answer.
const CHUNK: usize = 64 * 1024;
/// The `events` member of a logout token (Back-Channel Logout 1.0 §2.4).
const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: Method,
    /// The path and query string, e.g. `/hooks?tenant=1`.
    pub path: String,
    pub headers: HeaderMap,
    /// The body, its first MiB at most.
    pub body: Vec<u8>,
    /// When the request arrived (its head was read).
    pub at: Instant,
    /// The status it was answered with; 0 while a [`Behaviour::Slow`] answer is still
    /// sleeping, and for good if the caller hung up first.
    pub answered: u16,
}

impl Received {
    /// The header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON; panics with the body if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body of {} {} is not JSON ({e}): {}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A field of an `application/x-www-form-urlencoded` body (the first, if repeated).
    pub fn form(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The body shortened for a panic message.
    fn summary(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(500).collect();
        format!(
            "{} {} answered {}, {:?} ago: {:?} {body}",
            self.method,
            self.path,
            self.answered,
            self.at.elapsed(),
            self.headers
        )
    }
}

/// How the receiver answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// 200 `ok`.
    Accept,
    /// This status, with a short body.
    Status(u16),
    /// Sleeps this long, then 200 `ok`.
    Slow(Duration),
    /// 200 with a body of this many bytes, streamed (no `Content-Length`).
    HugeBody(usize),
    /// 302 to this `Location`.
    Redirect(String),
}

/// What the requests and the server share.
struct Shared {
    state: Mutex<State>,
    /// Woken at every answer.
    answered: Notify,
}

struct State {
    received: Vec<Received>,
    behaviour: Behaviour,
    /// The next `.0` requests get status `.1`.
    fail_next: (usize, u16),
}

struct Inner {
    shared: Arc<Shared>,
    port: u16,
    task: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The receiving server; clones share it, and it stops with the last one.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

impl Receiver {
    /// Listens on `127.0.0.1` on a port of its own; every path and method, accepting.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let port = listener.local_addr().expect("bound address").port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                received: Vec::new(),
                behaviour: Behaviour::Accept,
                fail_next: (0, 0),
            }),
            answered: Notify::new(),
        });
        let serving = shared.clone();
        let router = axum::Router::new().fallback(move |request: Request<Body>| {
            let shared = serving.clone();
            async move { answer(shared, request).await }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            inner: Arc::new(Inner { shared, port, task }),
        }
    }

    /// `http://127.0.0.1:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.inner.port)
    }

    /// How every following request is answered.
    pub fn behave(&self, behaviour: Behaviour) {
        self.inner.shared.state.lock().unwrap().behaviour = behaviour;
    }

    /// The next `count` requests get `status` (with a short body); then the behaviour
    /// of [`Receiver::behave`] again.
    pub fn fail_next(&self, count: usize, status: u16) {
        self.inner.shared.state.lock().unwrap().fail_next = (count, status);
    }

    /// Every request so far, in order of arrival, whatever it was answered.
    pub fn received(&self) -> Vec<Received> {
        self.inner.shared.state.lock().unwrap().received.clone()
    }

    /// Waits up to 15 s until at least `count` requests were answered with a 2xx: every
    /// request so far. Panics with what arrived otherwise.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let shared = &self.inner.shared;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let notified = shared.answered.notified();
            tokio::pin!(notified);
            // Registered before looking, so an answer in between is not missed.
            notified.as_mut().enable();
            let received = self.received();
            let accepted = received
                .iter()
                .filter(|r| (200..300).contains(&r.answered))
                .count();
            if accepted >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let arrived: Vec<String> = received.iter().map(Received::summary).collect();
                panic!(
                    "{accepted} of {count} requests answered with 2xx after {WAIT:?}; \
                     {} arrived:\n{}",
                    received.len(),
                    arrived.join("\n")
                );
            }
        }
    }
}

/// Keeps the request, then answers it as told.
async fn answer(shared: Arc<Shared>, request: Request<Body>) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = read_kept(body).await;
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let (index, behaviour) = {
        let mut state = shared.state.lock().unwrap();
        let behaviour = match state.fail_next {
            (left, status) if left > 0 => {
                state.fail_next = (left - 1, status);
                Behaviour::Status(status)
            }
            _ => state.behaviour.clone(),
        };
        let answered = match &behaviour {
            Behaviour::Accept | Behaviour::HugeBody(_) => 200,
            Behaviour::Status(status) => *status,
            Behaviour::Slow(_) => 0,
            Behaviour::Redirect(_) => 302,
        };
        state.received.push(Received {
            method: parts.method,
            path,
            headers: parts.headers,
            body,
            at,
            answered,
        });
        (state.received.len() - 1, behaviour)
    };
    let response = match behaviour {
        Behaviour::Accept => plain(StatusCode::OK, "ok"),
        Behaviour::Status(status) => {
            let status = StatusCode::from_u16(status).expect("a valid status code");
            plain(status, status.canonical_reason().unwrap_or("answer"))
        }
        Behaviour::Slow(delay) => {
            // Dropped here, unanswered, if the caller hangs up first.
            tokio::time::sleep(delay).await;
            shared.state.lock().unwrap().received[index].answered = 200;
            plain(StatusCode::OK, "ok")
        }
        Behaviour::HugeBody(size) => {
            let chunks = (0..size).step_by(CHUNK).map(move |start| {
                Ok::<_, Infallible>(Bytes::from(vec![b'x'; CHUNK.min(size - start)]))
            });
            let body = Body::from_stream(futures_util::stream::iter(chunks));
            let mut response = Response::new(body);
            let text = header::HeaderValue::from_static("text/plain");
            response.headers_mut().insert(header::CONTENT_TYPE, text);
            response
        }
        Behaviour::Redirect(location) => {
            let mut response = plain(StatusCode::FOUND, "redirect");
            let location = location.parse().expect("a valid Location");
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
    };
    shared.answered.notify_waiters();
    response
}

/// The first [`BODY_KEPT`] bytes of `body`, the rest read and dropped; what arrived if the
/// caller hung up.
async fn read_kept(mut body: Body) -> Vec<u8> {
    let mut kept = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            let room = BODY_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..room.min(data.len())]);
        }
    }
    kept
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    let text = header::HeaderValue::from_static("text/plain");
    response.headers_mut().insert(header::CONTENT_TYPE, text);
    response
}

/// Verifies a Standard Webhooks request with the reference verifier (`webhook-id`,
/// `webhook-timestamp` within 5 minutes of the real clock, a `v1` signature in
/// `webhook-signature`) under `secret` (`whsec_<base64>`, or the bare base64): its JSON
/// body. Panics with why, and the request, if it does not verify.
pub fn verify_webhook(secret: &str, received: &Received) -> Value {
    let webhook = standardwebhooks::Webhook::new(secret)
        .unwrap_or_else(|e| panic!("the webhook secret {secret:?} is not usable: {e}"));
    if let Err(e) = webhook.verify(&received.body, &received.headers) {
        panic!("the webhook does not verify: {e}\n{}", received.summary());
    }
    received.json()
}

/// Whether the request verifies as in [`verify_webhook`].
pub fn webhook_verifies(secret: &str, received: &Received) -> bool {
    standardwebhooks::Webhook::new(secret)
        .and_then(|webhook| webhook.verify(&received.body, &received.headers))
        .is_ok()
}

/// Checks a back-channel logout request as a relying party must (Back-Channel Logout 1.0
/// §2.5, §2.6): a form POST with `logout_token`, a JWT with `typ` `logout+jwt`, signed
/// RS256 by a key of `app`'s JWKS (by `kid`); `iss` the app's issuer; `aud`, `iat`, `jti`,
/// `sid` and `sub` present; `exp` at most 5 minutes after `iat`; the back-channel logout
/// event; no `nonce`. Expiry is not checked against a clock (the app's may be manual).
/// The claims.
pub async fn verify_logout_token(app: &TestApp, received: &Received) -> Value {
    let context = || received.summary();
    assert_eq!(received.method, Method::POST, "{}", context());
    let media_type = received
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    assert!(
        media_type.is_some_and(|t| t.eq_ignore_ascii_case("application/x-www-form-urlencoded")),
        "a logout request is a form: {}",
        context()
    );
    let token = received
        .form("logout_token")
        .unwrap_or_else(|| panic!("no logout_token: {}", context()));

    let head = jsonwebtoken::decode_header(&token)
        .unwrap_or_else(|e| panic!("the logout token's header ({e}): {token}"));
    assert_eq!(head.alg, Algorithm::RS256, "{head:?}");
    assert_eq!(head.typ.as_deref(), Some("logout+jwt"), "{head:?}");
    let kid = head.kid.unwrap_or_else(|| panic!("no kid: {token}"));
    let jwks = app.jwks().await;
    let jwk = jwks
        .find(&kid)
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS {jwks:?}"));
    let key = DecodingKey::from_jwk(jwk).expect("a usable JWK");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation)
        .unwrap_or_else(|e| panic!("the logout token does not verify ({e}): {token}"))
        .claims;

    let present = |name: &str| {
        let value = &claims[name];
        assert!(
            !value.is_null(),
            "the logout token has no {name}: {claims:#}"
        );
        value
    };
    assert_eq!(present("iss"), app.issuer.as_str(), "{claims:#}");
    let audience_named = match present("aud") {
        Value::String(aud) => !aud.is_empty(),
        Value::Array(auds) => !auds.is_empty() && auds.iter().all(Value::is_string),
        _ => false,
    };
    assert!(audience_named, "aud: {claims:#}");
    let iat = present("iat")
        .as_i64()
        .unwrap_or_else(|| panic!("iat is not a number: {claims:#}"));
    let exp = present("exp")
        .as_i64()
        .unwrap_or_else(|| panic!("exp is not a number: {claims:#}"));
    assert!(
        iat < exp && exp - iat <= 300,
        "exp {exp} not within 5 minutes after iat {iat}: {claims:#}"
    );
    assert!(present("jti").is_string(), "jti: {claims:#}");
    assert!(
        present("events")[BACKCHANNEL_LOGOUT_EVENT].is_object(),
        "events: {claims:#}"
    );
    assert!(present("sid").is_string(), "sid: {claims:#}");
    assert!(present("sub").is_string(), "sub: {claims:#}");
    assert!(
        claims.get("nonce").is_none(),
        "a logout token has no nonce: {claims:#}"
    );
    claims
}
