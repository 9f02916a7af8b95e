//! Authentication levels: the `acr` values (OpenID Connect Core §2) a sign-in reaches, in
//! order, read from its `amr` (RFC 8176); what a request or a client asks for; and what is
//! then done when a sign-in falls short (decisions 123 to 126). One notion of level for the
//! authorization endpoint, the tokens and the administrators' rule ([`super::step_up`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::second_factor::{self, Factors};
use crate::state::AppState;
use crate::store::StoreError;

/// The RFC 8176 `amr` value every sign-in with two factors carries (a password and a code,
/// a password and a passkey, or a passkey that verified its user).
pub const MULTI_FACTOR: &str = "mfa";

/// How strongly a person proved who they are, weakest first (decision 123).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Acr {
    /// One factor: a password.
    Password,
    /// Two factors: a password and a one-time code, or a passkey.
    TwoFactor,
    /// A passkey (WebAuthn): bound to this server's origin, so a look-alike site cannot
    /// relay it, and with user verification two factors by itself.
    PhishingResistant,
}

impl Acr {
    /// Weakest first, as discovery lists them.
    pub const ALL: [Acr; 3] = [Acr::Password, Acr::TwoFactor, Acr::PhishingResistant];

    /// The `acr` value. `phr` is registered (OpenID Connect Extended Authentication Profile
    /// ACR Values 1.0 §2.1); no registered value says "one factor" or "two factors", so
    /// those two are ours (decision 123).
    pub fn as_str(self) -> &'static str {
        match self {
            Acr::Password => "urn:farm-auth:acr:password",
            Acr::TwoFactor => "urn:farm-auth:acr:two-factor",
            Acr::PhishingResistant => "phr",
        }
    }

    /// A value we state; `None` for any other (acr values are case-sensitive, Core §2).
    pub fn parse(text: &str) -> Option<Acr> {
        Acr::ALL.into_iter().find(|acr| acr.as_str() == text)
    }

    /// The level of a sign-in that used the methods `amr`. Every way in records `mfa` when
    /// two factors were checked (RFC 8176 §2), and `hwk` or `swk` for a passkey; a passkey
    /// counts as phishing-resistant only with `mfa`, that is with user verification, so
    /// that the levels stay ordered.
    pub fn of(amr: &[String]) -> Acr {
        let has = |method: &str| amr.iter().any(|m| m == method);
        match (has(MULTI_FACTOR), has("hwk") || has("swk")) {
            (true, true) => Acr::PhishingResistant,
            (true, false) => Acr::TwoFactor,
            (false, _) => Acr::Password,
        }
    }

    /// The most a person with `factors` can reach by signing in here; `passkeys_checkable`:
    /// this server can check passkeys (its issuer names a host).
    pub fn within_reach(factors: &Factors, passkeys_checkable: bool) -> Acr {
        if factors.passkeys > 0 && passkeys_checkable {
            Acr::PhishingResistant
        } else if factors.totp || (factors.passkeys > 0 && factors.recovery_codes_left > 0) {
            Acr::TwoFactor
        } else {
            Acr::Password
        }
    }
}

impl fmt::Display for Acr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Acr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Acr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Acr, D::Error> {
        let text = String::deserialize(deserializer)?;
        Acr::parse(&text).ok_or_else(|| serde::de::Error::custom("unknown acr value"))
    }
}

/// The most `user_id` can reach by signing in again here.
pub async fn within_reach(state: &AppState, user_id: &str) -> Result<Acr, StoreError> {
    let factors = second_factor::factors_of(state, user_id).await?;
    Ok(Acr::within_reach(&factors, state.passkeys.is_some()))
}

/// The longest `acr_values` (or `default_acr_values`) accepted, and the most values in it.
pub const MAX_ACR_VALUES_LEN: usize = 512;
pub const MAX_ACR_VALUES: usize = 16;

/// `acr_values` is longer than [`MAX_ACR_VALUES_LEN`] or names more than
/// [`MAX_ACR_VALUES`] values.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyValues;

