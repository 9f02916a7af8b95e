//! Which claims about a person a client receives (OpenID Connect Core §5.4 and §5.5): those
//! of the scopes granted, plus those named in the `claims` request parameter, and only ever
//! the ones farm-auth holds.

use serde_json::{Map, Value, json};

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
    "sid",
    "name",
    "preferred_username",
    "updated_at",
    "email",
    "email_verified",
    "roles",
];

/// The scopes that release claims, and their claims.
const SCOPE_CLAIMS: &[(&str, &[&str])] = &[
    ("profile", &["name", "preferred_username", "updated_at"]),
    ("email", &["email", "email_verified"]),
    ("roles", &["roles"]),
];

/// Where claims are going: the `claims` parameter names members for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    IdToken,
    UserInfo,
}

impl Destination {
    fn member(self) -> &'static str {
        match self {
            Destination::IdToken => "id_token",
            Destination::UserInfo => "userinfo",
        }
    }
}

/// The claims about `user` released by `scope` and by the `claims` request (JSON), for
/// `destination`. `sub` is not included: the caller always sets it.
pub fn for_user(
    user: &UserRecord,
    scope: &Scope,
    claims_request: Option<&str>,
    destination: Destination,
) -> Map<String, Value> {
    let mut names: Vec<&str> = SCOPE_CLAIMS
        .iter()
        .filter(|(s, _)| scope.contains(s))
        .flat_map(|(_, claims)| claims.iter().copied())
        .collect();
    let requested: Option<Value> = claims_request.and_then(|c| serde_json::from_str(c).ok());
    if let Some(Value::Object(members)) =
        requested.as_ref().and_then(|r| r.get(destination.member()))
    {
        for name in members.keys() {
            if let Some(known) = SUPPORTED.iter().find(|s| *s == name) {
                names.push(known);
            }
        }
    }
    let mut out = Map::new();
    for name in names {
        if let Some(value) = user_claim(user, name) {
            out.insert(name.to_string(), value);
        }
    }
    out
}

fn user_claim(user: &UserRecord, name: &str) -> Option<Value> {
    Some(match name {
        // No display name is collected; the username is what people know each other by.
        "name" | "preferred_username" => json!(user.username),
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
            roles: vec!["farmer".into()],
            created_at: 1,
            updated_at: 2,
        }
    }

    #[test]
    fn scopes_release_their_claims_and_nothing_else() {
        let scope = Scope::parse("openid email").unwrap();
        let claims = for_user(&user(), &scope, None, Destination::IdToken);
        assert_eq!(claims.get("email"), Some(&json!("ada@example.com")));
        assert_eq!(claims.get("email_verified"), Some(&json!(false)));
        assert!(claims.get("preferred_username").is_none());
        assert!(claims.get("roles").is_none());
    }

    #[test]
    fn the_claims_parameter_adds_known_claims_for_its_destination() {
        let scope = Scope::parse("openid").unwrap();
        let request = r#"{"userinfo":{"roles":null,"password_hash":null},"id_token":{"email":{"essential":true}}}"#;
        let userinfo = for_user(&user(), &scope, Some(request), Destination::UserInfo);
        assert_eq!(userinfo.get("roles"), Some(&json!(["farmer"])));
        assert!(userinfo.get("password_hash").is_none());
        assert!(userinfo.get("email").is_none());
        let id_token = for_user(&user(), &scope, Some(request), Destination::IdToken);
        assert!(id_token.get("email").is_some());
        assert!(id_token.get("roles").is_none());
    }
}
