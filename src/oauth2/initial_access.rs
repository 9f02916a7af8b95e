//! Initial access tokens (RFC 7591 §3): what a vendor presents to register its app. An
//! administrator issues them for any vendor or farm (console, admin API, command line); the
//! owners and managers of an *active* farm issue them for their farm's apps, within the
//! farm's quota of apps. The apps a farm's token registers belong to the farm: people see
//! the farm's name beside theirs, and their tokens carry the farm's id. 256 random bits,
//! stored as SHA-256, good for a number of registrations until they expire.

use crate::accounts::admin::Actor;
use crate::domain::{FarmId, InitialAccessTokenId};
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::initial_access_tokens::{FarmTokenOutcome, InitialAccessTokenRecord};
use crate::store::users::UserRecord;
use crate::store::{Store, StoreError};

/// A day, unless asked otherwise.
pub const DEFAULT_TTL_SECS: i64 = 86_400;
/// Thirty days at most: a token left lying around should not register apps for ever.
pub const MAX_TTL_SECS: i64 = 30 * 86_400;
/// Registrations one token allows at most.
pub const MAX_USES: i64 = 100;
const MAX_VENDOR_CHARS: usize = 100;

/// What an issuer asks for.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Seconds until it expires; `None`: [`DEFAULT_TTL_SECS`].
    pub ttl_secs: Option<i64>,
    /// How many clients it may register; `None`: one.
    pub uses: Option<i64>,
    /// The vendor the registered apps are shown with, for a token of no farm
    /// (administrators only).
    pub vendor: Option<String>,
    /// The farm whose apps it registers, as the caller names it (a path, a form, a flag).
    pub farm: Option<String>,
    /// Asked through the account page or the account API: the caller acts as a member of
    /// the farm, whatever their platform role, so that an app holding an administrator's
    /// `account` scope cannot use their administrator's powers (those need the `admin`
    /// scope, and the admin API or the console).
    pub as_member: bool,
}

/// A token just issued: shown this once.
#[derive(Clone, Debug)]
pub struct Issued {
    pub token: String,
    pub expires_at: i64,
    pub uses: i64,
    /// The vendor or farm its apps are shown with.
    pub vendor: Option<String>,
    pub farm_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("{0}")]
    Invalid(String),
    /// Neither an administrator nor an owner or manager of the farm named.
    #[error(
        "only administrators, and owners and managers of a farm, can issue registration tokens"
    )]
    Forbidden,
    /// No such farm, or not one of the caller's: the same answer, so an id of another farm
    /// says nothing.
    #[error("no such farm")]
    NoSuchFarm,
    /// The farm is pending or suspended: it registers no apps.
    #[error("the farm is not active: it can register apps once the platform approves it")]
    FarmNotActive,
    #[error(
        "the farm has as many apps as it may have ({0}), counting its open registration tokens"
    )]
    OverQuota(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Issues a token for `actor` (the person, or the command line).
pub async fn issue(
    state: &AppState,
    actor: Actor<'_>,
    request: Request,
) -> Result<Issued, IssueError> {
    let person = match actor {
        Actor::CommandLine => None,
        Actor::Person { user, .. } => Some(user),
    };
    let administrator = !request.as_member && person.is_none_or(UserRecord::is_active_admin);
    let farm_named = request
        .farm
        .as_deref()
        .and_then(|f| FarmId::parse(f).ok())
        .map(|f| format!("farm {f}: "))
        .unwrap_or_default();
    let outcome = issue_checked(state, person, administrator, request).await;
    match &outcome {
        Ok(issued) => {
            let detail = format!(
                "for {}, {} registration(s), until {}",
                issued
                    .farm_id
                    .as_ref()
                    .map(|f| format!("farm {f}"))
                    .or_else(|| issued.vendor.clone())
                    .unwrap_or_else(|| "any vendor".into()),
                issued.uses,
                issued.expires_at
            );
            actor
                .record(state, "initial_access_token.created", person, Some(detail))
                .await?;
        }
        Err(IssueError::Store(_) | IssueError::Invalid(_)) => {}
        Err(refusal) => {
            actor
                .record_refusal(
                    state,
                    "initial_access_token.created",
                    format!("{farm_named}{refusal}"),
                )
                .await?;
        }
    }
    outcome
}

async fn issue_checked(
    state: &AppState,
    person: Option<&UserRecord>,
    administrator: bool,
    request: Request,
) -> Result<Issued, IssueError> {
    let farm = match request.farm.as_deref() {
        None if administrator => None,
        None => return Err(IssueError::Forbidden),
        Some(text) => Some(FarmId::parse(text).map_err(|_| IssueError::NoSuchFarm)?),
    };
    if let (Some(farm), Some(person)) = (&farm, person)
        && !administrator
    {
        let membership = state.store.find_membership(farm, &person.id).await?;
        match membership {
            Some(m) if m.role.manages() && person.locked.is_none() => {}
            Some(_) => return Err(IssueError::Forbidden),
            None => return Err(IssueError::NoSuchFarm),
        }
    }
    let vendor = vendor_name(request.vendor)?;
    if farm.is_some() && vendor.is_some() && !request.as_member {
        return Err(IssueError::Invalid(
            "name a vendor or a farm, not both: a farm's apps are shown with the farm's name"
                .into(),
        ));
    }
    let vendor = vendor.filter(|_| farm.is_none() && !request.as_member);
    let ttl = request.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if !(60..=MAX_TTL_SECS).contains(&ttl) {
        return Err(IssueError::Invalid(format!(
            "the lifetime must be 60 to {MAX_TTL_SECS} seconds"
        )));
    }
    let uses = request.uses.unwrap_or(1);
    if !(1..=MAX_USES).contains(&uses) {
        return Err(IssueError::Invalid(format!(
            "a token allows 1 to {MAX_USES} registrations"
        )));
    }
    let now = state.clock.now();
    let token = random_token::<32>();
    let record = InitialAccessTokenRecord {
        token_hash: hash_secret(&token),
        issued_by: person.map(|p| p.id.clone()),
        vendor: vendor.clone(),
        uses_left: uses,
        created_at: now,
        expires_at: now + ttl,
        farm_id: farm.map(|f| f.to_string()),
    };
    match &farm {
        None => state.store.insert_initial_access_token(&record).await?,
        Some(farm) => {
            // Administrators are not held to the quota; a farm is.
            let quota = match administrator {
                true => i64::MAX / 2,
                false => state.config.farm_app_quota,
            };
            let outcome = state
                .store
                .insert_farm_initial_access_token(&record, farm, quota)
                .await?;
            match outcome {
                FarmTokenOutcome::Issued => {}
                FarmTokenOutcome::FarmNotActive if state.store.find_farm(farm).await?.is_none() => {
                    return Err(IssueError::NoSuchFarm);
                }
                FarmTokenOutcome::FarmNotActive => return Err(IssueError::FarmNotActive),
                FarmTokenOutcome::OverQuota => return Err(IssueError::OverQuota(quota)),
            }
        }
    }
    Ok(Issued {
        token,
        expires_at: now + ttl,
        uses,
        vendor,
        farm_id: record.farm_id,
    })
}

/// A vendor's name as an administrator typed it: printable, trimmed, at most 100
/// characters; empty is no name.
fn vendor_name(asked: Option<String>) -> Result<Option<String>, IssueError> {
    let asked = asked
        .map(|v| {
            let printable: String = v.chars().filter(|c| !c.is_control()).collect();
            printable.trim().to_string()
        })
        .filter(|v| !v.is_empty());
    if asked
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_VENDOR_CHARS)
    {
        return Err(IssueError::Invalid(format!(
            "a vendor name has at most {MAX_VENDOR_CHARS} characters"
        )));
    }
    Ok(asked)
}

