//! Farms as organizations: who belongs to a farm with which farm role, and what each may do
//! for it. Every "may this person do that for this farm" is answered by [`Standing`], once:
//! an administrator (or the command line) acts with the platform's authority, a member with
//! their farm role ([`FarmRole::may_grant`], [`FarmRole::may_act_on`]), anyone else is told
//! the farm does not exist, so a manager of one farm learns nothing about another.
//!
//! A farm always keeps an owner: the store checks it in the statement that would remove the
//! last one, under a lock on the farm's row (see `store::farms`). Every change, and every
//! refused privileged action, is written to the trail with the actor and the farm's id.
//!
//! Platform roles (DECISIONS §52): a person becomes `farmer` when they become an owner of an
//! *active* farm (an administrator's approval, `farm create` on the command line, a hand-over
//! or an invitation as owner to an active farm). Managers and staff get no platform role,
//! and nothing is taken away automatically.

use crate::domain::{FarmId, FarmName, FarmRole, FarmStatus, Role, Roles};
use crate::mail::{self, LinkMail};
use crate::secrets::random_id;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::AuditRecord;
use crate::store::farms::{FarmRecord, MemberRecord, Membership};
use crate::store::users::UserRecord;

pub use super::farm_members::{add_member, change_role, hand_over, leave, remove_member};

use super::admin::{Actor, printable};
use super::audit::Origin;

