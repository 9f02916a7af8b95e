//! What every sign-in step does once its factor passed, in one place: the checks that stop
//! it, the second factor that must follow, and the writes that sign the person in.

use crate::domain::DeviceToken;
use crate::secrets::{hash_secret, random_token};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::AuditRecord;
use crate::store::sessions::LoginSessionRecord;
use crate::store::sign_ins::{KnownDevice, Proof, SignInWrite, Written};
use crate::store::users::UserRecord;

use super::super::audit::{Event, Outcome, Row};
use super::super::devices;
use super::super::login::SignedIn;
use super::super::second_factor::{self, SecondStep};
use super::super::throttle::{Locked, Settlement};
use super::{Browser, Done, Partial, Refusal, SECOND_FACTOR_WINDOW_SECS, Step};

/// What a step proved, handed to [`close`].
pub(super) struct Proved<'a> {
    pub user: UserRecord,
    /// The RFC 8176 values of the sign-in so far: the first step's, then the second's.
    pub amr: Vec<String>,
    /// Whether the password was one of the factors: a required reset then stops it.
    pub used_password: bool,
    /// Whether this was the first factor: a second may have to follow.
    pub first_factor: bool,
    /// What the step uses up, written first.
    pub proof: Proof<'a>,
    /// The throttle's keys, settled as a success.
    pub settlement: Option<Settlement>,
    /// The lock the throttle keeps if the proof turns out to be used up already.
    pub lock_if_replayed: Option<Locked>,
    /// The step's own event, recorded as a success, or as the reason it stopped.
    pub event: StepEvent,
    /// Whether the browser is known for this person, when the step found out already.
    pub known_device: Option<bool>,
    /// When the person last proved who they are, as far as this step knows: now, for a
    /// factor checked here; the provider's `auth_time` for an upstream sign-in (`None` when
    /// it said none). What a session without a password proves by ([`SignedIn::fresh_at`]).
    pub fresh_at: Option<i64>,
}

/// The audit event of a step, of the person it proved.
pub(super) struct StepEvent {
    pub name: &'static str,
    /// Whether the event names the username too (the password step's does).
    pub with_username: bool,
    pub detail: Option<String>,
}

impl StepEvent {
    pub fn named(name: &'static str) -> StepEvent {
        StepEvent {
            name,
            with_username: false,
            detail: None,
        }
    }

    fn of<'a>(&self, user: &'a UserRecord) -> Event<'a> {
        let mut event = Event::of_user(self.name, &user.id);
        if self.with_username {
            event = event.username(&user.username);
        }
        match &self.detail {
            Some(detail) => event.detail(detail.clone()),
            None => event,
        }
    }
}

/// Why a sign-in whose factors all passed must still stop: an administrator's lock, or a new
/// password an administrator required, when the password was one of the factors (a passkey
/// alone is not the password).
pub(super) fn stopped(user: &UserRecord, used_password: bool) -> Option<Refusal> {
    if user.locked.is_some() {
        return Some(Refusal::AccountLocked);
    }
    (used_password && user.password_reset_required).then_some(Refusal::PasswordResetRequired)
}

/// The event of a step that stopped for `why` (from [`stopped`]).
fn stop_event<'a>(event: Event<'a>, why: &Refusal) -> Event<'a> {
    match why {
        Refusal::AccountLocked => event
            .outcome(Outcome::Locked)
            .detail("locked by an administrator"),
        _ => event
            .outcome(Outcome::Failure)
            .detail("an administrator required a new password"),
    }
}

