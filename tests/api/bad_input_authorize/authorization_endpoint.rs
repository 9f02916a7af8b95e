//! The authorization endpoint, parameter by parameter: an untrusted client or redirect URI
//! gets an error page, any other malformed parameter goes back to the client with its error
//! code (RFC 6749 §4.1.2.1), and a public client must use PKCE with S256.

use farm_auth::oauth2::client_metadata::NewClient;

use super::{
    CLIENT_SCOPE, Expect, SCOPE, again, authorize, mismatch, query, run_table, set, without,
};
use crate::support::{CHALLENGE, REDIRECT_URI, TestApp, assert_not_logged};

#[tokio::test]
async fn an_untrusted_client_or_redirect_uri_gets_an_error_page_and_never_a_redirect() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let machine = app.machine_client("orders:read").await;
    let id = client.id.as_str();
    let long = "x".repeat(10_000);
    use Expect::*;
    #[rustfmt::skip]
    let cases = vec![
        ("client_id missing", vec![without("client_id")], Page),
        ("client_id empty", vec![set("client_id", "")], Page),
        ("client_id repeated", vec![again("client_id", id)], Page),
        ("client_id repeated, first empty",
            vec![without("client_id"), again("client_id", ""), again("client_id", id)], Page),
        ("client_id unknown", vec![set("client_id", "no-such-client")], Page),
        ("client_id of 10000 characters", vec![set("client_id", long.clone())], Page),
        ("client_id with a NUL byte", vec![set("client_id", format!("{id}\0"))], Page),
        ("client_id with a space", vec![set("client_id", format!("{id} "))], Page),
        ("client_id in upper case", vec![set("client_id", id.to_uppercase())], Page),
        ("client_id not UTF-8 (lossy)", vec![set("client_id", "\u{fffd}")], Page),
        ("client_id of a machine client", vec![set("client_id", machine.id.clone())], Page),
        ("redirect_uri missing for openid", vec![without("redirect_uri")], Page),
        ("redirect_uri empty for openid", vec![set("redirect_uri", "")], Page),
        ("redirect_uri repeated", vec![again("redirect_uri", REDIRECT_URI)], Page),
        ("redirect_uri unregistered",
            vec![set("redirect_uri", "https://evil.example/callback")], Page),
        ("redirect_uri with a trailing slash",
            vec![set("redirect_uri", format!("{REDIRECT_URI}/"))], Page),
        ("redirect_uri with an added query",
            vec![set("redirect_uri", format!("{REDIRECT_URI}?next=/"))], Page),
        ("redirect_uri with a fragment",
            vec![set("redirect_uri", format!("{REDIRECT_URI}#x"))], Page),
        ("redirect_uri with another host case",
            vec![set("redirect_uri", "https://RP.example/callback")], Page),
        ("redirect_uri with a port",
            vec![set("redirect_uri", "https://rp.example:443/callback")], Page),
        ("redirect_uri as http", vec![set("redirect_uri", "http://rp.example/callback")], Page),
        ("redirect_uri with a NUL byte",
            vec![set("redirect_uri", format!("{REDIRECT_URI}\0"))], Page),
        ("redirect_uri with userinfo",
            vec![set("redirect_uri", "https://rp.example@evil.example/callback")], Page),
        ("redirect_uri of 10000 characters", vec![set("redirect_uri", long.clone())], Page),
        ("redirect_uri not a URI", vec![set("redirect_uri", "callback")], Page),
        // Both bad: the untrusted redirect URI wins, the page is shown.
        ("unregistered redirect_uri and no response_type",
            vec![set("redirect_uri", "https://evil.example/cb"), without("response_type")], Page),
        ("unknown client and a request object",
            vec![set("client_id", "nope"), set("request", "eyJ.e30.")], Page),
        // Without openid and with one registered URI, redirect_uri may be left out.
        ("redirect_uri left out of an OAuth request",
            vec![without("redirect_uri"), set("scope", "profile")], SignIn),
        ("the default request", vec![], SignIn),
    ];
    run_table(&app, id, cases).await;
    // The machine client with a redirect URI it never registered: a page, not a redirect.
    let response = authorize(&app, &query(&machine.id, &[])).await;
    assert_eq!(mismatch(&app, response, Page).await, None);
    assert_not_logged(&[&client.secret]);
}