/// The longest reason kept for a refusal or a suspension.
const MAX_REASON_CHARS: usize = 500;
/// The most farms a list shows.
pub const MAX_LISTED_FARMS: i64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum FarmError {
    /// An unknown id, another farm's, or one the person is not a member of: one answer.
    #[error("no such farm")]
    NoSuchFarm,
    /// Not a member of this farm (or not an id at all).
    #[error("no such member")]
    NoSuchMember,
    /// Not an open invitation of this farm.
    #[error("no such invitation")]
    NoSuchInvitation,
    #[error("no user named '{0}'")]
    NoSuchUser(String),
    /// The farm role (or the farm's status) does not allow it.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("a farm keeps at least one owner: make another member owner first")]
    LastOwner,
    #[error("that person is already a member of this farm")]
    AlreadyMember,
    #[error("{0}")]
    Invalid(String),
    /// The farm is not in the status the action needs (approving an active farm, ...).
    #[error("{0}")]
    WrongStatus(&'static str),
    /// Too many invitations from this farm, or to this address, this hour: seconds to wait.
    #[error("too many invitations for now: try again later")]
    Throttled { retry_after: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who acts on a farm.
#[derive(Clone, Copy, Debug)]
pub enum Acting<'a> {
    /// An active administrator (console, admin API: their extractors checked it) or the
    /// command line: the platform's authority over every farm.
    Platform(Actor<'a>),
    /// A signed-in person acting as a member of the farm.
    Member {
        user: &'a UserRecord,
        origin: &'a Origin,
    },
}

impl<'a> Acting<'a> {
    fn actor(&self) -> Actor<'a> {
        match *self {
            Acting::Platform(actor) => actor,
            Acting::Member { user, origin } => Actor::Person { user, origin },
        }
    }

    pub(crate) fn person(&self) -> Option<&'a UserRecord> {
        match *self {
            Acting::Platform(Actor::Person { user, .. }) | Acting::Member { user, .. } => {
                Some(user)
            }
            Acting::Platform(Actor::CommandLine) => None,
        }
    }
}

/// What the one acting may do for one farm.
#[derive(Clone, Debug)]
pub struct Standing {
    pub farm: FarmRecord,
    /// Their farm role; `None` for the platform's authority.
    pub role: Option<FarmRole>,
}

impl Standing {
    /// Runs the farm's people: sees invitations, invites, changes roles, removes. A member
    /// does so only while the farm is active (a pending or suspended farm gives no powers).
    pub fn manages(&self) -> bool {
        match self.role {
            None => true,
            Some(role) => role.manages() && self.farm.status.is_active(),
        }
    }

    /// May invite someone as, or change someone to, `role`.
    pub fn may_grant(&self, role: FarmRole) -> bool {
        self.manages() && self.role.is_none_or(|mine| mine.may_grant(role))
    }

    /// May change or remove a member who holds `their` role.
    pub fn may_act_on(&self, their: FarmRole) -> bool {
        self.manages() && self.role.is_none_or(|mine| mine.may_act_on(their))
    }
}

/// The farm `farm_id` as `acting` stands with it; [`FarmError::NoSuchFarm`] for text that is
/// no id, an unknown farm, and a farm the person is not a member of alike.
pub async fn standing(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
) -> Result<Standing, FarmError> {
    let Ok(farm_id) = FarmId::parse(farm_id) else {
        return Err(FarmError::NoSuchFarm);
    };
    match acting {
        Acting::Platform(_) => match state.store.find_farm(&farm_id).await? {
            Some(farm) => Ok(Standing { farm, role: None }),
            None => Err(FarmError::NoSuchFarm),
        },
        Acting::Member { user, .. } => match state.store.find_membership(&farm_id, &user.id).await?
        {
            Some(Membership { farm, role, .. }) => Ok(Standing {
                farm,
                role: Some(role),
            }),
            None => Err(FarmError::NoSuchFarm),
        },
    }
}

/// [`standing`] for a change: a person acting on a farm that is not theirs is refused like
/// an unknown farm, and the refusal is in the trail.
pub(crate) async fn standing_to_change(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    action: &str,
) -> Result<Standing, FarmError> {
    match standing(state, acting, farm_id).await {
        // A person naming a farm that is not theirs (perhaps another's): in the trail. An
        // administrator's unknown id is only that.
        Err(FarmError::NoSuchFarm) if matches!(acting, Acting::Member { .. }) => {
            let detail = format!("{action}: not a member of this farm");
            refuse(state, acting, farm_id, None, detail, FarmError::NoSuchFarm).await
        }
        other => other,
    }
}

/// Every farm `user` belongs to, whatever its status.
pub async fn farms_of(state: &AppState, user: &UserRecord) -> Result<Vec<Membership>, StoreError> {
    state.store.memberships_of(&user.id).await
}

/// The farms, pending ones first, or those with `status`.
pub async fn list(
    state: &AppState,
    status: Option<FarmStatus>,
) -> Result<Vec<FarmRecord>, StoreError> {
    state.store.list_farms(status, MAX_LISTED_FARMS).await
}

/// The farm's members, to anyone who stands with it (every member sees who they work with).
pub async fn members(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
) -> Result<(Standing, Vec<MemberRecord>), FarmError> {
    let standing = standing(state, acting, farm_id).await?;
    let members = state.store.farm_members(&standing.farm.id).await?;
    Ok((standing, members))
}

/// A farm's name as typed, or why it is not one.
pub fn parse_name(text: &str) -> Result<FarmName, FarmError> {
    FarmName::parse(text).map_err(|e| FarmError::Invalid(e.to_string()))
}

/// A farm role as typed, or why it is not one.
pub fn parse_role(text: &str) -> Result<FarmRole, FarmError> {
    FarmRole::parse(text)
        .ok_or_else(|| FarmError::Invalid("a farm role is owner, manager or staff".into()))
}

/// A new farm record named `name` with `status`, created now.
pub fn new_farm(state: &AppState, name: FarmName, status: FarmStatus) -> FarmRecord {
    let now = state.clock.now();
    FarmRecord {
        id: random_id(),
        name,
        status,
        status_reason: None,
        created_at: now,
        updated_at: now,
    }
}

/// Creates an active farm owned by `owner` (the command line and administrators): the
/// owner becomes a `farmer` at once, as on an approval.
pub async fn create_active(
    state: &AppState,
    name: &str,
    owner: &UserRecord,
    actor: Actor<'_>,
) -> Result<FarmRecord, FarmError> {
    let farm = new_farm(state, parse_name(name)?, FarmStatus::Active);
    state.store.insert_farm(&farm, &owner.id).await?;
    grant_farmer(state, &owner.id).await?;
    let acting = Acting::Platform(actor);
    let detail = format!("created active, owned by {}", owner.username);
    record(
        state,
        acting,
        "farm.created",
        &farm.id,
        Some(&owner.id),
        detail,
    )
    .await?;
    Ok(farm)
}

/// An administrator's approval of a pending farm: it becomes active, its owners become
/// farmers, and they are told by mail.
pub async fn approve(state: &AppState, farm_id: &str, actor: Actor<'_>) -> Result<(), FarmError> {
    let acting = Acting::Platform(actor);
    let farm = standing(state, acting, farm_id).await?.farm;
    let now = state.clock.now();
    let moved = state
        .store
        .set_farm_status(&farm.id, FarmStatus::Pending, FarmStatus::Active, None, now)
        .await?;
    if !moved {
        return Err(FarmError::WrongStatus(
            "only a pending farm can be approved",
        ));
    }
    forget_apps(state, &farm.id).await?;
    for owner in owners(state, &farm.id).await? {
        grant_farmer(state, &owner.user_id).await?;
        let intro = format!(
            "Your farm \u{201c}{}\u{201d} was approved: you can now sell on Not Far(m) From Home, invite the people who work with you and connect your apps.",
            farm.name
        );
        mail_owner(state, &owner, "Your farm was approved", &intro).await?;
    }
    record(
        state,
        acting,
        "farm.approved",
        &farm.id,
        None,
        String::new(),
    )
    .await?;
    Ok(())
}

/// An administrator's refusal of a pending farm, with a reason mailed to its owners. The
/// farm is deleted; the people keep their accounts, as consumers (DECISIONS §52).
pub async fn reject(
    state: &AppState,
    farm_id: &str,
    reason: &str,
    actor: Actor<'_>,
) -> Result<(), FarmError> {
    let acting = Acting::Platform(actor);
    let reason = stated_reason(reason)?;
    let farm = standing(state, acting, farm_id).await?.farm;
    let owners = owners(state, &farm.id).await?;
    if !state.store.delete_pending_farm(&farm.id).await? {
        return Err(FarmError::WrongStatus("only a pending farm can be refused"));
    }
    for owner in &owners {
        let intro = format!(
            "We could not approve your farm \u{201c}{}\u{201d}. The reason: {reason} Your account stays open: you can keep shopping, and sign up a farm again from your account page once this is resolved.",
            farm.name
        );
        mail_owner(state, owner, "Your farm was not approved", &intro).await?;
    }
    let detail = format!("\u{201c}{}\u{201d} refused: {reason}", farm.name);
    record(state, acting, "farm.rejected", &farm.id, None, detail).await?;
    Ok(())
}

/// An administrator stops an active farm: its members keep their accounts, the farm drops
/// out of the `farms` claim and gives no powers until it is reactivated.
pub async fn suspend(
    state: &AppState,
    farm_id: &str,
    reason: &str,
    actor: Actor<'_>,
) -> Result<(), FarmError> {
    let acting = Acting::Platform(actor);
    let reason = stated_reason(reason)?;
    let farm = standing(state, acting, farm_id).await?.farm;
    let now = state.clock.now();
    let (from, to) = (FarmStatus::Active, FarmStatus::Suspended);
    if !state
        .store
        .set_farm_status(&farm.id, from, to, Some(&reason), now)
        .await?
    {
        return Err(FarmError::WrongStatus(
            "only an active farm can be suspended",
        ));
    }
    forget_apps(state, &farm.id).await?;
    record(state, acting, "farm.suspended", &farm.id, None, reason).await?;
    Ok(())
}

/// A farm's status decides whether its apps work (DECISIONS §58): this process stops
/// remembering them at once, other replicas within their client cache lifetime.
async fn forget_apps(state: &AppState, farm_id: &str) -> Result<(), StoreError> {
    for app in state.store.list_clients_of_farm(farm_id).await? {
        state.clients.forget(&app.client_id);
    }
    Ok(())
}

/// Lifts a suspension.
pub async fn reactivate(
    state: &AppState,
    farm_id: &str,
    actor: Actor<'_>,
) -> Result<(), FarmError> {
    let acting = Acting::Platform(actor);
    let farm = standing(state, acting, farm_id).await?.farm;
    let now = state.clock.now();
    let (from, to) = (FarmStatus::Suspended, FarmStatus::Active);
    if !state
        .store
        .set_farm_status(&farm.id, from, to, None, now)
        .await?
    {
        return Err(FarmError::WrongStatus(
            "only a suspended farm can be reactivated",
        ));
    }
    forget_apps(state, &farm.id).await?;
    record(
        state,
        acting,
        "farm.reactivated",
        &farm.id,
        None,
        String::new(),
    )
    .await?;
    Ok(())
}

pub(super) async fn owners(
    state: &AppState,
    farm_id: &str,
) -> Result<Vec<MemberRecord>, StoreError> {
    let members = state.store.farm_members(farm_id).await?;
    Ok(members
        .into_iter()
        .filter(|m| m.role == FarmRole::Owner)
        .collect())
}

/// Adds the platform role `farmer` to `user_id`, if they do not hold it (DECISIONS §52).
pub(crate) async fn grant_farmer(state: &AppState, user_id: &str) -> Result<(), StoreError> {
    let Some(user) = state.store.find_user_by_id(user_id).await? else {
        return Ok(());
    };
    if user.roles.contains(Role::Farmer) {
        return Ok(());
    }
    let mut roles: Vec<Role> = user.roles.iter().filter(|r| *r != Role::Consumer).collect();
    roles.insert(0, Role::Farmer);
    let roles = Roles::of(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    state
        .store
        .set_user_roles(&user.id, &roles, state.clock.now())
        .await?;
    Ok(())
}

/// A reason as an administrator must give it: not blank, printable, bounded.
fn stated_reason(text: &str) -> Result<String, FarmError> {
    let reason = printable(text, MAX_REASON_CHARS);
    match reason.is_empty() {
        true => Err(FarmError::Invalid("say why: a reason is required".into())),
        false => Ok(reason),
    }
}

async fn mail_owner(
    state: &AppState,
    owner: &MemberRecord,
    subject: &str,
    intro: &str,
) -> Result<(), StoreError> {
    let link = format!("{}/account/farms", state.issuer);
    let mail = LinkMail {
        subject,
        greeting_name: &owner.username,
        intro,
        link: &link,
        link_text: "See my farms",
        closing: "You receive this message because you signed up a farm on Not Far(m) From Home.",
    };
    let bodies = mail::render_link_mail(&mail)
        .map_err(|e| StoreError::Corrupt(format!("a mail template failed: {e}")))?;
    mail::enqueue(state, &owner.email, subject, bodies, None).await?;
    Ok(())
}

/// Writes a farm change to the trail: who (`actor_id`, "by ..."), which farm (the detail
/// starts with `farm ID`), and the member concerned, if any.
pub(crate) async fn record(
    state: &AppState,
    acting: Acting<'_>,
    event: &str,
    farm_id: &str,
    target: Option<&str>,
    detail: String,
) -> Result<(), StoreError> {
    write_trail(state, acting, event, "success", farm_id, target, detail).await
}

/// Records a refused privileged farm action and answers with `error`.
pub(crate) async fn refuse<T>(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    target: Option<&str>,
    detail: String,
    error: FarmError,
) -> Result<T, FarmError> {
    let event = "farm.action_refused";
    write_trail(state, acting, event, "failure", farm_id, target, detail).await?;
    Err(error)
}

async fn write_trail(
    state: &AppState,
    acting: Acting<'_>,
    event: &str,
    outcome: &str,
    farm_id: &str,
    target: Option<&str>,
    detail: String,
) -> Result<(), StoreError> {
    let (actor_id, ip, by) = match acting.actor() {
        Actor::CommandLine => (None, None, "the command line".to_string()),
        Actor::Person { user, origin } => (
            Some(user.id.clone()),
            origin.ip.map(|ip| ip.to_string()),
            user.username.clone(),
        ),
    };
    let by = match acting {
        Acting::Platform(Actor::Person { .. }) => format!("administrator {by}"),
        _ => by,
    };
    // The id came from a path or a form: kept printable and short, never as sent.
    let farm = printable(farm_id, 64);
    let detail = match detail.is_empty() {
        true => format!("farm {farm}, by {by}"),
        false => format!("farm {farm}, by {by}: {detail}"),
    };
    let record = AuditRecord {
        at: state.clock.now(),
        event: event.to_string(),
        outcome: outcome.to_string(),
        user_id: target.map(str::to_string),
        ip,
        detail: Some(detail),
        actor_id,
        ..AuditRecord::default()
    };
    super::audit::write(state, &record).await
}