/// Finishes a step whose factor passed: stops it, asks for a second factor, or signs in.
pub(super) async fn close(
    state: &AppState,
    browser: Browser<'_>,
    proved: Proved<'_>,
) -> Result<Step, StoreError> {
    let now = state.clock.now();
    let user = &proved.user;
    let row = |event: Event<'_>| Row::of(now, browser.origin, event).into_parts();
    let mut write = Writes {
        proof: proved.proof,
        settlement: proved.settlement.as_ref(),
        events: Vec::new(),
        guard: None,
    };
    let event_name = proved.event.name;
    let lock = proved.lock_if_replayed;
    let refused = |written: Written, why: Refusal| async move {
        match written {
            Written::Done => Ok(Step::Refused(why)),
            Written::ProofUsed => replayed(state, browser, user, event_name, lock).await,
            Written::AccountStopped => stopped_meanwhile(state, user, proved.used_password).await,
        }
    };
    if let Some(why) = stopped(user, proved.used_password) {
        write
            .events
            .push(row(stop_event(proved.event.of(user), &why)));
        let written = write.apply(state, user, None, None, None).await?;
        return refused(written, why).await;
    }
    write.events.push(row(proved.event.of(user)));
    // From here on, the account must still be open when the step is written.
    write.guard = Some(proved.used_password);
    if proved.first_factor {
        let factors = second_factor::factors_of(state, &user.id).await?;
        match factors.second_step(state) {
            SecondStep::NotNeeded => {}
            SecondStep::Ask => {
                let written = write.apply(state, user, None, None, None).await?;
                if written != Written::Done {
                    return refused(written, Refusal::StartAgain).await;
                }
                return Ok(Step::SecondFactor(Partial {
                    user_id: user.id.clone(),
                    amr: proved.amr,
                    expires_at: now + SECOND_FACTOR_WINDOW_SECS,
                }));
            }
            SecondStep::Unavailable => {
                let event = Event::of_user("login.second_factor", &user.id)
                    .outcome(Outcome::Failure)
                    .detail("no second factor of the account can be checked on this server");
                write.events.push(row(event));
                let written = write.apply(state, user, None, None, None).await?;
                return refused(written, Refusal::FactorUnavailable).await;
            }
        }
    }
    let signing = Signing {
        amr: proved.amr,
        known_device: proved.known_device,
        fresh_at: proved.fresh_at,
    };
    match sign_in(state, browser, user, signing, write).await? {
        Ok(done) => Ok(Step::SignedIn(done)),
        Err(written) => refused(written, Refusal::StartAgain).await,
    }
}

/// Signs in the person who just signed up (with their new password, or without one), in one
/// transaction.
pub async fn after_sign_up(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    with_password: bool,
) -> Result<Done, StoreError> {
    let write = Writes {
        proof: Proof::Nothing,
        settlement: None,
        events: Vec::new(),
        guard: None,
    };
    // Without a password nothing was proved but the making of the account in this browser:
    // no method to name (the level is the lowest, `Acr::Password`).
    let amr = match with_password {
        true => vec!["pwd".into()],
        false => Vec::new(),
    };
    let signing = Signing {
        amr,
        known_device: Some(false),
        fresh_at: Some(state.clock.now()),
    };
    let done = sign_in(state, browser, user, signing, write).await?;
    done.map_err(|_| StoreError::Corrupt("a sign-up's sign-in used up nothing".into()))
}

/// What a sign-in that is written says of itself.
struct Signing {
    amr: Vec<String>,
    known_device: Option<bool>,
    fresh_at: Option<i64>,
}

/// The last writes of a sign-in: the session it replaces ended, the new login session, the
/// browser remembered; what [`Store::write_sign_in`](crate::store::Store::write_sign_in)
/// came to when it wrote nothing.
async fn sign_in(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    signing: Signing,
    mut write: Writes<'_>,
) -> Result<Result<Done, Written>, StoreError> {
    let Signing {
        amr,
        known_device,
        fresh_at,
    } = signing;
    if let Some(previous) = browser.replacing {
        let event = Event::of_user("session.ended", &previous.user_id)
            .detail("replaced by another sign-in in the same browser");
        let row = Row::of(state.clock.now(), browser.origin, event);
        write.events.push(row.into_parts());
    }
    let session = new_session(state, browser, user, amr);
    let device = device_of(state, browser, user, known_device).await?;
    let replaces = browser.replacing.map(|p| p.sid.as_str());
    let written = write
        .apply(state, user, replaces, Some(&session), device.write())
        .await?;
    if written != Written::Done {
        return Ok(Err(written));
    }
    Ok(Ok(Done {
        person: SignedIn {
            user_id: session.user_id,
            sid: session.sid,
            auth_time: session.auth_time,
            amr: session.amr,
            fresh_at: fresh_at.map(|at| at.min(session.auth_time)),
        },
        device_token: device.new_token,
    }))
}