/// A token that can still register apps, as the console lists it.
pub struct Usable {
    pub record: InitialAccessTokenRecord,
    /// Who issued it: a username, "the command line", or "a deleted account".
    pub issued_by: String,
}

/// The tokens that can still register apps, with who issued each.
pub async fn list_usable(state: &AppState) -> Result<Vec<Usable>, StoreError> {
    let records = state
        .store
        .list_usable_initial_access_tokens(state.clock.now())
        .await?;
    let mut usable = Vec::with_capacity(records.len());
    for record in records {
        let issued_by = match &record.issued_by {
            None => "the command line".to_string(),
            Some(id) => match state.store.find_user_by_id(id).await? {
                Some(user) => user.username,
                None => "a deleted account".to_string(),
            },
        };
        usable.push(Usable { record, issued_by });
    }
    Ok(usable)
}

/// Withdraws the token whose hash is `token_hash` (as the console names it); false if it
/// was already used up, expired or withdrawn, or names none.
pub async fn withdraw(
    state: &AppState,
    actor: Actor<'_>,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let Ok(id) = InitialAccessTokenId::parse(token_hash) else {
        return Ok(false);
    };
    if !state.store.delete_initial_access_token(&id).await? {
        return Ok(false);
    }
    actor
        .record(state, "initial_access_token.withdrawn", None, None)
        .await?;
    Ok(true)
}

/// The usable token `token`, when whoever issued it still vouches for registrations: an
/// administrator who still is one, or an owner or manager of the farm, which must still be
/// active. A person who lost the role or was locked no longer vouches.
pub async fn check(
    store: &Store,
    now: i64,
    token: &str,
) -> Result<Option<InitialAccessTokenRecord>, StoreError> {
    let Some(record) = store
        .find_usable_initial_access_token(&hash_secret(token), now)
        .await?
    else {
        return Ok(None);
    };
    if let Some(farm_id) = &record.farm_id
        && !store
            .find_farm(farm_id)
            .await?
            .is_some_and(|farm| farm.status.is_active())
    {
        return Ok(None);
    }
    let Some(issuer_id) = &record.issued_by else {
        return Ok(Some(record));
    };
    let Some(issuer) = store.find_user_by_id(issuer_id).await? else {
        return Ok(None);
    };
    let vouches = match &record.farm_id {
        _ if issuer.is_active_admin() => true,
        Some(farm_id) => {
            issuer.locked.is_none()
                && store
                    .find_membership(farm_id, &issuer.id)
                    .await?
                    .is_some_and(|m| m.role.manages())
        }
        None => false,
    };
    Ok(vouches.then_some(record))
}
