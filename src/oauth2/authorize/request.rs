//! Parsing an authorization request: the client and redirect URI first (errors shown at the
//! provider), then everything else (errors sent to the client).

use std::borrow::Cow;
use std::sync::Arc;

use url::Url;

use super::errors::{ErrorTarget, held_for};
use super::params::{
    AcrRefusal, granted_scope, parse_acr, parse_claims_request, parse_max_age, parse_nonce,
    parse_pkce, parse_prompt, requested_scope, requested_subject,
};
use super::{
    AuthorizationRequest, AuthorizeError, MAX_HINT_LEN, MAX_PARAMS, MAX_STATE_LEN, ResponseMode,
};
use crate::domain::ClientId;
use crate::oauth2::clients::{Client, GrantType};
use crate::oauth2::resource;
use crate::oidc::claims;
use crate::state::AppState;

/// Raw query or form pairs, with RFC 6749 §3.1's rules applied on access: an empty value is
/// an omitted parameter, a repeated one is an error.
struct RawParams(Vec<(String, String)>);

enum Lookup<'a> {
    Missing,
    Present(&'a str),
    Repeated,
}

impl RawParams {
    /// Every non-empty value of `name` (RFC 6749 §3.1: a parameter sent without a value is
    /// treated as omitted, at the token endpoint too).
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn lookup(&self, name: &str) -> Lookup<'_> {
        let mut found = self.0.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (None, _) => Lookup::Missing,
            (Some(_), Some(_)) => Lookup::Repeated,
            (Some((_, v)), None) if v.is_empty() => Lookup::Missing,
            (Some((_, v)), None) => Lookup::Present(v),
        }
    }

    /// The first parameter that is repeated; `resource` may be (RFC 8707 §2), and is
    /// judged with the others of its kind.
    fn repeated(&self) -> Option<&str> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| name != "resource")
            .find(|(i, (name, _))| self.0[..*i].iter().any(|(n, _)| n == name))
            .map(|(_, (name, _))| name.as_str())
    }
}

/// Whether a redirect URI is an http(s) page a form can be posted to.
fn is_web_page(uri: &str) -> bool {
    Url::parse(uri).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// Parses and verifies an authorization request from its query string (or form body);
/// `person_known`: someone is signed in in this browser, so a vendor's app's errors may be
/// redirected to it.
pub async fn parse_request(
    state: &AppState,
    raw: &[u8],
    person_known: bool,
) -> Result<(AuthorizationRequest, Arc<Client>), AuthorizeError> {
    let page = |text: &'static str| AuthorizeError::Page(Cow::Borrowed(text));
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw)
        .take(MAX_PARAMS + 1)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.len() > MAX_PARAMS {
        return Err(page("The request has too many parameters."));
    }
    let raw = RawParams(pairs);
    let client_id = match raw.lookup("client_id") {
        Lookup::Present(id) => id,
        Lookup::Missing => {
            return Err(page(
                "The request does not name an application (client_id is missing).",
            ));
        }
        Lookup::Repeated => return Err(page("The request names more than one application.")),
    };
    let client = match ClientId::parse(client_id) {
        Ok(id) => state.clients.find(&id).await?,
        Err(_) => None,
    };
    let Some(client) = client else {
        return Err(page(
            "The application that sent you here is not registered with us.",
        ));
    };
    let requested_scope = match raw.lookup("scope") {
        Lookup::Present(s) => Some(s),
        _ => None,
    };
    let redirect_uri = match raw.lookup("redirect_uri") {
        Lookup::Present(uri) if client.redirect_uri_matches(uri) => uri.to_string(),
        Lookup::Present(_) => {
            return Err(page(
                "The address the application asked us to send you back to is not registered for it.",
            ));
        }
        Lookup::Repeated => return Err(page("The request carries more than one return address.")),
        // RFC 6749 §3.1.2.3: optional when exactly one is registered; OpenID Connect Core
        // §3.1.2.1 makes it REQUIRED for OpenID requests.
        Lookup::Missing => match client.redirect_uris.as_slice() {
            [only] if !requested_scope.is_some_and(|s| s.split(' ').any(|t| t == "openid")) => {
                only.to_string()
            }
            _ => {
                return Err(page(
                    "The request does not say where to send you back (redirect_uri is missing).",
                ));
            }
        },
    };
    let redirect_uri_given = matches!(raw.lookup("redirect_uri"), Lookup::Present(_));
    let mut target = ErrorTarget {
        issuer: &state.issuer,
        redirect_uri,
        mode: ResponseMode::Query,
        state: None,
        hold_for: held_for(&client, person_known),
    };
    // State first: every later error echoes it (RFC 6749 §4.1.2.1).
    match raw.lookup("state") {
        Lookup::Present(s) if s.len() <= MAX_STATE_LEN => target.state = Some(s.to_string()),
        Lookup::Present(_) => return Err(target.error("invalid_request", "state is too long")),
        Lookup::Repeated => {
            return Err(target.error("invalid_request", "parameter 'state' is repeated"));
        }
        Lookup::Missing => {}
    }
    target.mode = match raw.lookup("response_mode") {
        Lookup::Missing | Lookup::Present("query") => ResponseMode::Query,
        // A form can only be posted to a web page, not to an app's private-use scheme.
        Lookup::Present("form_post") if is_web_page(&target.redirect_uri) => ResponseMode::FormPost,
        Lookup::Present(_) => {
            return Err(target.error(
                "invalid_request",
                "response_mode must be query, or form_post for an http(s) redirect URI",
            ));
        }
        Lookup::Repeated => {
            return Err(target.error("invalid_request", "parameter 'response_mode' is repeated"));
        }
    };
    if let Some(name) = raw.repeated() {
        let name: String = name
            .chars()
            .filter(char::is_ascii_graphic)
            .take(40)
            .collect();
        return Err(target.error("invalid_request", format!("parameter '{name}' is repeated")));
    }
    let get = |name: &str| match raw.lookup(name) {
        Lookup::Present(v) => Some(v),
        _ => None,
    };
    let resources = raw.all("resource");
    let mut request = parse_rest(state, &client, &target, &get, &resources)?;
    request.redirect_uri_given = redirect_uri_given;
    Ok((request, client))
}

