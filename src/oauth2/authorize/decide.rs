//! What must happen before a code is issued: a sign-in, a consent, or nothing more.

use serde::{Deserialize, Serialize};

use super::errors::{error_response, held_for, hold_or_redirect, request_error};
use super::{AuthorizationRequest, AuthorizeError};
use crate::accounts::acr::{self, Acr, Verdict};
use crate::accounts::login::SignedIn;
use crate::oauth2::clients::GrantType;
use crate::state::AppState;
use crate::store::StoreError;

/// What must happen before a code can be issued.
#[derive(Debug, PartialEq, Eq)]
pub enum NextStep {
    SignIn,
    Consent,
    IssueCode,
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
            someone_else
                || (forced && !progress.signed_in)
                || below_level(state, request, person, progress).await?
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

/// Whether `person` must sign in again to reach the level the request asks for (decision
/// 125): a sign-in below it is treated like one that is too old (`max_age`). A level that
/// is required and cannot be reached ends the request with `unmet_authentication_requirements`
/// (OpenID Connect Core Error Code unmet_authentication_requirements 1.0; Core §5.5.1.1:
/// an essential `acr` not met is a failed authentication); a level only asked for never
/// does, and the `acr` stated then says what was done (Core §3.1.2.1).
async fn below_level(
    state: &AppState,
    request: &AuthorizationRequest,
    person: &SignedIn,
    progress: Progress,
) -> Result<bool, AuthorizeError> {
    let asked = &request.acr;
    let achieved = Acr::of(&person.amr);
    if asked.met_by(achieved) {
        return Ok(false);
    }
    // Only now the person's factors: what signing in again could reach.
    let reachable = acr::within_reach(state, &person.user_id).await?;
    let required_met = asked.required.is_none_or(|required| achieved >= required);
    match asked.verdict(achieved, reachable, progress.signed_in) {
        Verdict::GoOn => Ok(false),
        // prompt=none cannot ask for more: a wish goes without, a requirement is
        // `login_required` (the person could meet it by signing in).
        Verdict::SignInAgain => Ok(!(request.prompt.none && required_met)),
        Verdict::Unmet => Err(request_error(
            state,
            request,
            "unmet_authentication_requirements",
            "the sign-in does not reach the authentication level this application requires",
        )),
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