/// The known values of a space-separated `acr_values` (Core §3.1.2.1), in the order given;
/// values we do not state are ignored, as a voluntary request allows.
pub fn parse_values(text: &str) -> Result<Vec<Acr>, TooManyValues> {
    let values: Vec<&str> = text.split(' ').filter(|v| !v.is_empty()).collect();
    if text.len() > MAX_ACR_VALUES_LEN || values.len() > MAX_ACR_VALUES {
        return Err(TooManyValues);
    }
    Ok(values.into_iter().filter_map(Acr::parse).collect())
}

/// What an authorization request asks of the sign-in behind it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcrRequest {
    /// The known values the client named, voluntarily or as essential: the `acr` stated is
    /// one of them when one was met (Core §5.5.1.1).
    #[serde(default)]
    pub named: Vec<Acr>,
    /// The lowest level asked for voluntarily (`acr_values`, or the client's default): the
    /// person is asked to sign in again for it when that can help, never refused for it.
    #[serde(default)]
    pub wanted: Option<Acr>,
    /// The lowest level that must be reached: an essential `acr` claim (Core §5.5.1.1) or
    /// the client's minimum. Not reached, the authorization fails.
    #[serde(default)]
    pub required: Option<Acr>,
}

/// What to do with a sign-in of level `achieved` for a request asking `request`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on: the level asked for is reached, or was only wished for and cannot be had.
    GoOn,
    /// Ask the person to sign in again, like a sign-in that is too old (`max_age`).
    SignInAgain,
    /// The required level cannot be reached: the authorization fails.
    Unmet,
}

impl AcrRequest {
    /// Whether anything is asked beyond any sign-in.
    pub fn asks(&self) -> bool {
        self.wanted.is_some() || self.required.is_some()
    }

    /// The level a sign-in should reach.
    fn target(&self) -> Option<Acr> {
        self.wanted.max(self.required)
    }

    /// Whether a sign-in of level `achieved` gives all that is asked, wished for or not.
    pub fn met_by(&self, achieved: Acr) -> bool {
        self.target().is_none_or(|target| achieved >= target)
    }

    /// What to do with a sign-in of level `achieved`, by a person who could reach
    /// `reachable`; `signed_in_for_it`: they signed in for this very request already.
    pub fn verdict(&self, achieved: Acr, reachable: Acr, signed_in_for_it: bool) -> Verdict {
        if self.met_by(achieved) {
            return Verdict::GoOn;
        }
        match self.required {
            Some(required) if achieved < required => {
                match reachable >= required && !signed_in_for_it {
                    true => Verdict::SignInAgain,
                    false => Verdict::Unmet,
                }
            }
            // Only wished for: another sign-in helps only if it can do better.
            _ => match reachable > achieved && !signed_in_for_it {
                true => Verdict::SignInAgain,
                false => Verdict::GoOn,
            },
        }
    }

