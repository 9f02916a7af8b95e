//! How a platform service (an API registered with farm-auth) verifies an access token
//! offline: discover the JWKS, pick the key by `kid`, check the RS256 signature, `typ`,
//! issuer and expiry, then the two checks that make the token *for this service*: `aud` is
//! the service's own audience (RFC 8707, RFC 9068 §4), and `scope` holds the scope the
//! operation needs. A token for another API, for farm-auth itself (sign-in scopes,
//! `account`, `admin`) or a vendor app's token without the scope is refused.
//!
//! ```sh
//! FARM_AUTH_API_AUDIENCE=https://inventory.example.com FARM_AUTH_REQUIRED_SCOPE=inventory:read \
//!   cargo run --example verify_token -- "$ACCESS_TOKEN"
//! ```
//! `FARM_AUTH_ISSUER` (default `http://127.0.0.1:8080`) names the server;
//! `FARM_AUTH_API_AUDIENCE` is this service's audience, as registered with
//! `farm-auth api create --audience`; `FARM_AUTH_REQUIRED_SCOPE` the scope to require.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::args()
        .nth(1)
        .ok_or("usage: verify_token ACCESS_TOKEN")?;
    let issuer =
        std::env::var("FARM_AUTH_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let audience = std::env::var("FARM_AUTH_API_AUDIENCE")
        .map_err(|_| "FARM_AUTH_API_AUDIENCE must name this service's own audience")?;
    let required_scope = std::env::var("FARM_AUTH_REQUIRED_SCOPE")
        .map_err(|_| "FARM_AUTH_REQUIRED_SCOPE must name the scope this operation needs")?;

    let http = reqwest::Client::new();
    let metadata: serde_json::Value = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    // RFC 8414 §3.3: the metadata's issuer MUST be the one we asked.
    if metadata["issuer"] != issuer.as_str() {
        return Err("discovery document names another issuer".into());
    }
    let jwks_uri = metadata["jwks_uri"]
        .as_str()
        .ok_or("no jwks_uri in discovery")?;
    let jwks: JwkSet = http.get(jwks_uri).send().await?.json().await?;

    let header = jsonwebtoken::decode_header(&token)?;
    // RFC 9068 §4: an access token says so in its `typ` header.
    if header.typ.as_deref() != Some("at+jwt") {
        return Err("not an RFC 9068 access token".into());
    }
    let kid = header.kid.ok_or("token has no kid")?;
    let jwk = jwks
        .find(&kid)
        .ok_or("kid not in the JWKS (refetch it after a rotation)")?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&issuer]);
    // RFC 9068 §4: the resource server MUST check that `aud` names it. A token for another
    // API, or for farm-auth itself, fails here.
    validation.set_audience(&[&audience]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &DecodingKey::from_jwk(jwk)?,
        &validation,
    )?;
    // RFC 9068 §2.2.3: `scope` says what the token allows; authorize on it, not on roles.
    let scope = data.claims["scope"].as_str().unwrap_or_default();
    if !scope.split(' ').any(|s| s == required_scope) {
        return Err(format!("the token lacks the scope '{required_scope}'").into());
    }
    println!(
        "valid for {audience} with {required_scope}; claims: {}",
        serde_json::to_string_pretty(&data.claims)?
    );
    Ok(())
}
