//! Which claims about a person a client receives (OpenID Connect Core §5.4 and §5.5): those
//! of the scopes granted, and only ever the ones farm-auth holds. Every claim is released by
//! a scope, so a `claims` request parameter naming a claim counts as asking for its scope,
//! which the person must allow like any other.

use serde_json::{Map, Value, json};

use crate::domain::FarmClaim;
use crate::oauth2::scope::Scope;
use crate::store::users::UserRecord;

/// Every claim farm-auth can state about a person, for discovery's `claims_supported`.
pub const SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "amr",
    "acr",
    "sid",
    "name",
    "preferred_username",
    "updated_at",
    "email",
    "email_verified",
    "roles",
    "farms",
];

/// The scopes that release claims, and their claims.
const SCOPE_CLAIMS: &[(&str, &[&str])] = &[
    ("profile", &["name", "preferred_username", "updated_at"]),
    ("email", &["email", "email_verified"]),
    ("roles", &["roles"]),
    // Read from the farm tables, not the user's row: see `with_farms`.
    ("farms", &["farms"]),
];

/// The claims about `user` that `scope` releases. `sub` is not included: the caller always
/// sets it.
pub fn for_user(user: &UserRecord, scope: &Scope) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, names) in SCOPE_CLAIMS.iter().filter(|(s, _)| scope.contains(s)) {
        for name in *names {
            if let Some(value) = user_claim(user, name) {
                out.insert(name.to_string(), value);
            }
        }
    }
    out
}

/// `claims` with the `farms` claim (CONTRACT "Farms"): one `{"id", "name", "role"}` per
/// active farm the person is a member of, when the `farms` scope gave `farms`.
pub fn with_farms(
    mut claims: Map<String, Value>,
    farms: Option<&[FarmClaim]>,
) -> Map<String, Value> {
    if let Some(farms) = farms {
        claims.insert("farms".into(), json!(farms));
    }
    claims
}

/// The scopes that release the claims a `claims` request (Core §5.5) names, in either
/// member. A claim is released only under consent to its scope, so asking for a claim is
/// asking for its scope.
pub fn scopes_asked_by(request: &Value) -> Vec<&'static str> {
    let mut scopes = Vec::new();
    for member in ["userinfo", "id_token"] {
        let Some(Value::Object(claims)) = request.get(member) else {
            continue;
        };
        for name in claims.keys() {
            let releasing = SCOPE_CLAIMS
                .iter()
                .find(|(_, names)| names.contains(&name.as_str()))
                .map(|(scope, _)| *scope);
            if let Some(scope) = releasing.filter(|s| !scopes.contains(s)) {
                scopes.push(scope);
            }
        }
    }
    scopes
}

/// The `sub` value of a `claims` request is not a string, or its two members disagree.
#[derive(Debug, PartialEq, Eq)]
pub struct ConflictingSubjects;

/// Core §5.5.1: a `sub` claim requested with a `value` names the only person who may be
/// signed in.
pub fn required_subject(request: &Value) -> Result<Option<String>, ConflictingSubjects> {
    let mut found: Option<String> = None;
    for member in ["userinfo", "id_token"] {
        let value = request
            .get(member)
            .and_then(|m| m.get("sub"))
            .and_then(|sub| sub.get("value"));
        match (value, &found) {
            (None, _) => {}
            (Some(Value::String(sub)), None) => found = Some(sub.clone()),
            (Some(Value::String(sub)), Some(seen)) if sub == seen => {}
            _ => return Err(ConflictingSubjects),
        }
    }
    Ok(found)
}

fn user_claim(user: &UserRecord, name: &str) -> Option<Value> {
    Some(match name {
        // Core §5.1: `name` is the full name "in displayable form"; the one the person chose
        // (decision 116), else the username, which is what people know each other by.
        "name" => json!(user.display_name.as_deref().unwrap_or(&user.username)),
        "preferred_username" => json!(user.username),
        "updated_at" => json!(user.updated_at),
        "email" => json!(user.email),
        "email_verified" => json!(user.email_verified),
        "roles" => json!(user.roles),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserRecord {
        UserRecord {
            id: "u1".into(),
            username: "ada".into(),
            email: "ada@example.com".into(),
            email_verified: false,
            password_hash: Some("secret-hash".into()),
            roles: crate::domain::Roles::parse(["farmer"]).unwrap(),
            created_at: 1,
            updated_at: 2,
            locked: None,
            password_reset_required: false,
            display_name: None,
        }
    }

    #[test]
    fn scopes_release_their_claims_and_nothing_else() {
        let scope = Scope::parse("openid email").unwrap();
        let claims = for_user(&user(), &scope);
        assert_eq!(claims.get("email"), Some(&json!("ada@example.com")));
        assert_eq!(claims.get("email_verified"), Some(&json!(false)));
        assert!(claims.get("preferred_username").is_none());
        assert!(claims.get("roles").is_none());
        assert!(claims.get("password_hash").is_none());
    }

    #[test]
    fn the_name_claim_is_the_display_name_else_the_username() {
        let profile = Scope::parse("openid profile").unwrap();
        let claims = for_user(&user(), &profile);
        assert_eq!(claims.get("name"), Some(&json!("ada")));
        let named = UserRecord {
            display_name: Some("Ada Lovelace".into()),
            ..user()
        };
        let claims = for_user(&named, &profile);
        assert_eq!(claims.get("name"), Some(&json!("Ada Lovelace")));
        assert_eq!(claims.get("preferred_username"), Some(&json!("ada")));
    }

    #[test]
    fn a_claims_request_asks_for_the_scopes_that_release_its_claims() {
        let request = json!({"userinfo": {"roles": null, "password_hash": null},
                             "id_token": {"email": {"essential": true}, "roles": null}});
        assert_eq!(scopes_asked_by(&request), vec!["roles", "email"]);
        assert!(scopes_asked_by(&json!({})).is_empty());
    }

    #[test]
    fn a_requested_sub_value_must_agree_between_members() {
        let one = json!({"id_token": {"sub": {"value": "u1"}}});
        assert_eq!(required_subject(&one), Ok(Some("u1".into())));
        let two =
            json!({"id_token": {"sub": {"value": "u1"}}, "userinfo": {"sub": {"value": "u2"}}});
        assert_eq!(required_subject(&two), Err(ConflictingSubjects));
        assert_eq!(
            required_subject(&json!({"userinfo": {"sub": null}})),
            Ok(None)
        );
    }
}
