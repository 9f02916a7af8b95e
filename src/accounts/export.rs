//! A download of everything farm-auth holds about a person (GDPR art. 20; decision 120),
//! as one JSON document: profile, roles, farms, second factors and passkeys (names and
//! dates, never a secret), live sessions, connected apps and the latest events of the
//! security trail, the linked sign-in providers. Built from the account's own rows only.

use serde::Serialize;

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::UserRecord;

use super::{passkeys, second_factor, sessions};

/// The events of the trail included, newest first.
pub const AUDIT_EVENTS: i64 = 500;

#[derive(Serialize)]
pub struct Export {
    pub format: &'static str,
    pub issuer: String,
    pub exported_at: i64,
    pub profile: Profile,
    pub farms: Vec<Farm>,
    pub authenticator_app: Option<AuthenticatorApp>,
    pub recovery_codes_left: i64,
    pub passkeys: Vec<Passkey>,
    pub sessions: Vec<Session>,
    pub connected_apps: Vec<App>,
    pub audit_events: Vec<AuditEvent>,
    /// The upstream providers linked to the account (decision 131).
    pub sign_in_providers: Vec<SignInProvider>,
}

#[derive(Serialize)]
pub struct SignInProvider {
    pub provider: String,
    /// The person's `sub` at the provider.
    pub subject: String,
    pub linked_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Serialize)]
pub struct Profile {
    pub id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub email: String,
    pub email_verified: bool,
    pub roles: crate::domain::Roles,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize)]
pub struct Farm {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub role: &'static str,
    pub joined_at: i64,
}

#[derive(Serialize)]
pub struct AuthenticatorApp {
    pub added_at: i64,
    pub confirmed_at: Option<i64>,
}

#[derive(Serialize)]
pub struct Passkey {
    pub name: String,
    pub added_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Serialize)]
pub struct Session {
    pub started_at: i64,
    pub last_seen_at: Option<i64>,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub amr: Vec<String>,
}

#[derive(Serialize)]
pub struct App {
    pub client_id: String,
    pub name: Option<String>,
    pub scope: Option<String>,
    pub granted_at: i64,
    pub signed_in: bool,
}

#[derive(Serialize)]
pub struct AuditEvent {
    pub at: i64,
    pub event: String,
    pub outcome: String,
    pub ip: Option<String>,
    pub client_id: Option<String>,
    pub detail: Option<String>,
    pub repeats: i64,
}

/// Everything held about `user`.
pub async fn export(state: &AppState, user: &UserRecord) -> Result<Export, StoreError> {
    let totp = state.store.find_totp(&user.id).await?;
    let factors = second_factor::factors_of(state, &user.id).await?;
    Ok(Export {
        format: "farm-auth account export 1",
        issuer: state.issuer.to_string(),
        exported_at: state.clock.now(),
        profile: Profile {
            id: user.id.clone(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            roles: user.roles.clone(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        },
        farms: farms(state, user).await?,
        authenticator_app: totp.map(|t| AuthenticatorApp {
            added_at: t.created_at,
            confirmed_at: t.confirmed_at,
        }),
        recovery_codes_left: factors.recovery_codes_left,
        passkeys: passkeys::list(state, user)
            .await?
            .into_iter()
            .map(|p| Passkey {
                name: p.name,
                added_at: p.created_at,
                last_used_at: p.last_used_at,
            })
            .collect(),
        sessions: sessions::live_sessions(state, &user.id)
            .await?
            .into_iter()
            .map(|s| Session {
                started_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                ip: s.ip,
                user_agent: s.user_agent,
                amr: s.amr,
            })
            .collect(),
        connected_apps: apps(state, user).await?,
        audit_events: audit_events(state, user).await?,
        sign_in_providers: (state.store.upstream_links_of(&user.id).await?)
            .into_iter()
            .map(|link| SignInProvider {
                provider: link.provider_id,
                subject: link.subject,
                linked_at: link.created_at,
                last_used_at: link.last_used_at,
            })
            .collect(),
    })
}

async fn farms(state: &AppState, user: &UserRecord) -> Result<Vec<Farm>, StoreError> {
    let memberships = state.store.memberships_of(&user.id).await?;
    Ok(memberships
        .into_iter()
        .map(|m| Farm {
            id: m.farm.id,
            name: m.farm.name.as_str().to_string(),
            status: m.farm.status.as_str(),
            role: m.role.as_str(),
            joined_at: m.joined_at,
        })
        .collect())
}

async fn apps(state: &AppState, user: &UserRecord) -> Result<Vec<App>, StoreError> {
    let mut apps = Vec::new();
    for app in sessions::connected_apps(state, &user.id).await? {
        let name = state.clients.find_any(&app.client_id).await?;
        apps.push(App {
            name: name.map(|client| client.name.clone()),
            scope: app.scope.as_ref().map(ToString::to_string),
            granted_at: app.granted_at,
            signed_in: app.live_grants > 0,
            client_id: app.client_id,
        });
    }
    Ok(apps)
}

async fn audit_events(state: &AppState, user: &UserRecord) -> Result<Vec<AuditEvent>, StoreError> {
    let events = state
        .store
        .list_audit_events(Some(&user.id), AUDIT_EVENTS)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| AuditEvent {
            at: e.at,
            event: e.event,
            outcome: e.outcome,
            ip: e.ip,
            client_id: e.client_id,
            detail: e.detail,
            repeats: e.repeats,
        })
        .collect())
}
