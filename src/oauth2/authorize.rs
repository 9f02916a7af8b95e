//! The authorization endpoint (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): the request is
//! parsed into an [`AuthorizationRequest`], [`next_step`] says whether the person must sign
//! in or consent first, and [`issue_code`] answers with a code (RFC 6749 §4.1.2).
//!
//! Errors follow RFC 6749 §4.1.2.1: until the client and its redirect URI are verified the
//! request is answered at the provider ([`AuthorizeError::Page`]) and never redirected;
//! afterwards every error goes back to the client with `state` and `iss` (RFC 9207). A
//! vendor's app is the exception while nobody is signed in: its redirect URI was chosen
//! outside the platform, so an error found before the person is known is held at the
//! provider ([`AuthorizeError::Held`]) behind a link back, never sent there by itself
//! (RFC 9700 §4.11.2: no open redirector).

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;

use super::clients::{Client, GrantType};
use super::pkce::CodeChallenge;
use super::resource;
use super::scope::Scope;
use crate::accounts::login::SignedIn;
use crate::domain::ClientId;
use crate::domain::scope::MAX_TOKENS;
use crate::error::InternalError;
use crate::oidc::{claims, id_token};
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::grants::GrantRecord;

/// RFC 6749 §4.1.2: a code lives at most ten minutes; RFC 9700 recommends far less.
pub const CODE_TTL_SECS: i64 = 60;
/// How long a person has to sign in and consent before the request must start over.
pub const PENDING_TTL_SECS: i64 = 15 * 60;
/// Grants without refresh tokens are kept this long after their code, so that a replayed
/// code can still revoke what it issued.
const REPLAY_WINDOW_SECS: i64 = 86_400;

const MAX_PARAMS: usize = 64;
/// The longest `state` echoed back to a client (here and at logout).
pub const MAX_STATE_LEN: usize = 2048;
const MAX_NONCE_LEN: usize = 512;
const MAX_HINT_LEN: usize = 256;
const MAX_CLAIMS_LEN: usize = 4096;

/// How the response reaches the client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    /// RFC 6749 §4.1.2: parameters in the redirect URI's query.
    #[default]
    Query,
    /// OAuth 2.0 Form Post Response Mode: an auto-submitted HTML form.
    FormPost,
}

/// OpenID Connect Core §3.1.2.1 `prompt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A verified authorization request: its client and redirect URI are trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the request named it (RFC 6749 §4.1.3: then the token request must too).
    pub redirect_uri_given: bool,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
    /// What will be asked of the person: the requested scopes the client is registered for.
    pub scope: Scope,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The `sub` of a valid `id_token_hint`: only that person may be signed in.
    pub hinted_sub: Option<String>,
    /// A public client whose redirect URI is not https cannot prove which app it is (RFC
    /// 8252 §8.6): any app could claim its id, so remembered consent does not count for it.
    pub consent_each_time: bool,
    pub code_challenge: Option<String>,
    /// The `claims` request parameter (OpenID Connect Core §5.5), as compact JSON.
    pub claims: Option<String>,
    pub received_at: i64,
}

/// A response to deliver to the client: a code or an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl AuthorizationResponse {
    /// The redirect URI with the parameters added to its query (RFC 6749 §3.1.2: keeping
    /// the query it was registered with).
    pub fn location(&self) -> String {
        let Ok(mut url) = Url::parse(&self.redirect_uri) else {
            return self.redirect_uri.clone();
        };
        url.query_pairs_mut()
            .extend_pairs(self.params.iter().map(|(k, v)| (*k, v.as_str())));
        url.to_string()
    }
}

/// An error response for a vendor's app, kept at the provider because nobody is signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldResponse {
    /// The app's name, for the link back to it.
    pub app: String,
    pub response: AuthorizationResponse,
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown at the provider: the client or redirect URI cannot be trusted.
    Page(Cow<'static, str>),
    /// Sent back to the client's redirect URI.
    Redirect(AuthorizationResponse),
    /// Shown at the provider with a link back to the app, which the person may follow: a
    /// vendor's app's error found before anyone signed in (RFC 9700 §4.11.2).
    Held(HeldResponse),
    /// Ours: logged with its cause, answered with a page that says nothing more.
    Internal(InternalError),
}

