//! Initial access tokens (RFC 7591 §3): what a vendor presents to register its app. An
//! administrator issues them for any vendor (console, admin API, command line); a farmer
//! for their own company, whose name the registered apps then carry. 256 random bits,
//! stored as SHA-256, good for a number of registrations until they expire.

use crate::accounts::admin::Actor;
use crate::accounts::users::Role;
use crate::domain::InitialAccessTokenId;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::initial_access_tokens::InitialAccessTokenRecord;
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
    /// The vendor the registered apps are shown with (administrators only; a farmer's
    /// apps carry their company).
    pub vendor: Option<String>,
    /// For the issuer's own company's apps (the account page and `/api/v1/me/…`), whoever
    /// asks: an administrator names other vendors only through the admin API and console.
    pub own_company: bool,
}

/// A token just issued: shown this once.
#[derive(Clone, Debug)]
pub struct Issued {
    pub token: String,
    pub expires_at: i64,
    pub uses: i64,
    pub vendor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("{0}")]
    Invalid(String),
    /// The person may not issue tokens (neither an administrator nor a farmer).
    #[error("only administrators and farmers can issue registration tokens")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who may issue tokens, and for which vendor: an administrator for any (or none named), a
/// farmer for their company (their username when no company is on record).
fn vendor_for(
    issuer: Option<&UserRecord>,
    asked: Option<String>,
    own_company: bool,
) -> Result<Option<String>, IssueError> {
    // For one's own company the name is on record: whatever was asked is not read.
    let asked = asked
        .filter(|_| !own_company)
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
    let Some(person) = issuer else {
        return Ok(asked);
    };
    let has = |role: Role| person.roles.contains(role);
    if has(Role::Admin) && !own_company {
        Ok(asked)
    } else if has(Role::Farmer) || has(Role::Admin) {
        Ok(Some(
            person
                .company
                .clone()
                .unwrap_or_else(|| person.username.clone()),
        ))
    } else {
        Err(IssueError::Forbidden)
    }
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
    if person.is_some_and(|p| p.locked.is_some()) {
        return Err(IssueError::Forbidden);
    }
    let vendor = vendor_for(person, request.vendor, request.own_company)?;
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
    };
    state.store.insert_initial_access_token(&record).await?;
    let detail = format!(
        "for {}, {uses} registration(s), {ttl} s",
        vendor.as_deref().unwrap_or("any vendor")
    );
    actor
        .record(state, "initial_access_token.created", person, Some(detail))
        .await?;
    Ok(Issued {
        token,
        expires_at: now + ttl,
        uses,
        vendor,
    })
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

/// The usable token `token` and who issued it, when that person may still issue tokens
/// (a farmer who lost the role, or a locked account, no longer vouches for registrations).
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
    let Some(issuer_id) = &record.issued_by else {
        return Ok(Some(record));
    };
    let issuer = store.find_user_by_id(issuer_id).await?;
    let vouches = issuer.is_some_and(|person| {
        person.locked.is_none()
            && (person.roles.contains(Role::Admin) || person.roles.contains(Role::Farmer))
    });
    Ok(vouches.then_some(record))
}
