//! RFC 8707 §2 `invalid_target`: a `resource` that is relative, has a fragment, is unknown,
//! repeated (even with the same value) or names an API the client may not use, and scopes of
//! two APIs (or `account` with an API's scope), at every endpoint that takes them. Never a
//! 500, and nothing written: no grant, no code, no device request.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;

use crate::support::{
    INVENTORY, ORDERS, TestApp, UserAgent, assert_oauth_error, assert_redirect_error, code_from,
};

/// `resource` values no request may carry, whoever the client.
const BAD_RESOURCES: &[&[&str]] = &[
    &["/inventory"],
    &["inventory.farm.example"],
    &["https://inventory.farm.example#top"],
    &["https://unknown.farm.example"],
    &["https://inventory.farm.example/"],
    &[INVENTORY, INVENTORY],
    &[INVENTORY, ORDERS],
];

#[tokio::test]
async fn bad_resources_and_mixed_scopes_are_invalid_target_at_client_credentials() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    let bot = app
        .machine_client("inventory:read orders:read account")
        .await;
    let only_inventory = app.machine_client("inventory:read").await;
    let mut cases: Vec<(&crate::support::TestClient, Option<&str>, Vec<&str>)> = BAD_RESOURCES
        .iter()
        .map(|r| (&bot, Some("inventory:read"), r.to_vec()))
        .collect();
    cases.extend([
        (&bot, Some("inventory:read orders:read"), vec![]),
        (&bot, Some("account inventory:read"), vec![]),
        // farm-auth's own scope with an API named by `resource` rather than by its scopes.
        (&bot, Some("account"), vec![INVENTORY]),
        (&bot, Some("inventory:read"), vec![ORDERS]),
        (&bot, Some("inventory:read"), vec![app.issuer.as_str()]),
        // An API the client holds no scope of.
        (&only_inventory, None, vec![ORDERS]),
        (&only_inventory, Some("inventory:read"), vec![ORDERS]),
    ]);
    for (client, scope, resources) in cases {
        let response = app.client_credentials_for(client, scope, &resources).await;
        let body = assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
        assert!(
            body["error_description"].is_string(),
            "{scope:?} {resources:?}"
        );
    }
    // Registered for scopes of two APIs, asking for none and naming none: no single target.
    let response = app.client_credentials_for(&bot, None, &[]).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
}

#[tokio::test]
async fn bad_resources_at_authorize_are_sent_back_as_invalid_target_and_write_no_grant() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let web = app
        .web_client("openid profile account inventory:read orders:read")
        .await;
    let narrow = app.web_client("openid inventory:read").await;
    let mut urls: Vec<String> = BAD_RESOURCES
        .iter()
        .map(|resources| {
            let mut url = app.authorize_url(&web, "openid", &[]);
            for r in resources.iter() {
                url.push_str(&format!("&resource={}", urlencode(r)));
            }
            url
        })
        .collect();
    urls.extend([
        app.authorize_url(&web, "openid inventory:read orders:read", &[]),
        app.authorize_url(&web, "openid account inventory:read", &[]),
        app.authorize_url(&web, "openid inventory:read", &[("resource", ORDERS)]),
        app.authorize_url(&web, "openid inventory:read", &[("resource", &app.issuer)]),
        app.authorize_url(&narrow, "openid", &[("resource", ORDERS)]),
    ]);
    let agent = UserAgent::new(&app);
    // Signed in, so that a request that went through would reach consent or a code.
    let landing = agent
        .navigate(&app.authorize_url(&web, "openid", &[]))
        .await;
    let back = agent
        .consent(
            agent.log_in(landing, "ada", crate::support::PASSWORD).await,
            "allow",
        )
        .await
        .client();
    code_from(&app, &back);
    let grants = app.rows("grants").await;
    for url in urls {
        let back = agent.navigate(&url).await.client();
        assert_redirect_error(&app, &back, "invalid_target");
    }
    assert_eq!(app.rows("grants").await, grants);
}

#[tokio::test]
async fn a_code_or_refresh_token_asked_for_another_api_is_invalid_target() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    app.person("ada", Role::Consumer).await;
    let web = app
        .web_client("openid offline_access inventory:read orders:read")
        .await;
    let agent = UserAgent::new(&app);
    let back = app
        .sign_in_and_allow(&agent, &web, "ada", "openid offline_access inventory:read")
        .await;
    let code = code_from(&app, &back);
    let exchange = |resources: Vec<&'static str>| {
        let (app, web, code) = (&app, &web, code.clone());
        async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", crate::support::REDIRECT_URI),
                ("code_verifier", crate::support::VERIFIER),
            ];
            app.token_with_resources(web, &form, &resources).await
        }
    };
    // Unknown, malformed or repeated resources are refused before the code is used up.
    for resources in [
        vec!["https://unknown.farm.example"],
        vec!["/relative"],
        vec![INVENTORY, INVENTORY],
    ] {
        let response = exchange(resources).await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
    }
    // The grant holds no scope of the orders API.
    let response = exchange(vec![ORDERS]).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;

    // Signed in and allowed already: straight back with a new code.
    let url = app.authorize_url(&web, "openid offline_access inventory:read", &[]);
    let back = agent.navigate(&url).await.client();
    let tokens =
        crate::support::token_json(app.exchange_code(&web, &code_from(&app, &back)).await).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    for resources in [
        vec![ORDERS],
        vec!["https://inventory.farm.example#x"],
        vec![INVENTORY, INVENTORY],
    ] {
        let response = app
            .token_with_resources(
                &web,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                &resources,
            )
            .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
    }
    // The refused refreshes did not use the refresh token up.
    let fine = app.refresh(&web, refresh, None).await;
    assert_eq!(fine.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_resources_at_the_device_endpoint_are_invalid_target_and_store_no_request() {
    let app = TestApp::spawn().await;
    app.two_apis().await;
    let tv = app
        .register(farm_auth::oauth2::client_metadata::NewClient {
            name: "TV".into(),
            grant_types: vec!["urn:ietf:params:oauth:grant-type:device_code".into()],
            scope: Some("openid inventory:read orders:read".into()),
            ..Default::default()
        })
        .await;
    let before = app.rows("device_authorizations").await;
    for resources in BAD_RESOURCES {
        let mut form = vec![("scope", "openid")];
        form.extend(resources.iter().map(|r| ("resource", *r)));
        let response = app
            .post_form("device_authorization_endpoint", Some(&tv), &form)
            .await;
        assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
    }
    let response = app
        .post_form(
            "device_authorization_endpoint",
            Some(&tv),
            &[("scope", "inventory:read orders:read")],
        )
        .await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_target").await;
    assert_eq!(app.rows("device_authorizations").await, before);

    let response = app
        .post_form(
            "device_authorization_endpoint",
            Some(&tv),
            &[("scope", "openid"), ("resource", INVENTORY)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.rows("device_authorizations").await, before + 1);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