impl From<StoreError> for AuthorizeError {
    fn from(error: StoreError) -> Self {
        AuthorizeError::Internal(error.into())
    }
}

impl From<InternalError> for AuthorizeError {
    fn from(error: InternalError) -> Self {
        AuthorizeError::Internal(error)
    }
}

/// What must happen before a code can be issued.
#[derive(Debug, PartialEq, Eq)]
pub enum NextStep {
    SignIn,
    Consent,
    IssueCode,
}

/// Where errors for a trusted client go, before the whole request is parsed.
struct ErrorTarget<'a> {
    issuer: &'a str,
    redirect_uri: String,
    mode: ResponseMode,
    state: Option<String>,
    /// The app's name when its errors must be held at the provider ([`held_for`]).
    hold_for: Option<String>,
}

impl ErrorTarget<'_> {
    fn error(&self, code: &'static str, description: impl Into<String>) -> AuthorizeError {
        let response = error_response(
            self.issuer,
            &self.redirect_uri,
            self.mode,
            self.state.as_deref(),
            code,
            &description.into(),
        );
        hold_or_redirect(self.hold_for.clone(), response)
    }
}

/// RFC 9700 §4.11.2: the provider redirects by itself only to a URI it trusts. A vendor's
/// app's URIs are trusted once the person is known (someone is signed in in this browser);
/// before that its errors are held at the provider: `Some(app name)`. The platform's own
/// clients keep the RFC 6749 §4.1.2.1 redirect, which relying parties and the OpenID
/// conformance suite expect.
fn held_for(client: &Client, person_known: bool) -> Option<String> {
    (client.is_vendor_app() && !person_known).then(|| client.name.clone())
}

fn hold_or_redirect(hold_for: Option<String>, response: AuthorizationResponse) -> AuthorizeError {
    match hold_for {
        Some(app) => AuthorizeError::Held(HeldResponse { app, response }),
        None => AuthorizeError::Redirect(response),
    }
}

/// RFC 6749 §4.1.2.1 error response, with RFC 9207 `iss`.
fn error_response(
    issuer: &str,
    redirect_uri: &str,
    mode: ResponseMode,
    state: Option<&str>,
    code: &'static str,
    description: &str,
) -> AuthorizationResponse {
    // RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    let description: String = description
        .chars()
        .take(200)
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect();
    let mut params = vec![
        ("error", code.to_string()),
        ("error_description", description),
    ];
    if let Some(state) = state {
        params.push(("state", state.to_string()));
    }
    params.push(("iss", issuer.to_string()));
    AuthorizationResponse {
        redirect_uri: redirect_uri.to_string(),
        mode,
        params,
    }
}

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
        received_at: state.clock.now(),
    })
}

fn parse_max_age(text: Option<&str>) -> Result<Option<i64>, &'static str> {
    text.map(|t| {
        t.parse::<i64>()
            .ok()
            .filter(|age| *age >= 0)
            .ok_or("max_age must be a whole number of seconds")
    })
    .transpose()
}

fn parse_nonce(text: Option<&str>) -> Result<Option<String>, &'static str> {
    match text {
        Some(n) if n.len() > MAX_NONCE_LEN => Err("nonce is too long"),
        // The nonce is stored and signed into the ID token; control characters (a NUL
        // cannot even be stored in PostgreSQL text) have no place in it.
        Some(n) if n.chars().any(char::is_control) => Err("nonce contains control characters"),
        other => Ok(other.map(str::to_string)),
    }
}