#[tokio::test]
async fn each_malformed_parameter_of_a_trusted_request_is_sent_back_with_its_error_code() {
    let app = TestApp::spawn().await;
    let client = app.web_client(CLIENT_SCOPE).await;
    let long = "x".repeat(10_000);
    use Expect::*;
    #[rustfmt::skip]
    let cases = vec![
        // response_type
        ("response_type missing", vec![without("response_type")], Error("invalid_request")),
        ("response_type empty", vec![set("response_type", "")], Error("invalid_request")),
        ("response_type repeated", vec![again("response_type", "code")], Error("invalid_request")),
        ("response_type token",
            vec![set("response_type", "token")], Error("unsupported_response_type")),
        ("response_type code id_token",
            vec![set("response_type", "code id_token")], Error("unsupported_response_type")),
        ("response_type CODE",
            vec![set("response_type", "CODE")], Error("unsupported_response_type")),
        ("response_type code+NUL",
            vec![set("response_type", "code\0")], Error("unsupported_response_type")),
        ("response_type oversized",
            vec![set("response_type", long.clone())], Error("unsupported_response_type")),
        // scope
        ("scope missing", vec![without("scope")], Error("invalid_scope")),
        ("scope empty", vec![set("scope", "")], Error("invalid_scope")),
        ("scope of spaces", vec![set("scope", "   ")], Error("invalid_scope")),
        ("scope repeated", vec![again("scope", "openid")], Error("invalid_request")),
        ("scope with no allowed token",
            vec![set("scope", "orders:write admin")], Error("invalid_scope")),
        ("scope with a quote and backslash",
            vec![set("scope", "openid \"\\")], Error("invalid_scope")),
        ("scope with a NUL byte", vec![set("scope", "openid\0profile")], Error("invalid_scope")),
        ("scope of 10000 characters", vec![set("scope", long.clone())], Error("invalid_scope")),
        ("scope with an unknown token beside openid", vec![set("scope", "openid bogus")], SignIn),
        // state
        ("state repeated", vec![again("state", "abc")], ErrorWithoutState("invalid_request")),
        (
            "state of 2049 bytes",
            vec![set("state", "s".repeat(2049)), without("response_type")],
            ErrorWithoutState("invalid_request"),
        ),
        ("state of 2050 bytes in 1025 characters",
            vec![set("state", "é".repeat(1025))], ErrorWithoutState("invalid_request")),
        ("state of 60000 bytes",
            vec![set("state", "s".repeat(60_000))], ErrorWithoutState("invalid_request")),
        ("state of exactly 2048 bytes", vec![set("state", "s".repeat(2048))], SignIn),
        ("state missing", vec![without("state")], SignIn),
        // nonce
        ("nonce of 513 bytes", vec![set("nonce", "n".repeat(513))], Error("invalid_request")),
        ("nonce of 514 bytes in 257 characters",
            vec![set("nonce", "é".repeat(257))], Error("invalid_request")),
        ("nonce repeated", vec![again("nonce", "n2")], Error("invalid_request")),
        ("nonce of exactly 512 bytes", vec![set("nonce", "n".repeat(512))], SignIn),
        ("nonce missing", vec![without("nonce")], SignIn),
        // prompt
        ("prompt unknown", vec![set("prompt", "bogus")], Error("invalid_request")),
        ("prompt none with login", vec![set("prompt", "none login")], Error("invalid_request")),
        ("prompt none with consent", vec![set("prompt", "consent none")], Error("invalid_request")),
        ("prompt repeated",
            vec![set("prompt", "login"), again("prompt", "login")], Error("invalid_request")),
        ("prompt in upper case", vec![set("prompt", "LOGIN")], Error("invalid_request")),
        ("prompt with a NUL byte", vec![set("prompt", "login\0")], Error("invalid_request")),
        ("prompt oversized", vec![set("prompt", long.clone())], Error("invalid_request")),
        ("prompt login consent", vec![set("prompt", "login consent")], SignIn),
        ("prompt none, nobody signed in", vec![set("prompt", "none")], Error("login_required")),
        // max_age
        ("max_age negative", vec![set("max_age", "-1")], Error("invalid_request")),
        ("max_age not a number", vec![set("max_age", "abc")], Error("invalid_request")),
        ("max_age a fraction", vec![set("max_age", "1.5")], Error("invalid_request")),
        ("max_age with a space", vec![set("max_age", " 5")], Error("invalid_request")),
        ("max_age past i64",
            vec![set("max_age", "99999999999999999999")], Error("invalid_request")),
        ("max_age repeated",
            vec![set("max_age", "5"), again("max_age", "5")], Error("invalid_request")),
        ("max_age zero", vec![set("max_age", "0")], SignIn),
        // code_challenge and code_challenge_method
        ("code_challenge_method plain",
            vec![set("code_challenge_method", "plain")], Error("invalid_request")),
        ("code_challenge_method s256",
            vec![set("code_challenge_method", "s256")], Error("invalid_request")),
        ("code_challenge_method unknown",
            vec![set("code_challenge_method", "S512")], Error("invalid_request")),
        ("code_challenge without a method",
            vec![without("code_challenge_method")], Error("invalid_request")),
        ("code_challenge_method without a challenge",
            vec![without("code_challenge")], Error("invalid_request")),
        ("code_challenge of 42 characters",
            vec![set("code_challenge", &CHALLENGE[..42])], Error("invalid_request")),
        ("code_challenge of 44 characters",
            vec![set("code_challenge", format!("{CHALLENGE}A"))], Error("invalid_request")),
        (
            "code_challenge padded",
            vec![set("code_challenge", format!("{}=", &CHALLENGE[..42]))],
            Error("invalid_request"),
        ),
        (
            "code_challenge in base64 with + and /",
            vec![set(
                "code_challenge",
                CHALLENGE.replace('-', "+").replace('_', "/"),
            )],
            Error("invalid_request"),
        ),
        (
            "code_challenge with a NUL byte",
            vec![set("code_challenge", format!("{}\0", &CHALLENGE[..42]))],
            Error("invalid_request"),
        ),
        ("code_challenge oversized",
            vec![set("code_challenge", long.clone())], Error("invalid_request")),
        ("code_challenge repeated",
            vec![again("code_challenge", CHALLENGE)], Error("invalid_request")),
        ("code_challenge_method repeated",
            vec![again("code_challenge_method", "S256")], Error("invalid_request")),
        ("no PKCE from a confidential client",
            vec![without("code_challenge"), without("code_challenge_method")], SignIn),
        // claims
        ("claims an array", vec![set("claims", "[1]")], Error("invalid_request")),
        ("claims a string", vec![set("claims", "\"userinfo\"")], Error("invalid_request")),
        ("claims not JSON", vec![set("claims", "{")], Error("invalid_request")),
        ("claims with a number member",
            vec![set("claims", r#"{"id_token":3}"#)], Error("invalid_request")),
        ("claims null", vec![set("claims", "null")], Error("invalid_request")),
        (
            "claims over 4096 bytes",
            vec![set(
                "claims",
                format!(r#"{{"userinfo":{{"x":"{}"}}}}"#, "a".repeat(4100)),
            )],
            Error("invalid_request"),
        ),
        ("claims repeated",
            vec![set("claims", "{}"), again("claims", "{}")], Error("invalid_request")),
        ("claims a valid request",
            vec![set("claims", r#"{"userinfo":{"email":{"essential":true}}}"#)], SignIn),
        // request objects, registration
        ("request",
            vec![set("request", "eyJhbGciOiJub25lIn0.e30.")], Error("request_not_supported")),
        (
            "request_uri",
            vec![set("request_uri", "https://rp.example/request.jwt")],
            Error("request_uri_not_supported"),
        ),
        ("registration", vec![set("registration", "{}")], Error("registration_not_supported")),
        ("request repeated",
            vec![set("request", "a.b.c"), again("request", "a.b.c")], Error("invalid_request")),
        (
            "request_uri repeated",
            vec![set("request_uri", "urn:x"), again("request_uri", "urn:x")],
            Error("invalid_request"),
        ),
        ("request empty", vec![set("request", "")], SignIn),
        ("request_uri empty", vec![set("request_uri", "")], SignIn),
        // Every optional parameter sent empty counts as omitted (RFC 6749 §3.1).
        ("state empty", vec![set("state", "")], SignIn),
        ("nonce empty", vec![set("nonce", "")], SignIn),
        ("prompt empty", vec![set("prompt", "")], SignIn),
        ("max_age empty", vec![set("max_age", "")], SignIn),
        ("login_hint empty", vec![set("login_hint", "")], SignIn),
        ("id_token_hint empty", vec![set("id_token_hint", "")], SignIn),
        ("claims empty", vec![set("claims", "")], SignIn),
        ("response_mode empty", vec![set("response_mode", "")], SignIn),
        ("code_challenge empty, method given",
            vec![set("code_challenge", "")], Error("invalid_request")),
        ("code_challenge_method empty, challenge given",
            vec![set("code_challenge_method", "")], Error("invalid_request")),
        // response_mode
        ("response_mode fragment",
            vec![set("response_mode", "fragment")], Error("invalid_request")),
        ("response_mode unknown",
            vec![set("response_mode", "web_message")], Error("invalid_request")),
        (
            "response_mode repeated",
            vec![
                set("response_mode", "query"),
                again("response_mode", "query"),
            ],
            Error("invalid_request"),
        ),
        ("response_mode query", vec![set("response_mode", "query")], SignIn),
        ("response_mode oversized",
            vec![set("response_mode", long.clone())], Error("invalid_request")),
        ("response_mode with a NUL byte",
            vec![set("response_mode", "query\0")], Error("invalid_request")),
        // login_hint: a hint, ignored when unusable
        ("login_hint repeated",
            vec![set("login_hint", "ada"), again("login_hint", "ada")], Error("invalid_request")),
        ("login_hint of 10000 characters", vec![set("login_hint", long.clone())], SignIn),
        ("login_hint with a NUL byte", vec![set("login_hint", "a\0da")], SignIn),
        // the rest
        ("an unknown parameter", vec![set("foo", "bar")], SignIn),
        ("an unknown parameter repeated",
            vec![set("foo", "bar"), again("foo", "baz")], Error("invalid_request")),
        ("a parameter with an empty name", vec![set("", "x")], SignIn),
        (
            "two errors: response_type and scope",
            vec![set("response_type", "token"), without("scope")],
            Error("unsupported_response_type"),
        ),
    ];
    run_table(&app, &client.id, cases).await;
}

#[tokio::test]
async fn a_public_client_must_use_pkce_with_s256() {
    let app = TestApp::spawn().await;
    let public = app
        .register(NewClient {
            name: "Farm Stand App".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            grant_types: vec!["authorization_code".into()],
            scope: Some(SCOPE.into()),
            public: true,
            ..Default::default()
        })
        .await;
    use Expect::*;
    #[rustfmt::skip]
    let cases = vec![
        (
            "no PKCE",
            vec![without("code_challenge"), without("code_challenge_method")],
            Error("invalid_request"),
        ),
        (
            "an empty challenge and method",
            vec![set("code_challenge", ""), set("code_challenge_method", "")],
            Error("invalid_request"),
        ),
        ("plain", vec![set("code_challenge_method", "plain")], Error("invalid_request")),
        ("a challenge without a method",
            vec![without("code_challenge_method")], Error("invalid_request")),
        ("S256", vec![], SignIn),
    ];
    run_table(&app, &public.id, cases).await;
}
