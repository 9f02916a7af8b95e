//! Invitations to a farm: an owner or a manager invites an address with a farm role (never
//! above their own, [`super::farms::Standing::may_grant`]); the mailed link holds a 256-bit
//! token kept as its SHA-256, works once, for `FARM_AUTH_FARM_INVITATION_TTL_SECS` (7 days),
//! for that farm and that address only: the account that accepts must have the invited
//! address *confirmed*. A farm has at most [`MAX_OPEN_INVITATIONS`] open; inviting an
//! address again replaces its open invitation; the sweep deletes expired ones.
//!
//! Someone without an account follows the link, signs up from the invitation page (which
//! is kept as the page to return to), confirms their address through the mailed link, which
//! brings them back, and accepts (DECISIONS §54).

use crate::domain::{EmailAddress, FarmRole, InvitationId};
use crate::i18n;
use crate::mail::{self, LinkMail};
use crate::secrets::{hash_secret, random_id, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::farm_invitations::{Accepted, InvitationRecord};
use crate::store::farms::FarmRecord;
use crate::store::users::UserRecord;

use super::audit::Origin;
use super::farms::{self, Acting, FarmError};
use super::throttle;

/// Open invitations per farm, at most: the table stays bounded whatever a farm does.
pub const MAX_OPEN_INVITATIONS: i64 = 50;
/// The longest token read from a link: longer ones cannot be ours.
const MAX_TOKEN_LEN: usize = 128;
/// The path of an invitation's page; the token follows.
pub const PATH: &str = "/farms/invitations/";

/// Why an invitation cannot be accepted by this account.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    /// Unknown, used, expired or malformed: one answer for all.
    #[error("this invitation is not valid any more")]
    Invalid,
    /// The account's address is not the invited one.
    #[error("this invitation was sent to another email address")]
    OtherAddress,
    /// The invited address is the account's, but not confirmed yet.
    #[error("confirm your email address first, with the link we mailed you")]
    Unconfirmed,
    #[error("you are already a member of this farm")]
    AlreadyMember,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An open invitation, as its page shows it.
pub struct Invitation {
    pub record: InvitationRecord,
    pub farm: FarmRecord,
}

/// Invites `email` to `farm_id` as `role`; the invitation, after the mail is queued.
pub async fn invite(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    email: &str,
    role: FarmRole,
) -> Result<InvitationRecord, FarmError> {
    let standing = farms::standing_to_change(state, acting, farm_id, "invite").await?;
    let farm = &standing.farm;
    if !standing.may_grant(role) {
        let detail = format!("invite as {role}");
        let why = FarmError::Forbidden("your farm role does not allow inviting as this role");
        return farms::refuse(state, acting, &farm.id, None, detail, why).await;
    }
    let email = EmailAddress::parse(email.trim())
        .map_err(|e| FarmError::Invalid(format!("email: {e}")))?
        .into_string()
        .to_lowercase();
    // Every invitation counts, sent or not: the limit is on mailing (the farm's, and one
    // address's from every farm).
    let mut keys = throttle::key(throttle::FARM_INVITATIONS, &farm.id);
    keys.extend(throttle::key(throttle::INVITATIONS_TO_ADDRESS, &email));
    if let Err(locked) = throttle::begin(state, &keys).await? {
        let detail = format!("invite {email}: too many invitations this hour");
        let retry_after = locked.until - state.clock.now();
        let why = FarmError::Throttled { retry_after };
        return farms::refuse(state, acting, &farm.id, None, detail, why).await;
    }
    let now = state.clock.now();
    let token = random_token::<32>();
    let invitation = InvitationRecord {
        id: random_id(),
        farm_id: farm.id.clone(),
        email,
        role,
        invited_by: acting.person().map(|p| p.id.clone()),
        created_at: now,
        expires_at: now + state.config.farm_invitation_ttl.as_secs() as i64,
    };
    let stored = state
        .store
        .insert_invitation(&invitation, &hash_secret(&token), MAX_OPEN_INVITATIONS, now)
        .await?;
    if !stored {
        return Err(FarmError::Invalid(format!(
            "a farm has at most {MAX_OPEN_INVITATIONS} open invitations: withdraw some first"
        )));
    }
    mail_invitation(state, acting, farm, &invitation, &token).await?;
    let detail = format!("{} invited as {role}", invitation.email);
    farms::record(
        state,
        acting,
        "farm.invitation_sent",
        &farm.id,
        None,
        detail,
    )
    .await?;
    Ok(invitation)
}

async fn mail_invitation(
    state: &AppState,
    acting: Acting<'_>,
    farm: &FarmRecord,
    invitation: &InvitationRecord,
    token: &str,
) -> Result<(), StoreError> {
    let link = format!("{}{PATH}{token}", state.issuer);
    let invited = match acting.person() {
        Some(person) => i18n::t2(
            "mail-invited-by",
            "name",
            &person.username,
            "farm",
            &farm.name,
        ),
        None => i18n::t1("mail-invited", "farm", &farm.name),
    };
    let days = state.config.farm_invitation_ttl.as_secs().div_ceil(86_400);
    let intro = format!(
        "{invited} {}",
        i18n::t2(
            "mail-invitation-intro",
            "role",
            &invitation.role.as_str(),
            "days",
            &days
        )
    );
    let subject = i18n::t1("mail-invitation-subject", "farm", &farm.name);
    let mail = LinkMail {
        subject: &subject,
        greeting_name: &invitation.email,
        intro: &intro,
        link: &link,
        link_text: &i18n::t("mail-invitation-link"),
        closing: "If you do not know this farm, ignore this message and nothing will happen.",
    };
    let bodies = mail::render_link_mail(&mail)
        .map_err(|e| StoreError::Corrupt(format!("a mail template failed: {e}")))?;
    let ttl = state.config.farm_invitation_ttl.as_secs() as i64;
    mail::enqueue(state, &invitation.email, &subject, bodies, Some(ttl)).await?;
    Ok(())
}

/// The farm's open invitations, to its owners and managers.
pub async fn open_invitations(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
) -> Result<Vec<InvitationRecord>, FarmError> {
    let standing = farms::standing(state, acting, farm_id).await?;
    if !standing.manages() {
        return Err(FarmError::Forbidden(
            "only owners and managers see invitations",
        ));
    }
    let now = state.clock.now();
    Ok(state.store.open_invitations(&standing.farm.id, now).await?)
}

/// Withdraws the farm's open invitation `invitation_id`.
pub async fn withdraw(
    state: &AppState,
    acting: Acting<'_>,
    farm_id: &str,
    invitation_id: &str,
) -> Result<(), FarmError> {
    let standing = farms::standing_to_change(state, acting, farm_id, "withdraw").await?;
    let farm_id = standing.farm.id.as_str();
    if !standing.manages() {
        let why = FarmError::Forbidden("only owners and managers withdraw invitations");
        return farms::refuse(state, acting, farm_id, None, "withdraw".into(), why).await;
    }
    let Ok(id) = InvitationId::parse(invitation_id) else {
        return Err(FarmError::NoSuchInvitation);
    };
    // A manager withdraws only what they could have sent: not an owner's invitation.
    let open = state
        .store
        .open_invitations(farm_id, state.clock.now())
        .await?;
    let Some(invitation) = open.iter().find(|i| i.id == id.as_str()) else {
        return Err(FarmError::NoSuchInvitation);
    };
    if !standing.may_grant(invitation.role) {
        let detail = format!(
            "withdraw the invitation of {} as {}",
            invitation.email, invitation.role
        );
        let why = FarmError::Forbidden("your farm role does not allow withdrawing this invitation");
        return farms::refuse(state, acting, farm_id, None, detail, why).await;
    }
    let Some(gone) = state.store.delete_open_invitation(farm_id, &id).await? else {
        return Err(FarmError::NoSuchInvitation);
    };
    let detail = format!("invitation of {} withdrawn", gone.email);
    farms::record(
        state,
        acting,
        "farm.invitation_withdrawn",
        farm_id,
        None,
        detail,
    )
    .await?;
    Ok(())
}

/// The open invitation `token` names, if any.
pub async fn find(state: &AppState, token: &str) -> Result<Option<Invitation>, StoreError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Ok(None);
    }
    let now = state.clock.now();
    let found = state
        .store
        .find_open_invitation(&hash_secret(token), now)
        .await?;
    Ok(found.map(|(record, farm)| Invitation { record, farm }))
}