/// The PKCE challenge to store (RFC 7636 §4.3, S256 only).
fn parse_pkce(
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
fn requested_subject(
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
fn requested_scope(requested: Option<&str>, asked_by_claims: Vec<&str>) -> Result<Scope, String> {
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
fn granted_scope(client: &Client, requested: Scope) -> Result<Scope, String> {
    let granted = requested.filter(|s| {
        client.scope.contains(s)
            && (s != "offline_access" || client.may_use(GrantType::RefreshToken))
    });
    if granted.is_empty() {
        return Err("none of the requested scopes is allowed for this client".into());
    }
    Ok(granted)
}

fn parse_prompt(text: Option<&str>) -> Result<Prompt, &'static str> {
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
fn parse_claims_request(text: &str) -> Result<serde_json::Value, &'static str> {
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

/// The subject of an `id_token_hint`: one of our ID tokens, possibly expired (Core §3.1.2.1).
fn hinted_subject(state: &AppState, hint: &str) -> Result<String, &'static str> {
    id_token::verify_hint(state, hint)
        .map(|claims| claims.sub)
        .ok_or("id_token_hint is not an ID token issued here")
}

/// What the person has done since the request arrived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Signed in on the login page for this request: that satisfies `prompt=login` and
    /// `max_age`, whatever the clock says.
    pub signed_in: bool,
    /// Allowed it on the consent page.
    pub consented: bool,
}

/// What has to happen before `request` can be answered with a code, given who is signed in
/// and what they did for this request.
pub async fn next_step(
    state: &AppState,
    request: &AuthorizationRequest,
    signed_in: Option<&SignedIn>,
    progress: Progress,
) -> Result<NextStep, AuthorizeError> {
    let now = state.clock.now();
    let needs_sign_in = match signed_in {
        None => true,
        Some(person) => {
            let too_old = request
                .max_age
                .is_some_and(|max| now - person.auth_time > max);
            // Core §3.1.2.1: only the person the hint names may be signed in.
            let someone_else = request
                .hinted_sub
                .as_ref()
                .is_some_and(|sub| *sub != person.user_id);
            // max_age=0 with a sign-in this very second still needs the login page.
            let forced = request.prompt.login || too_old || request.max_age == Some(0);
            if someone_else && progress.signed_in {
                // They signed in for this request, as someone the client did not mean.
                return Err(request_error(
                    state,
                    request,
                    "login_required",
                    "the person who signed in is not the one the request names",
                ));
            }
            someone_else || (forced && !progress.signed_in)
        }
    };
    if needs_sign_in {
        if !request.prompt.none {
            return Ok(NextStep::SignIn);
        }
        let error = error_response(
            &state.issuer,
            &request.redirect_uri,
            request.response_mode,
            request.state.as_deref(),
            "login_required",
            "the person is not signed in",
        );
        // Nobody signed in: a vendor's app's URI is not trusted yet (RFC 9700 §4.11.2).
        // A client gone meanwhile is trusted no more than a vendor's app.
        let hold_for = match state.clients.find(&request.client_id).await? {
            Some(client) => held_for(&client, signed_in.is_some()),
            None => Some(request.client_id.clone()),
        };
        return Err(hold_or_redirect(hold_for, error));
    }
    let Some(person) = signed_in else {
        return Ok(NextStep::SignIn);
    };
    if progress.consented {
        return Ok(NextStep::IssueCode);
    }
    let remembered = state
        .store
        .find_consent(&person.user_id, &request.client_id)
        .await?
        .unwrap_or_default();
    let asked = &request.scope;
    let covered = asked.missing_from(&remembered).next().is_none();
    let remembered_counts = covered && !request.prompt.consent && !request.consent_each_time;
    match (remembered_counts, request.prompt.none) {
        (true, _) => Ok(NextStep::IssueCode),
        (false, true) => Err(request_error(
            state,
            request,
            "consent_required",
            "the person has not allowed this application yet",
        )),
        (false, false) => Ok(NextStep::Consent),
    }
}

/// Whether the client of a kept request still exists, uses the code flow and has this
/// redirect URI: it may have changed while the person was signing in or deciding.
pub async fn client_still_allows(
    state: &AppState,
    request: &AuthorizationRequest,
) -> Result<bool, StoreError> {
    let client = state.clients.find(&request.client_id).await?;
    Ok(client.is_some_and(|c| {
        c.may_use(GrantType::AuthorizationCode) && c.redirect_uri_matches(&request.redirect_uri)
    }))
}

/// An error response for a parsed request.
pub fn request_error(
    state: &AppState,
    request: &AuthorizationRequest,
    code: &'static str,
    description: &str,
) -> AuthorizeError {
    AuthorizeError::Redirect(error_response(
        &state.issuer,
        &request.redirect_uri,
        request.response_mode,
        request.state.as_deref(),
        code,
        description,
    ))
}

/// Remembers that the person allowed the requested scopes (added to what they allowed
/// before).
pub async fn record_consent(
    state: &AppState,
    request: &AuthorizationRequest,
    person: &SignedIn,
) -> Result<(), StoreError> {
    remember_consent(state, &person.user_id, &request.client_id, &request.scope).await
}

/// Adds `scope` to what `user_id` has allowed `client_id` (the consent page, the device
/// page).
pub async fn remember_consent(
    state: &AppState,
    user_id: &str,
    client_id: &str,
    scope: &Scope,
) -> Result<(), StoreError> {
    let store = &state.store;
    let mut allowed = store
        .find_consent(user_id, client_id)
        .await?
        .unwrap_or_default();
    for scope in scope.iter() {
        allowed = allowed.with(scope);
    }
    // A consent is kept as a scope, which holds at most MAX_TOKENS tokens: past that, what
    // is allowed now replaces what was, and the person is asked again for the rest.
    if allowed.len() > MAX_TOKENS {
        allowed = scope.clone();
    }
    store
        .upsert_consent(user_id, client_id, &allowed, state.clock.now())
        .await?;
    Ok(())
}

/// How long a grant for `scope` made now is kept: the refresh tokens' absolute end with
/// `offline_access`, else long enough for a replayed code to revoke what it issued.
pub(crate) fn grant_lifetime(state: &AppState, scope: &Scope) -> i64 {
    match scope.contains("offline_access") {
        true => state.config.refresh_token_max.as_secs() as i64,
        false => REPLAY_WINDOW_SECS,
    }
}

/// Creates the grant and answers with its code: 256 random bits, stored only as a hash, for
/// at most [`CODE_TTL_SECS`] and one use.
pub async fn issue_code(
    state: &AppState,
    request: &AuthorizationRequest,
    person: &SignedIn,
) -> Result<AuthorizationResponse, AuthorizeError> {
    let now = state.clock.now();
    let code = random_token::<32>();
    let lifetime = grant_lifetime(state, &request.scope);
    let grant = GrantRecord {
        id: random_token::<16>(),
        client_id: request.client_id.clone(),
        user_id: person.user_id.clone(),
        scope: request.scope.clone(),
        claims: request.claims.clone(),
        sid: person.sid.clone(),
        auth_time: person.auth_time,
        amr: person.amr.clone(),
        nonce: request.nonce.clone(),
        // Empty when the request omitted it: the token request may omit it then.
        redirect_uri: match request.redirect_uri_given {
            true => request.redirect_uri.clone(),
            false => String::new(),
        },
        code_challenge: request.code_challenge.clone(),
        code_hash: hash_secret(&code),
        code_expires_at: now + CODE_TTL_SECS,
        created_at: now,
        expires_at: now + lifetime,
    };
    state.store.insert_grant(&grant).await?;
    let mut params = vec![("code", code)];
    if let Some(s) = &request.state {
        params.push(("state", s.clone()));
    }
    // RFC 9207: the issuer in the response defends against mix-up attacks.
    params.push(("iss", state.issuer.to_string()));
    Ok(AuthorizationResponse {
        redirect_uri: request.redirect_uri.clone(),
        mode: request.response_mode,
        params,
    })
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
    fn claims_requests_must_be_json_objects() {
        assert!(parse_claims_request(r#"{"userinfo":{"email":null}}"#).is_ok());
        assert!(parse_claims_request("[1]").is_err());
        assert!(parse_claims_request(r#"{"id_token":3}"#).is_err());
        assert!(parse_claims_request("{").is_err());
    }

    #[test]
    fn responses_keep_the_registered_query() {
        let response = AuthorizationResponse {
            redirect_uri: "https://app.example/cb?x=1".into(),
            mode: ResponseMode::Query,
            params: vec![("code", "a b".into()), ("state", "s&t".into())],
        };
        assert_eq!(
            response.location(),
            "https://app.example/cb?x=1&code=a+b&state=s%26t"
        );
    }
}
