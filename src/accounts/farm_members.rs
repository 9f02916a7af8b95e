//! A farm's members: an administrator adds them, owners and managers change their roles
//! and remove them within what [`Standing`] allows, owners hand the farm over, and members
//! leave. Each change is made by the store only if the roles the check saw still hold under
//! the farm's lock (DECISIONS §53), never leaves the farm without an owner, and is written
//! to the trail; each refusal too.

use crate::domain::{FarmRole, UserId};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::farms::{FarmRecord, MemberChange, MemberRecord};
use crate::store::users::UserRecord;

use super::admin::{Actor, printable};
use super::audit::Origin;
use super::farms::{
    Acting, FarmError, Standing, grant_farmer, record, refuse, standing, standing_to_change,
};

/// An administrator (or the command line) adds the person named `username` with `role`.
pub async fn add_member(
    state: &AppState,
    farm_id: &str,
    username: &str,
    role: FarmRole,
    actor: Actor<'_>,
) -> Result<(), FarmError> {
    let acting = Acting::Platform(actor);
    let farm = standing(state, acting, farm_id).await?.farm;
    let user = state
        .store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| FarmError::NoSuchUser(printable(username, 64)))?;
    join(state, &farm, &user, role).await?;
    let detail = format!("added as {role}");
    record(
        state,
        acting,
        "farm.member_added",
        &farm.id,
        Some(&user.id),
        detail,
    )
    .await?;
    Ok(())
}

/// Makes `user` a member of `farm` with `role` (an administrator's addition); an owner of
/// an active farm becomes a farmer.
async fn join(
    state: &AppState,
    farm: &FarmRecord,
    user: &UserRecord,
    role: FarmRole,
) -> Result<(), FarmError> {
    let now = state.clock.now();
    match state
        .store
        .insert_member(&farm.id, &user.id, role, now)
        .await
    {
        Err(StoreError::Conflict) => return Err(FarmError::AlreadyMember),
        other => other?,
    }
    if role == FarmRole::Owner && farm.status.is_active() {
        grant_farmer(state, &user.id).await?;
    }
    Ok(())
}

/// Gives member `member_id` the farm role `role`. A member never raises their own role;
/// others follow [`Standing::may_act_on`] (their current role) and [`Standing::may_grant`]
/// (the new one). The last owner keeps their role.
pub async fn change_role(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    member_id: &str,
    role: FarmRole,
) -> Result<(), FarmError> {
    let standing = standing_to_change(state, acting, farm_id, "change a role").await?;
    let target = member(state, &standing.farm, member_id).await?;
    let own = acting.person().is_some_and(|me| me.id == target.user_id);
    let allowed = match (own, standing.role) {
        // Stepping down is allowed (the last owner still cannot); rising is not.
        (true, Some(mine)) => role <= mine,
        _ => standing.may_act_on(target.role) && standing.may_grant(role),
    };
    if !allowed {
        let detail = format!("make {} {role} (holding {})", target.username, target.role);
        let why = match own {
            true => "nobody can raise their own farm role",
            false => "your farm role does not allow this change",
        };
        return refuse(
            state,
            acting,
            &standing.farm.id,
            Some(&target.user_id),
            detail,
            FarmError::Forbidden(why),
        )
        .await;
    }
    let now = state.clock.now();
    let expected = expected_roles(acting, &standing, &target);
    let change = state
        .store
        .set_member_role(&standing.farm.id, &target.user_id, role, &expected, now)
        .await?;
    settled(
        state,
        acting,
        &standing.farm.id,
        &target,
        change,
        "change a role",
    )
    .await?;
    if role == FarmRole::Owner && standing.farm.status.is_active() {
        grant_farmer(state, &target.user_id).await?;
    }
    let detail = format!("{} from {} to {role}", target.username, target.role);
    record(
        state,
        acting,
        "farm.role_changed",
        &standing.farm.id,
        Some(&target.user_id),
        detail,
    )
    .await?;
    Ok(())
}

