//! Unit tests of signing, verifying, the JWKS and the kid.

use serde::Serialize;

use super::rotation::{generate, thumbprint};
use super::*;
use crate::clock::Clock;
use crate::secrets::base64url;
use crate::store::keys::SigningKeyRecord;

fn key_set() -> KeySet {
    let (kid, der) = generate().unwrap();
    let record = SigningKeyRecord {
        kid,
        private_key: der,
        active: Some(1),
        created_at: 0,
        activates_at: 0,
        retired_at: None,
    };
    KeySet::from_records(&[record], &Clock::manual(1_800_000_000)).unwrap()
}

#[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
struct Claims {
    sub: String,
}

#[test]
fn a_signed_token_verifies_and_a_tampered_one_does_not() {
    let keys = key_set();
    let claims = Claims {
        sub: "alice".into(),
    };
    let token = keys.sign(JwtType::AccessToken, &claims).unwrap();
    assert_eq!(
        keys.verify::<Claims>(&token, JwtType::AccessToken).unwrap(),
        claims
    );

    let forged = Claims {
        sub: "mallory".into(),
    };
    let forged_payload = base64url(&serde_json::to_vec(&forged).unwrap());
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(
        keys.verify::<Claims>(&tampered, JwtType::AccessToken),
        Err(VerifyError::Signature)
    );
}

#[test]
fn an_access_token_is_not_accepted_as_another_type_and_none_is_refused() {
    let keys = key_set();
    let token = keys
        .sign(JwtType::IdToken, &Claims { sub: "a".into() })
        .unwrap();
    assert_eq!(
        keys.verify::<Claims>(&token, JwtType::AccessToken),
        Err(VerifyError::Type)
    );

    let header = base64url(br#"{"alg":"none","typ":"at+jwt"}"#);
    let payload = base64url(br#"{"sub":"a"}"#);
    let unsigned = format!("{header}.{payload}.");
    assert_eq!(
        keys.verify::<Claims>(&unsigned, JwtType::AccessToken),
        Err(VerifyError::Algorithm)
    );
    assert_eq!(
        keys.verify::<Claims>("a.b", JwtType::AccessToken),
        Err(VerifyError::Malformed)
    );
    assert_eq!(
        keys.verify::<Claims>("", JwtType::AccessToken),
        Err(VerifyError::Malformed)
    );
}

#[test]
fn the_jwks_has_no_private_members() {
    let keys = key_set();
    let jwks: serde_json::Value = serde_json::from_slice(&keys.jwks()).unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], keys.active_kid().unwrap());
    assert_eq!(key["e"], "AQAB");
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(key.get(private).is_none(), "{private} leaked");
    }
}

#[test]
fn the_jwks_cache_header_says_the_max_age_the_activation_delay_counts_on() {
    assert_eq!(
        JWKS_CACHE_CONTROL,
        format!("public, max-age={JWKS_MAX_AGE_SECS}")
    );
    assert_eq!(activation_delay(10), 310);
}

#[test]
fn the_kid_is_the_rfc7638_thumbprint() {
    // RFC 7638 §3.1 example key and thumbprint.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(
        thumbprint(n, "AQAB"),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}
