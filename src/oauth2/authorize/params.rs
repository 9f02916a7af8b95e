//! The single parameters of an authorization request: `max_age`, `nonce`, PKCE, `scope`,
//! `prompt`, `claims`, `acr_values` and `id_token_hint`.

use serde_json::Value;

use super::{MAX_CLAIMS_LEN, MAX_NONCE_LEN, Prompt};
use crate::accounts::acr::{self, Acr, AcrRequest, MAX_ACR_VALUES};
use crate::oauth2::clients::{Client, GrantType};
use crate::oauth2::pkce::CodeChallenge;
use crate::oauth2::scope::Scope;
use crate::oidc::{claims, id_token};
use crate::state::AppState;

pub(super) fn parse_max_age(text: Option<&str>) -> Result<Option<i64>, &'static str> {
    text.map(|t| {
        t.parse::<i64>()
            .ok()
            .filter(|age| *age >= 0)
            .ok_or("max_age must be a whole number of seconds")
    })
    .transpose()
}

pub(super) fn parse_nonce(text: Option<&str>) -> Result<Option<String>, &'static str> {
    match text {
        Some(n) if n.len() > MAX_NONCE_LEN => Err("nonce is too long"),
        // The nonce is stored and signed into the ID token; control characters (a NUL
        // cannot even be stored in PostgreSQL text) have no place in it.
        Some(n) if n.chars().any(char::is_control) => Err("nonce contains control characters"),
        other => Ok(other.map(str::to_string)),
    }
}

/// The PKCE challenge to store (RFC 7636 §4.3, S256 only).
pub(super) fn parse_pkce(
    client: &Client,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, &'static str> {
    match (challenge, method) {
        (Some(challenge), method) => Ok(Some(
            CodeChallenge::parse(challenge, method)?
                .as_str()
                .to_string(),
        )),
        (None, Some(_)) => Err("code_challenge_method without code_challenge"),
        // RFC 9700 §2.1.1: public clients MUST use PKCE; so must vendors' apps here, whose
        // code an attacker could otherwise inject (§4.5). The platform's own confidential
        // clients may do without, as the OpenID certification profiles expect.
        (None, None) if client.requires_pkce() => Err("code_challenge required (PKCE with S256)"),
        (None, None) => Ok(None),
    }
}

/// The only person who may be signed in, named by an `id_token_hint` and/or a `sub` value
/// in the `claims` request (Core §3.1.2.1, §5.5.1); they must agree.
pub(super) fn requested_subject(
    state: &AppState,
    hint: Option<&str>,
    claims: Option<&serde_json::Value>,
) -> Result<Option<String>, &'static str> {
    let hinted = hint.map(|h| hinted_subject(state, h)).transpose()?;
    let claimed = match claims.map(claims::required_subject) {
        None => None,
        Some(Ok(sub)) => sub,
        Some(Err(_)) => return Err("claims names the subject inconsistently"),
    };
    match (hinted, claimed) {
        (Some(a), Some(b)) if a != b => Err("id_token_hint and claims name different people"),
        (a, b) => Ok(a.or(b)),
    }
}

/// The requested scopes, and those the `claims` parameter implies.
pub(super) fn requested_scope(
    requested: Option<&str>,
    asked_by_claims: Vec<&str>,
) -> Result<Scope, String> {
    let requested = requested.ok_or("scope is required")?;
    let mut requested = Scope::parse(requested).map_err(|e| e.to_string())?;
    // Core §5.5: claims asked for by name need the consent their scope needs.
    if requested.contains("openid") {
        for scope in asked_by_claims {
            requested = requested.with(scope);
        }
    }
    Ok(requested)
}

/// The requested scopes the client is registered for. OpenID Connect Core §3.1.2.1 says
/// scope values not understood SHOULD be ignored, and RFC 6749 §3.3 lets the server grant
/// less than asked, so others are dropped rather than refused. `offline_access` is kept only
/// for clients that may use refresh tokens (Core §11).
pub(super) fn granted_scope(client: &Client, requested: Scope) -> Result<Scope, String> {
    let granted = requested.filter(|s| {
        client.scope.contains(s)
            && (s != "offline_access" || client.may_use(GrantType::RefreshToken))
    });
    if granted.is_empty() {
        return Err("none of the requested scopes is allowed for this client".into());
    }
    Ok(granted)
}

pub(super) fn parse_prompt(text: Option<&str>) -> Result<Prompt, &'static str> {
    let mut prompt = Prompt::default();
    for value in text
        .unwrap_or_default()
        .split(' ')
        .filter(|v| !v.is_empty())
    {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            // One account per browser session: choosing one means signing in again.
            "select_account" => prompt.login = true,
            _ => return Err("prompt has an unknown value"),
        }
    }
    // OpenID Connect Core §3.1.2.1: `none` with any other value is an error.
    if prompt.none && (prompt.login || prompt.consent) {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(prompt)
}

/// OpenID Connect Core §5.5: a JSON object with optional `userinfo` and `id_token` members.
pub(super) fn parse_claims_request(text: &str) -> Result<serde_json::Value, &'static str> {
    let invalid = "claims must be a JSON object with userinfo and id_token members";
    if text.len() > MAX_CLAIMS_LEN {
        return Err("claims is too long");
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| invalid)?;
    let object = value.as_object().ok_or(invalid)?;
    for member in ["userinfo", "id_token"] {
        if object
            .get(member)
            .is_some_and(|m| !m.is_object() && !m.is_null())
        {
            return Err(invalid);
        }
    }
    Ok(value)
}

/// Why the level a request asks for is refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum AcrRefusal {
    /// `invalid_request`: malformed or too long.
    Invalid(&'static str),
    /// An essential `acr` naming only values we never state.
    Unmet,
}