/// Everything after the client, redirect URI, state and response mode are settled.
fn parse_rest<'a>(
    state: &AppState,
    client: &Client,
    target: &ErrorTarget<'_>,
    get: &dyn Fn(&str) -> Option<&'a str>,
    resources: &[&str],
) -> Result<AuthorizationRequest, AuthorizeError> {
    match get("response_type") {
        Some("code") => {}
        None => return Err(target.error("invalid_request", "response_type is missing")),
        Some(_) => {
            return Err(target.error(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    if !client.may_use(GrantType::AuthorizationCode) {
        return Err(target.error(
            "unauthorized_client",
            "this client is not registered for the authorization code grant",
        ));
    }
    // OpenID Connect Core §6: request objects are not supported, and say so.
    if get("request").is_some() {
        return Err(target.error("request_not_supported", "request objects are not supported"));
    }
    if get("request_uri").is_some() {
        return Err(target.error("request_uri_not_supported", "request_uri is not supported"));
    }
    if get("registration").is_some() {
        return Err(target.error(
            "registration_not_supported",
            "the registration parameter is not supported",
        ));
    }
    let invalid = |e: &str| target.error("invalid_request", e.to_string());
    let claims = get("claims")
        .map(parse_claims_request)
        .transpose()
        .map_err(invalid)?;
    let asked_by_claims = claims.as_ref().map(claims::scopes_asked_by);
    let requested = requested_scope(get("scope"), asked_by_claims.unwrap_or_default())
        .map_err(|e| target.error("invalid_scope", e))?;
    // RFC 8707 §2: the API the token will be for, named by `resource` or implied by the
    // scopes; the grant remembers it through the scopes it holds.
    let aimed = resource::resolve(
        &state.apis.current(),
        &state.audience,
        client,
        &requested,
        resources,
    )
    .map_err(|e| target.error("invalid_target", e.0))?;
    let scope = granted_scope(client, aimed.scope).map_err(|e| target.error("invalid_scope", e))?;
    let hinted_sub =
        requested_subject(state, get("id_token_hint"), claims.as_ref()).map_err(invalid)?;
    let acr = parse_acr(client, get("acr_values"), claims.as_ref()).map_err(|e| match e {
        AcrRefusal::Invalid(why) => invalid(why),
        // OpenID Connect Core §5.5.1.1: an essential acr that cannot be met is a failed
        // authentication; none of the values asked for is one we can reach (decision 125).
        AcrRefusal::Unmet => target.error(
            "unmet_authentication_requirements",
            "none of the essential acr values is supported",
        ),
    })?;
    Ok(AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri: target.redirect_uri.clone(),
        redirect_uri_given: true,
        response_mode: target.mode,
        state: target.state.clone(),
        scope,
        nonce: parse_nonce(get("nonce")).map_err(invalid)?,
        prompt: parse_prompt(get("prompt")).map_err(invalid)?,
        max_age: parse_max_age(get("max_age")).map_err(invalid)?,
        login_hint: get("login_hint")
            .filter(|h| h.len() <= MAX_HINT_LEN)
            .map(str::to_string),
        hinted_sub,
        consent_each_time: client.is_public() && !target.redirect_uri.starts_with("https://"),
        code_challenge: parse_pkce(client, get("code_challenge"), get("code_challenge_method"))
            .map_err(invalid)?,
        claims: claims.map(|c| c.to_string()),
        acr,
        ui_lang: get("ui_locales").and_then(crate::i18n::Lang::from_ui_locales),
        received_at: state.clock.now(),
    })
}
