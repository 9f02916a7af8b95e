//! How a platform microservice verifies a farm-auth access token offline: discover the JWKS,
//! pick the key by `kid`, check the RS256 signature, `typ`, issuer, audience and expiry.
//!
//! ```sh
//! cargo run --example verify_token -- "$ACCESS_TOKEN"
//! ```
//! `FARM_AUTH_ISSUER` (default `http://127.0.0.1:8080`) names the server; the expected
//! audience is the issuer unless `FARM_AUTH_ACCESS_TOKEN_AUDIENCE` says otherwise.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::args()
        .nth(1)
        .ok_or("usage: verify_token ACCESS_TOKEN")?;
    let issuer =
        std::env::var("FARM_AUTH_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let audience =
        std::env::var("FARM_AUTH_ACCESS_TOKEN_AUDIENCE").unwrap_or_else(|_| issuer.clone());

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
    validation.set_audience(&[&audience]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &DecodingKey::from_jwk(jwk)?,
        &validation,
    )?;
    println!(
        "valid; claims: {}",
        serde_json::to_string_pretty(&data.claims)?
    );
    Ok(())
}