/// Whether `user` may accept `invitation` as they are now.
pub fn check_account(invitation: &Invitation, user: &UserRecord) -> Result<(), InvitationError> {
    if user.email.to_lowercase() != invitation.record.email {
        return Err(InvitationError::OtherAddress);
    }
    if !user.email_verified {
        return Err(InvitationError::Unconfirmed);
    }
    Ok(())
}

/// `user` accepts the invitation `token`: they join its farm with its role, once. The
/// account's address must be the invited one, confirmed.
pub async fn accept(
    state: &AppState,
    user: &UserRecord,
    origin: &Origin,
    token: &str,
) -> Result<FarmRecord, InvitationError> {
    let Some(invitation) = find(state, token).await? else {
        return Err(InvitationError::Invalid);
    };
    let acting = Acting::Member { user, origin };
    let farm_id = invitation.farm.id.clone();
    if let Err(why) = check_account(&invitation, user) {
        let detail = format!("accept an invitation: {why}");
        let error = FarmError::Forbidden("refused");
        let _ = farms::refuse::<()>(state, acting, &farm_id, Some(&user.id), detail, error).await;
        return Err(why);
    }
    let now = state.clock.now();
    let hash = hash_secret(token);
    let accepted = state
        .store
        .accept_invitation(&hash, &user.id, &user.email, now)
        .await?;
    let joined = match accepted {
        Accepted::Joined(joined) => joined,
        Accepted::AlreadyMember => return Err(InvitationError::AlreadyMember),
        Accepted::Invalid => return Err(InvitationError::Invalid),
    };
    if joined.role == FarmRole::Owner && invitation.farm.status.is_active() {
        farms::grant_farmer(state, &user.id).await?;
    }
    let detail = format!("{} joined as {}", user.username, joined.role);
    farms::record(
        state,
        acting,
        "farm.invitation_accepted",
        &farm_id,
        Some(&user.id),
        detail,
    )
    .await?;
    Ok(invitation.farm)
}