/// An owner makes member `member_id` an owner and, with `step_down`, becomes a manager,
/// in one transaction.
pub async fn hand_over(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    member_id: &str,
    step_down: bool,
) -> Result<(), FarmError> {
    let standing = standing_to_change(state, acting, farm_id, "hand over").await?;
    let target = member(state, &standing.farm, member_id).await?;
    let Some(me) = acting.person() else {
        return Err(FarmError::Forbidden("only an owner hands over their farm"));
    };
    if standing.role != Some(FarmRole::Owner) || !standing.manages() || me.id == target.user_id {
        let detail = format!("hand over to {}", target.username);
        let why = FarmError::Forbidden("only an owner hands the farm over, to another member");
        return refuse(
            state,
            acting,
            &standing.farm.id,
            Some(&target.user_id),
            detail,
            why,
        )
        .await;
    }
    let now = state.clock.now();
    let from_becomes = step_down.then_some(FarmRole::Manager);
    let expected = expected_roles(acting, &standing, &target);
    let change = state
        .store
        .hand_over_farm(
            &standing.farm.id,
            &me.id,
            &target.user_id,
            from_becomes,
            &expected,
            now,
        )
        .await?;
    settled(
        state,
        acting,
        &standing.farm.id,
        &target,
        change,
        "hand over",
    )
    .await?;
    grant_farmer(state, &target.user_id).await?;
    let detail = match step_down {
        true => format!(
            "to {}; the previous owner is now a manager",
            target.username
        ),
        false => format!("to {}, as a second owner", target.username),
    };
    record(
        state,
        acting,
        "farm.handed_over",
        &standing.farm.id,
        Some(&target.user_id),
        detail,
    )
    .await?;
    Ok(())
}

/// Removes member `member_id`: an owner removes anyone, a manager staff and managers
/// ([`Standing::may_act_on`]), an administrator anyone; never the last owner. Removing
/// oneself is [`leave`].
pub async fn remove_member(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    member_id: &str,
) -> Result<(), FarmError> {
    let standing = standing_to_change(state, acting, farm_id, "remove a member").await?;
    let target = member(state, &standing.farm, member_id).await?;
    let own = acting.person().is_some_and(|me| me.id == target.user_id);
    if !own && !standing.may_act_on(target.role) {
        let detail = format!("remove {} ({})", target.username, target.role);
        let why = FarmError::Forbidden("your farm role does not allow removing this member");
        return refuse(
            state,
            acting,
            &standing.farm.id,
            Some(&target.user_id),
            detail,
            why,
        )
        .await;
    }
    let now = state.clock.now();
    let expected = expected_roles(acting, &standing, &target);
    let change = state
        .store
        .delete_member(&standing.farm.id, &target.user_id, &expected, now)
        .await?;
    settled(
        state,
        acting,
        &standing.farm.id,
        &target,
        change,
        "remove a member",
    )
    .await?;
    let (event, detail) = match own {
        true => ("farm.member_left", format!("{} left", target.username)),
        false => (
            "farm.member_removed",
            format!("{} ({}) removed", target.username, target.role),
        ),
    };
    record(
        state,
        acting,
        event,
        &standing.farm.id,
        Some(&target.user_id),
        detail,
    )
    .await?;
    Ok(())
}

/// `user` leaves `farm_id`, unless they are its last owner.
pub async fn leave(
    state: &AppState,
    user: &UserRecord,
    origin: &Origin,
    farm_id: &str,
) -> Result<(), FarmError> {
    remove_member(state, Acting::Member { user, origin }, farm_id, &user.id).await
}

/// The member `member_id` of `farm`, parsed once: text that is no id names no member.
async fn member(
    state: &AppState,
    farm: &FarmRecord,
    member_id: &str,
) -> Result<MemberRecord, FarmError> {
    let Ok(member_id) = UserId::parse(member_id) else {
        return Err(FarmError::NoSuchMember);
    };
    let members = state.store.farm_members(&farm.id).await?;
    members
        .into_iter()
        .find(|m| m.user_id == *member_id)
        .ok_or(FarmError::NoSuchMember)
}

/// Turns the store's answer to a guarded change into an error, recording a last-owner
/// refusal.
async fn settled(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    target: &MemberRecord,
    change: MemberChange,
    action: &str,
) -> Result<(), FarmError> {
    match change {
        MemberChange::Done => Ok(()),
        MemberChange::NoSuchMember => Err(FarmError::NoSuchMember),
        MemberChange::LastOwner => {
            let detail = format!("{action}: {} is the last owner", target.username);
            let id = Some(target.user_id.as_str());
            refuse(state, acting, farm_id, id, detail, FarmError::LastOwner).await
        }
        MemberChange::Changed => Err(FarmError::WrongStatus(
            "the farm's members changed meanwhile; look again and retry",
        )),
    }
}

/// The roles a change was allowed on: the target's, and the acting member's (for a person
/// acting as a member). The store makes the change only if they still hold, under the
/// farm's lock, so a member demoted meanwhile cannot act with the role they lost.
fn expected_roles<'a>(
    acting: Acting<'a>,
    standing: &Standing,
    target: &'a MemberRecord,
) -> Vec<(&'a str, FarmRole)> {
    let mut expected = vec![(target.user_id.as_str(), target.role)];
    if let (Some(me), Some(mine)) = (acting.person(), standing.role)
        && me.id != target.user_id
    {
        expected.push((me.id.as_str(), mine));
    }
    expected
}