    /// The `acr` to state for a sign-in of level `achieved`: the highest value the client
    /// named that it meets (Core §5.5.1.1: an essential request's answer is one of its
    /// values), else the level itself, which says what was done (Core §3.1.2.1).
    pub fn stated(&self, achieved: Acr) -> Acr {
        self.named
            .iter()
            .copied()
            .filter(|named| *named <= achieved)
            .max()
            .unwrap_or(achieved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amr(methods: &[&str]) -> Vec<String> {
        methods.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn the_level_of_a_sign_in_is_read_from_its_methods() {
        assert_eq!(Acr::of(&amr(&["pwd"])), Acr::Password);
        assert_eq!(Acr::of(&amr(&[])), Acr::Password);
        assert_eq!(Acr::of(&amr(&["pwd", "otp", "mfa"])), Acr::TwoFactor);
        assert_eq!(Acr::of(&amr(&["hwk", "mfa"])), Acr::PhishingResistant);
        assert_eq!(Acr::of(&amr(&["swk", "mfa"])), Acr::PhishingResistant);
        assert_eq!(
            Acr::of(&amr(&["pwd", "hwk", "mfa"])),
            Acr::PhishingResistant
        );
        // A key without user verification would not be two factors: not above them.
        assert_eq!(Acr::of(&amr(&["swk"])), Acr::Password);
        assert_eq!(Acr::of(&amr(&["fed"])), Acr::Password);
    }

    #[test]
    fn levels_are_ordered_and_their_values_round_trip() {
        assert!(Acr::Password < Acr::TwoFactor && Acr::TwoFactor < Acr::PhishingResistant);
        for acr in Acr::ALL {
            assert_eq!(Acr::parse(acr.as_str()), Some(acr));
        }
        assert_eq!(Acr::parse("PHR"), None);
        assert_eq!(Acr::parse("phrh"), None);
    }

    #[test]
    fn what_a_person_can_reach_follows_their_factors() {
        let none = Factors::default();
        assert_eq!(Acr::within_reach(&none, true), Acr::Password);
        let app = Factors {
            totp: true,
            ..Factors::default()
        };
        assert_eq!(Acr::within_reach(&app, true), Acr::TwoFactor);
        let passkey = Factors {
            passkeys: 1,
            ..Factors::default()
        };
        assert_eq!(Acr::within_reach(&passkey, true), Acr::PhishingResistant);
        assert_eq!(Acr::within_reach(&passkey, false), Acr::Password);
    }

    #[test]
    fn unknown_values_are_ignored_and_long_lists_refused() {
        let values = parse_values("gold  phr urn:farm-auth:acr:password").unwrap();
        assert_eq!(values, vec![Acr::PhishingResistant, Acr::Password]);
        assert_eq!(parse_values(""), Ok(vec![]));
        assert_eq!(parse_values(&"x ".repeat(17)), Err(TooManyValues));
        assert_eq!(parse_values(&"x".repeat(513)), Err(TooManyValues));
    }

    #[test]
    fn a_wish_asks_again_only_when_it_can_help() {
        let wish = AcrRequest {
            wanted: Some(Acr::TwoFactor),
            ..AcrRequest::default()
        };
        use Acr::*;
        assert_eq!(wish.verdict(TwoFactor, TwoFactor, false), Verdict::GoOn);
        assert_eq!(
            wish.verdict(Password, TwoFactor, false),
            Verdict::SignInAgain
        );
        assert_eq!(wish.verdict(Password, TwoFactor, true), Verdict::GoOn);
        assert_eq!(wish.verdict(Password, Password, false), Verdict::GoOn);
        assert_eq!(
            AcrRequest::default().verdict(Password, Password, false),
            Verdict::GoOn
        );
    }

    #[test]
    fn a_requirement_is_met_or_refused() {
        let must = AcrRequest {
            required: Some(Acr::PhishingResistant),
            ..AcrRequest::default()
        };
        use Acr::*;
        assert_eq!(
            must.verdict(PhishingResistant, PhishingResistant, false),
            Verdict::GoOn
        );
        assert_eq!(
            must.verdict(TwoFactor, PhishingResistant, false),
            Verdict::SignInAgain
        );
        assert_eq!(
            must.verdict(TwoFactor, PhishingResistant, true),
            Verdict::Unmet
        );
        assert_eq!(must.verdict(Password, TwoFactor, false), Verdict::Unmet);
        // A wish above the requirement does not turn into one.
        let both = AcrRequest {
            wanted: Some(PhishingResistant),
            required: Some(TwoFactor),
            ..AcrRequest::default()
        };
        assert_eq!(both.verdict(TwoFactor, TwoFactor, false), Verdict::GoOn);
        assert_eq!(both.verdict(Password, TwoFactor, true), Verdict::Unmet);
    }

    #[test]
    fn the_stated_value_is_the_highest_named_one_met() {
        use Acr::*;
        let named = AcrRequest {
            named: vec![PhishingResistant, TwoFactor],
            ..AcrRequest::default()
        };
        assert_eq!(named.stated(PhishingResistant), PhishingResistant);
        assert_eq!(named.stated(TwoFactor), TwoFactor);
        assert_eq!(named.stated(Password), Password);
        let low = AcrRequest {
            named: vec![Password],
            ..AcrRequest::default()
        };
        assert_eq!(low.stated(PhishingResistant), Password);
        assert_eq!(AcrRequest::default().stated(TwoFactor), TwoFactor);
    }
}