/// The account was locked, or a new password required, while the step ran: refused as
/// [`stopped`] says, with the account as it is now.
async fn stopped_meanwhile(
    state: &AppState,
    user: &UserRecord,
    used_password: bool,
) -> Result<Step, StoreError> {
    let now = state.store.find_user_by_id(&user.id).await?;
    let why = now.as_ref().and_then(|u| stopped(u, used_password));
    Ok(Step::Refused(why.unwrap_or(Refusal::StartAgain)))
}

/// A proof used up while the step ran (a code sent twice at once): the second is a wrong
/// code, and its attempt stays counted.
async fn replayed(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    event: &'static str,
    lock: Option<Locked>,
) -> Result<Step, StoreError> {
    let mut event = Event::of_user(event, &user.id).outcome(Outcome::Failure);
    if let Some(lock) = lock {
        event = event.detail(format!("locked until {}", lock.until));
    }
    super::super::audit::record(state, browser.origin, event).await?;
    Ok(Step::Refused(Refusal::WrongCode))
}

fn new_session(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    amr: Vec<String>,
) -> LoginSessionRecord {
    let now = state.clock.now();
    LoginSessionRecord {
        sid: random_token::<16>(),
        user_id: user.id.clone(),
        auth_time: now,
        amr,
        created_at: now,
        expires_at: now + state.config.session_max.as_secs() as i64,
        ip: browser.origin.ip.map(|ip| ip.to_string()),
        user_agent: browser.origin.user_agent.clone(),
        last_seen_at: Some(now),
    }
}

/// How the browser is remembered: touched when it is known for this person already, else
/// a new device token.
struct Device {
    hash: String,
    known: bool,
    new_token: Option<String>,
}

impl Device {
    fn write(&self) -> Option<KnownDevice<'_>> {
        Some(match self.known {
            true => KnownDevice::Touch(&self.hash),
            false => KnownDevice::Insert(&self.hash),
        })
    }
}

async fn device_of(
    state: &AppState,
    browser: Browser<'_>,
    user: &UserRecord,
    known: Option<bool>,
) -> Result<Device, StoreError> {
    let presented = browser
        .device
        .and_then(|token| DeviceToken::parse(token).ok());
    let known = match (known, &presented) {
        (_, None) => false,
        (Some(known), Some(_)) => known,
        (None, Some(_)) => {
            devices::owner(state, browser.device).await?.as_deref() == Some(&user.id)
        }
    };
    if known && let Some(token) = presented {
        return Ok(Device {
            hash: hash_secret(&token),
            known: true,
            new_token: None,
        });
    }
    let token = random_token::<32>();
    Ok(Device {
        hash: hash_secret(&token),
        known: false,
        new_token: Some(token),
    })
}

/// The writes a step has gathered.
struct Writes<'a> {
    proof: Proof<'a>,
    settlement: Option<&'a Settlement>,
    events: Vec<(AuditRecord, Option<String>)>,
    /// [`SignInWrite::guard`].
    guard: Option<bool>,
}

impl Writes<'_> {
    async fn apply(
        &self,
        state: &AppState,
        user: &UserRecord,
        replaces: Option<&str>,
        session: Option<&LoginSessionRecord>,
        device: Option<KnownDevice<'_>>,
    ) -> Result<Written, StoreError> {
        let (clear, undo) = match self.settlement {
            Some(settled) => (settled.clear(), settled.undo()),
            None => (Vec::new(), Vec::new()),
        };
        let write = SignInWrite {
            user_id: &user.id,
            guard: self.guard,
            proof: self.proof,
            clear: &clear,
            undo: &undo,
            events: &self.events,
            replaces,
            session,
            device,
        };
        state.store.write_sign_in(&write, state.clock.now()).await
    }
}
