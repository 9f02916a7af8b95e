//! A relying party built with the `openidconnect` crate, the way an application of the
//! platform would use it: discovery, the code flow with PKCE and a nonce, ID token
//! validation against the JWKS, UserInfo, refresh, and RP-initiated logout. If the crate
//! accepts every step, third-party OpenID Connect libraries can use farm-auth as it is.

use crate::support::{Landing, PASSWORD, POST_LOGOUT_URI, REDIRECT_URI, TestApp, UserAgent};
use farm_auth::accounts::users::Role;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreUserInfoClaims,
};
use openidconnect::reqwest;
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    TokenResponse,
};
use reqwest::StatusCode;

const SCOPE: &str = "openid profile email offline_access";

/// The relying party's own HTTP client: never follows redirects (the crate's advice, against
/// SSRF), so a redirect where JSON is expected fails loudly.
fn rp_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

#[tokio::test]
async fn an_openidconnect_crate_relying_party_completes_every_step() {
    let app = TestApp::spawn().await;
    let sub = app.person("ada", Role::Farmer).await;
    let registered = app.web_client(SCOPE).await;
    let http = rp_http();

    // Discovery: the issuer in the document must equal the one asked for, and the JWKS
    // is fetched from jwks_uri.
    let issuer = IssuerUrl::new(app.issuer.clone()).unwrap();
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
        .await
        .expect("discovery succeeds");
    let end_session = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("end_session_endpoint advertised");
    assert_eq!(end_session.as_str(), format!("{}/logout", app.issuer));
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(registered.id.clone()),
        Some(ClientSecret::new(registered.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into()).unwrap());

    // The authorization request, with PKCE and a nonce.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let agent = UserAgent::new(&app);
    let landing = agent.navigate(url.as_str()).await;
    let landing = agent.log_in(landing, "ada", PASSWORD).await;
    let back = agent.consent(landing, "allow").await.client();
    assert_eq!(
        Landing::param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    assert_eq!(
        Landing::param(&back, "iss").as_deref(),
        Some(app.issuer.as_str())
    );
    let code = Landing::param(&back, "code").expect("a code");
    let signed_in_at = app.clock.now();

    // The code, with the PKCE verifier, at the token endpoint (client_secret_basic).
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code is traded for tokens");
    let mut scopes: Vec<String> = tokens
        .scopes()
        .expect("scope in the response")
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.sort();
    assert_eq!(scopes, ["email", "offline_access", "openid", "profile"]);

    // The ID token: signature against the JWKS, iss, aud, exp and the nonce.
    let id_token = tokens.id_token().expect("an ID token");
    let id_verifier = rp.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the ID token verifies");
    assert!(
        id_token
            .claims(&id_verifier, &Nonce::new("another nonce".into()))
            .is_err(),
        "a different nonce must be refused"
    );
    assert_eq!(claims.issuer().as_str(), app.issuer);
    assert_eq!(claims.subject().as_str(), sub);
    let audiences: Vec<&str> = claims.audiences().iter().map(|a| a.as_str()).collect();
    assert_eq!(audiences, [registered.id.as_str()]);
    assert_eq!(
        claims.auth_time().map(|t| t.timestamp()),
        Some(signed_in_at)
    );
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ada"));
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@farm.example"));
    assert_eq!(claims.email_verified(), Some(false));
    let at_hash = claims.access_token_hash().expect("at_hash");
    let computed = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(*at_hash, computed, "at_hash binds the access token");

    // UserInfo, through the crate: the subject must match the ID token's.
    let userinfo: CoreUserInfoClaims = rp
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo answers");
    assert_eq!(userinfo.subject().as_str(), sub);
    assert_eq!(
        userinfo.preferred_username().map(|u| u.as_str()),
        Some("ada")
    );
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some("ada@farm.example")
    );

    // Refresh: a new refresh token, and an ID token without nonce, same person and auth_time.
    let first_refresh = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = rp
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("the refresh token works once");
    let second_refresh = refreshed
        .refresh_token()
        .expect("a rotated refresh token")
        .clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    let refreshed_claims = refreshed
        .id_token()
        .expect("an ID token on refresh")
        .claims(&id_verifier, |nonce: Option<&Nonce>| match nonce {
            None => Ok(()),
            Some(_) => Err("a refreshed ID token carries no nonce".to_string()),
        })
        .expect("the refreshed ID token verifies");
    assert_eq!(refreshed_claims.subject().as_str(), sub);
    assert_eq!(
        refreshed_claims.auth_time().map(|t| t.timestamp()),
        Some(signed_in_at)
    );

    // The first refresh token again: refused, and the whole family with it.
    let replayed = rp
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert_invalid_grant(replayed.map(|_| ()));
    let after_replay = rp
        .exchange_refresh_token(&second_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert_invalid_grant(after_replay.map(|_| ()));
    let revoked = app.userinfo(refreshed.access_token().secret()).await;
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);

    // RP-initiated logout with the ID token as hint: straight back to the client.
    let logout = LogoutRequest::from(end_session)
        .set_id_token_hint(id_token)
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(POST_LOGOUT_URI.into()).unwrap())
        .set_state(CsrfToken::new("bye".into()))
        .http_get_url();
    let response = agent.get(logout.as_str()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("{POST_LOGOUT_URI}?state=bye").as_str()
    );

    // The session is gone: a silent request now needs a sign-in.
    let (url, csrf, _nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_prompt(CoreAuthPrompt::None)
        .set_pkce_challenge(PkceCodeChallenge::new_random_sha256().0)
        .url();
    let back = agent.navigate(url.as_str()).await.client();
    assert_eq!(
        Landing::param(&back, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(
        Landing::param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    assert_eq!(Landing::param(&back, "code"), None);
}

/// The crate saw an RFC 6749 §5.2 `invalid_grant`.
fn assert_invalid_grant<RE: std::error::Error + 'static>(
    result: Result<(), RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>>,
) {
    match result {
        Err(RequestTokenError::ServerResponse(response)) => {
            assert_eq!(*response.error(), CoreErrorResponseType::InvalidGrant);
        }
        Err(other) => panic!("expected invalid_grant, got {other:?}"),
        Ok(()) => panic!("expected invalid_grant, the request succeeded"),
    }
}