/// The level a request asks for (decision 124): `acr_values` (OpenID Connect Core
/// §3.1.2.1, voluntary) and the `acr` member of the `claims` request's `id_token` (§5.5.1.1,
/// voluntary or essential); failing both, the client's `default_acr_values` (OpenID Connect
/// Registration §2); and always the client's minimum, set by an administrator.
pub(super) fn parse_acr(
    client: &Client,
    acr_values: Option<&str>,
    claims: Option<&Value>,
) -> Result<AcrRequest, AcrRefusal> {
    let voluntary = acr_values
        .map(acr::parse_values)
        .transpose()
        .map_err(|_| AcrRefusal::Invalid("acr_values is too long"))?;
    let claimed = claims
        .and_then(|c| c.get("id_token"))
        .and_then(|m| m.get("acr"));
    let mut request = AcrRequest::default();
    let wish = |values: &[Acr], request: &mut AcrRequest| {
        request.named.extend_from_slice(values);
        request.wanted = request
            .wanted
            .into_iter()
            .chain(values.iter().copied())
            .min();
    };
    match (&voluntary, claimed) {
        (None, None) => wish(&client.default_acr_values, &mut request),
        _ => wish(voluntary.as_deref().unwrap_or_default(), &mut request),
    }
    if let Some(claimed) = claimed.map(acr_claim).transpose()?.flatten() {
        match claimed.essential {
            true => {
                let lowest = claimed.known.iter().copied().min();
                request.required = Some(lowest.ok_or(AcrRefusal::Unmet)?);
                request.named.extend(claimed.known);
            }
            false => wish(&claimed.known, &mut request),
        }
    }
    request.required = request.required.max(client.min_acr);
    request.named.sort();
    request.named.dedup();
    Ok(request)
}

/// An `acr` claim request that names values.
#[derive(Debug, PartialEq, Eq)]
struct ClaimedAcr {
    essential: bool,
    /// The values named that we state, in the order given.
    known: Vec<Acr>,
}

/// Core §5.5.1: `null`, or an object with optional `essential`, `value` and `values`;
/// `None` when no value is named (then any level answers it).
fn acr_claim(claim: &Value) -> Result<Option<ClaimedAcr>, AcrRefusal> {
    let invalid = AcrRefusal::Invalid;
    let object = match claim {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        _ => return Err(invalid("the acr claim request must be null or an object")),
    };
    let essential = match object.get("essential") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(essential)) => *essential,
        Some(_) => return Err(invalid("essential must be true or false")),
    };
    let named: Vec<&Value> = match (object.get("value"), object.get("values")) {
        (None, None) => return Ok(None),
        (Some(value), None) => vec![value],
        (None, Some(Value::Array(values))) if values.len() <= MAX_ACR_VALUES => {
            values.iter().collect()
        }
        (None, Some(Value::Array(_))) => return Err(invalid("too many acr values")),
        (None, Some(_)) => return Err(invalid("acr values must be an array")),
        (Some(_), Some(_)) => return Err(invalid("acr has value and values")),
    };
    let texts = named
        .into_iter()
        .map(Value::as_str)
        .collect::<Option<Vec<_>>>()
        .ok_or(invalid("acr values must be strings"))?;
    let known = texts.iter().filter_map(|text| Acr::parse(text)).collect();
    Ok((!texts.is_empty()).then_some(ClaimedAcr { essential, known }))
}

/// The subject of an `id_token_hint`: one of our ID tokens, possibly expired (Core §3.1.2.1).
fn hinted_subject(state: &AppState, hint: &str) -> Result<String, &'static str> {
    id_token::verify_hint(state, hint)
        .map(|claims| claims.sub)
        .ok_or("id_token_hint is not an ID token issued here")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_none_cannot_be_combined() {
        assert!(parse_prompt(Some("none login")).is_err());
        assert!(parse_prompt(Some("bogus")).is_err());
        let prompt = parse_prompt(Some("login consent")).unwrap();
        assert!(prompt.login && prompt.consent && !prompt.none);
        assert_eq!(parse_prompt(None).unwrap(), Prompt::default());
    }

    #[test]
    fn an_acr_claim_request_names_values_or_asks_for_nothing() {
        let claim = |text: &str| acr_claim(&serde_json::from_str(text).unwrap());
        assert_eq!(claim("null"), Ok(None));
        assert_eq!(claim(r#"{"essential": true}"#), Ok(None));
        assert_eq!(claim(r#"{"values": []}"#), Ok(None));
        assert_eq!(
            claim(r#"{"essential": true, "values": ["gold", "phr"]}"#),
            Ok(Some(ClaimedAcr {
                essential: true,
                known: vec![Acr::PhishingResistant]
            }))
        );
        assert_eq!(
            claim(r#"{"value": "gold"}"#),
            Ok(Some(ClaimedAcr {
                essential: false,
                known: vec![]
            }))
        );
        for bad in [
            "3",
            r#""phr""#,
            r#"{"essential": 1, "value": "phr"}"#,
            r#"{"values": "phr"}"#,
            r#"{"values": [1]}"#,
            r#"{"value": "phr", "values": ["phr"]}"#,
        ] {
            assert!(matches!(claim(bad), Err(AcrRefusal::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn claims_requests_must_be_json_objects() {
        assert!(parse_claims_request(r#"{"userinfo":{"email":null}}"#).is_ok());
        assert!(parse_claims_request("[1]").is_err());
        assert!(parse_claims_request(r#"{"id_token":3}"#).is_err());
        assert!(parse_claims_request("{").is_err());
    }
}
