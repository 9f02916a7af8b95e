//! What administrators must have shown before the console or the admin API acts for them: a
//! sign-in of at least the two-factor level ([`Acr::TwoFactor`]), and a recent one
//! (decisions 73 and 127). One rule for both doors; the console turns the answer into a
//! page, the admin API into an RFC 9470 challenge.

use crate::state::AppState;
use crate::store::StoreError;

use super::acr::Acr;
use super::second_factor::{self, SecondStep};

/// The level administration needs when the configuration asks for a second factor.
pub const ADMIN_LEVEL: Acr = Acr::TwoFactor;

/// What an administrator must do before going on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepUp {
    /// Set up a second factor that can be checked here: they have none.
    Enrol,
    /// Sign in again, with the second factor they have: this sign-in had none, or is older
    /// than the configured age.
    SignInAgain,
}

/// The sign-in behind a request: when it happened and how (from the browser session, or
/// from the claims of an access token).
pub struct SignInFacts<'a> {
    pub user_id: &'a str,
    pub auth_time: Option<i64>,
    pub amr: &'a [String],
}

/// What `sign_in` still lacks for administration, if anything.
pub async fn admin_needs(
    state: &AppState,
    sign_in: SignInFacts<'_>,
) -> Result<Option<StepUp>, StoreError> {
    let config = &state.config;
    if config.admin_require_mfa && Acr::of(sign_in.amr) < ADMIN_LEVEL {
        let factors = second_factor::factors_of(state, sign_in.user_id).await?;
        return Ok(Some(match factors.second_step(state) {
            SecondStep::Ask => StepUp::SignInAgain,
            SecondStep::NotNeeded | SecondStep::Unavailable => StepUp::Enrol,
        }));
    }
    let oldest = state.clock.now() - config.admin_max_auth_age.as_secs() as i64;
    match sign_in.auth_time {
        Some(time) if time >= oldest => Ok(None),
        _ => Ok(Some(StepUp::SignInAgain)),
    }
}
