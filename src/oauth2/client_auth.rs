//! Client authentication at the token, introspection and revocation endpoints (RFC 6749
//! §2.3): `client_secret_basic`, `client_secret_post`, and `none` for public clients.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::OAuthError;
use super::clients::{AuthMethod, Client};
use super::params::Params;
use super::registry::ClientRegistry;
use crate::domain::ClientId;
use crate::secrets::{constant_time_eq, hash_secret};

/// Credentials as presented, before they are checked.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub client_id: String,
    secret: Option<String>,
    pub method: AuthMethod,
}

const MAX_CREDENTIAL_LEN: usize = 256;

impl ClientCredentials {
    /// Reads credentials from the `Authorization` header value and the body parameters.
    /// `Ok(None)`: the request carries none at all.
    pub fn from_request(
        authorization: Option<&str>,
        params: &Params,
    ) -> Result<Option<Self>, OAuthError> {
        let body_id = params.get("client_id");
        let body_secret = params.get("client_secret");
        if let Some(header) = authorization {
            // RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "more than one client authentication method used",
                ));
            }
            let (client_id, secret) = parse_basic(header)?;
            if body_id.is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_client("client authentication failed"));
            }
            return Ok(Some(ClientCredentials {
                client_id,
                secret: Some(secret),
                method: AuthMethod::ClientSecretBasic,
            }));
        }
        let Some(client_id) = body_id else {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client_secret without client_id",
                ));
            }
            return Ok(None);
        };
        if client_id.len() > MAX_CREDENTIAL_LEN
            || body_secret.is_some_and(|s| s.len() > MAX_CREDENTIAL_LEN)
        {
            return Err(OAuthError::invalid_client("client authentication failed"));
        }
        let method = if body_secret.is_some() {
            AuthMethod::ClientSecretPost
        } else {
            AuthMethod::None
        };
        Ok(Some(ClientCredentials {
            client_id: client_id.to_string(),
            secret: body_secret.map(str::to_string),
            method,
        }))
    }
}

/// RFC 7617 Basic credentials, whose two halves RFC 6749 §2.3.1 form-urlencodes first.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let failed = || OAuthError::invalid_client("malformed Basic authorization header");
    let (scheme, encoded) = header.trim().split_once(' ').ok_or_else(failed)?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 4 * MAX_CREDENTIAL_LEN {
        return Err(OAuthError::invalid_client(
            "only Basic client authentication is accepted in the Authorization header",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| failed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| failed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(failed)?;
    let id = form_decode(id).ok_or_else(failed)?;
    let secret = form_decode(secret).ok_or_else(failed)?;
    if id.is_empty() {
        return Err(failed());
    }
    Ok((id, secret))
}

fn form_decode(text: &str) -> Option<String> {
    let plus_as_space = text.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Reads the credentials of a request (the raw `Authorization` header and the body) and
/// checks them against the registered client. Every failure is the same
/// `invalid_client` with the same description and the same hashing work, so a caller learns
/// neither whether the client exists nor which part was wrong; the reason is logged at debug.
pub async fn authenticate(
    clients: &ClientRegistry,
    authorization: Option<&str>,
    params: &Params,
) -> Result<Arc<Client>, OAuthError> {
    let credentials = ClientCredentials::from_request(authorization, params)?;
    let Some(credentials) = credentials else {
        return Err(OAuthError::invalid_client(
            "client authentication is required",
        ));
    };
    let presented = credentials.secret.as_deref().unwrap_or("");
    let presented_hash = hash_secret(presented);
    // Ids we issue are base64url; anything else (a NUL byte, say, which PostgreSQL text
    // cannot hold) is an unknown client without asking the database.
    let client = match ClientId::parse(&credentials.client_id) {
        Ok(id) => clients.find(&id).await?,
        Err(_) => None,
    };
    let failure = match &client {
        None => Some("unknown client"),
        Some(client) if credentials.method != client.auth_method => {
            Some("authentication method is not the registered one")
        }
        Some(client) => match (client.secret_hash(), credentials.secret.is_some()) {
            (None, false) => None,
            (Some(stored), true)
                if constant_time_eq(presented_hash.as_bytes(), stored.as_bytes()) =>
            {
                None
            }
            _ => Some("wrong secret"),
        },
    };
    match (client, failure) {
        (Some(client), None) => Ok(client),
        (_, reason) => {
            tracing::debug!(
                reason = reason.unwrap_or_default(),
                "client authentication failed"
            );
            Err(OAuthError::invalid_client("client authentication failed"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let (id, secret) = parse_basic(&basic("my%20client", "s%3Acret+x")).unwrap();
        assert_eq!(id, "my client");
        assert_eq!(secret, "s:cret x");
    }

    #[test]
    fn malformed_basic_headers_fail_as_invalid_client() {
        for header in [
            "Basic",
            "Basic !!!",
            "Bearer abc",
            &basic("", "x"),
            "Basic Zm9v",
        ] {
            let err = parse_basic(header).unwrap_err();
            assert_eq!(
                err.code(),
                Some(super::super::ErrorCode::InvalidClient),
                "{header}"
            );
        }
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let params = Params::parse(b"client_id=a&client_secret=b").unwrap();
        let err = ClientCredentials::from_request(Some(&basic("a", "b")), &params).unwrap_err();
        assert_eq!(err.code(), Some(super::super::ErrorCode::InvalidRequest));
    }

    #[test]
    fn body_credentials_are_post_and_a_lone_id_is_public() {
        let post = Params::parse(b"client_id=a&client_secret=b").unwrap();
        let creds = ClientCredentials::from_request(None, &post)
            .unwrap()
            .unwrap();
        assert_eq!(creds.method, AuthMethod::ClientSecretPost);
        let public = Params::parse(b"client_id=a").unwrap();
        let creds = ClientCredentials::from_request(None, &public)
            .unwrap()
            .unwrap();
        assert_eq!(creds.method, AuthMethod::None);
        assert!(
            ClientCredentials::from_request(None, &Params::default())
                .unwrap()
                .is_none()
        );
    }
}
