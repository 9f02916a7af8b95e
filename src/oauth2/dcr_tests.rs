//! Unit tests of dynamic registration's metadata parsing (`dcr.rs`).

use super::*;

#[test]
fn metadata_defaults_follow_rfc_7591() {
    let body = json!({"client_name": "Shop", "redirect_uris": ["https://shop.example/cb"]});
    let new = parse_metadata(&body, None).unwrap();
    assert_eq!(new.grant_types, vec!["authorization_code"]);
    assert!(!new.public);
    assert_eq!(new.auth_method, None);
}

#[test]
fn malformed_metadata_is_refused() {
    for body in [
        json!([]),
        json!({"redirect_uris": ["https://a.example/cb"]}),
        json!({"client_name": 3}),
        json!({"client_name": "x", "redirect_uris": "https://a.example/cb"}),
        json!({"client_name": "x", "redirect_uris": [1]}),
        json!({"client_name": "x", "response_types": ["token"]}),
        json!({"client_name": "x", "grant_types": []}),
        json!({"client_name": "x", "grant_types": ["client_credentials"], "response_types": ["code"]}),
        json!({"client_name": "x", "redirect_uris": vec!["https://a.example/cb"; 21]}),
    ] {
        assert!(parse_metadata(&body, None).is_err(), "{body}");
    }
}

#[test]
fn unknown_metadata_is_ignored() {
    let body = json!({"client_name": "Shop", "logo_uri": 5, "software_id": "x",
                      "redirect_uris": ["https://shop.example/cb"]});
    assert!(parse_metadata(&body, None).is_ok());
}
