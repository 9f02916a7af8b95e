//! Members and roles: a farm always keeps an owner, nobody acts above their role or raises
//! their own, ownership is handed over in one step, and another farm is unknown. The rows
//! are checked after every refusal, and each refusal is in the trail.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::farms::{self, Acting, FarmError};
use farm_auth::domain::FarmRole::{Manager, Owner, Staff};

use super::green_acres;
use crate::support::{TestApp, member};

#[tokio::test]
async fn an_owner_changes_roles_and_removes_members_and_the_trail_says_who() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (olive, sam) = (app.user("olive").await, app.user("sam").await);
    farms::change_role(&app.state, member(&olive), &farm, &sam.id, Manager)
        .await
        .unwrap();
    farms::remove_member(&app.state, member(&olive), &farm, &sam.id)
        .await
        .unwrap();
    let rows = app.member_rows(&farm).await;
    assert!(rows.iter().all(|(id, _)| *id != sam.id), "{rows:?}");
    let changed = &app.trail("farm.role_changed").await[0];
    assert_eq!(changed.actor_id.as_deref(), Some(olive.id.as_str()));
    assert_eq!(changed.user_id.as_deref(), Some(sam.id.as_str()));
    assert!(changed.detail.as_deref().unwrap().contains(&farm));
    let removed = &app.trail("farm.member_removed").await[0];
    assert!(
        removed
            .detail
            .as_deref()
            .unwrap()
            .starts_with(&format!("farm {farm}"))
    );
}

#[tokio::test]
async fn a_manager_never_promotes_anyone_above_their_own_role_or_touches_an_owner() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (mia, sam, olive) = (
        app.user("mia").await,
        app.user("sam").await,
        app.user("olive").await,
    );
    let before = app.member_rows(&farm).await;
    let refusals = [
        farms::change_role(&app.state, member(&mia), &farm, &sam.id, Owner).await,
        farms::change_role(&app.state, member(&mia), &farm, &olive.id, Staff).await,
        farms::remove_member(&app.state, member(&mia), &farm, &olive.id).await,
    ];
    for refused in refusals {
        assert!(
            matches!(refused, Err(FarmError::Forbidden(_))),
            "{refused:?}"
        );
    }
    assert_eq!(app.member_rows(&farm).await, before);
    let refused = app.trail("farm.action_refused").await;
    assert_eq!(refused.len(), 3);
    assert!(
        refused
            .iter()
            .all(|e| e.outcome == "failure" && e.actor_id.as_deref() == Some(mia.id.as_str()))
    );
    // What a manager may do, they do: staff made manager, then removed.
    farms::change_role(&app.state, member(&mia), &farm, &sam.id, Manager)
        .await
        .unwrap();
    farms::remove_member(&app.state, member(&mia), &farm, &sam.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn nobody_raises_their_own_role_and_staff_manage_no_one() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (mia, sam) = (app.user("mia").await, app.user("sam").await);
    let before = app.member_rows(&farm).await;
    for (who, role) in [(&mia, Owner), (&sam, Manager), (&sam, Owner)] {
        let refused = farms::change_role(&app.state, member(who), &farm, &who.id, role).await;
        assert!(
            matches!(refused, Err(FarmError::Forbidden(_))),
            "{refused:?}"
        );
    }
    let refused = farms::change_role(&app.state, member(&sam), &farm, &mia.id, Staff).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(app.member_rows(&farm).await, before);
    assert_eq!(app.trail("farm.action_refused").await.len(), 4);
    // Stepping down is allowed.
    farms::change_role(&app.state, member(&mia), &farm, &mia.id, Staff)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_last_owner_can_neither_leave_nor_be_removed_nor_be_demoted() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    let before = app.member_rows(&farm).await;
    let origin = crate::support::TEST_ORIGIN.clone();
    let refusals = [
        farms::leave(&app.state, &olive, &origin, &farm).await,
        farms::change_role(&app.state, member(&olive), &farm, &olive.id, Manager).await,
        farms::remove_member(&app.state, platform(), &farm, &olive.id).await,
    ];
    for refused in refusals {
        assert!(matches!(refused, Err(FarmError::LastOwner)), "{refused:?}");
    }
    assert_eq!(app.member_rows(&farm).await, before);
    let refused = app.trail("farm.action_refused").await;
    assert_eq!(refused.len(), 3);
    assert!(refused[0].detail.as_deref().unwrap().contains("last owner"));
}

#[tokio::test]
async fn two_owners_removing_each_other_at_once_leave_one_owner() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (olive, mia) = (app.user("olive").await, app.user("mia").await);
    farms::change_role(&app.state, member(&olive), &farm, &mia.id, Owner)
        .await
        .unwrap();
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            farms::remove_member(&app.state, member(&olive), &farm, &mia.id),
            farms::change_role(&app.state, member(&mia), &farm, &olive.id, Staff),
        );
        let owners = app
            .member_rows(&farm)
            .await
            .into_iter()
            .filter(|(_, role)| role == "owner")
            .count();
        assert!(owners >= 1, "no owner left after {a:?} and {b:?}");
        assert!(a.is_err() || b.is_err(), "both succeeded: {a:?} {b:?}");
        if a.is_ok() {
            app.add_member(&farm, "mia", Owner).await;
        } else {
            farms::change_role(&app.state, member(&mia), &farm, &olive.id, Owner)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn an_owner_hands_the_farm_over_and_steps_down_in_one_step() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (olive, sam) = (app.user("olive").await, app.user("sam").await);
    farms::hand_over(&app.state, member(&olive), &farm, &sam.id, true)
        .await
        .unwrap();
    let rows = app.member_rows(&farm).await;
    assert!(rows.contains(&(sam.id.clone(), "owner".into())), "{rows:?}");
    assert!(
        rows.contains(&(olive.id.clone(), "manager".into())),
        "{rows:?}"
    );
    // The new owner of an active farm is a farmer on the platform.
    assert_eq!(app.user("sam").await.roles, vec!["farmer"]);
    assert_eq!(app.trail("farm.handed_over").await.len(), 1);
    // A manager cannot hand over.
    let before = app.member_rows(&farm).await;
    let refused = farms::hand_over(&app.state, member(&olive), &farm, &olive.id, false).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(app.member_rows(&farm).await, before);
}

#[tokio::test]
async fn a_manager_of_one_farm_acting_on_another_is_told_it_does_not_exist() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    app.person("bert", farm_auth::accounts::users::Role::Consumer)
        .await;
    let other = app.active_farm("Blue Hills", "bert").await;
    let (mia, bert) = (app.user("mia").await, app.user("bert").await);
    let before = (app.member_rows(&farm).await, app.member_rows(&other).await);
    let refusals = [
        farms::change_role(&app.state, member(&mia), &other, &bert.id, Staff).await,
        farms::remove_member(&app.state, member(&mia), &other, &bert.id).await,
        farms::hand_over(&app.state, member(&mia), &other, &mia.id, false).await,
    ];
    for refused in refusals {
        assert!(matches!(refused, Err(FarmError::NoSuchFarm)), "{refused:?}");
    }
    // The same answer as for a farm that does not exist at all.
    let unknown = farms::members(&app.state, member(&mia), "no-such-farm").await;
    assert!(matches!(unknown, Err(FarmError::NoSuchFarm)));
    let theirs = farms::members(&app.state, member(&mia), &other).await;
    assert!(matches!(theirs, Err(FarmError::NoSuchFarm)));
    assert_eq!(
        (app.member_rows(&farm).await, app.member_rows(&other).await),
        before
    );
    let refused = app.trail("farm.action_refused").await;
    assert_eq!(refused.len(), 3);
    assert!(
        refused
            .iter()
            .all(|e| e.detail.as_deref().unwrap().contains(&other))
    );
}

#[tokio::test]
async fn hostile_ids_name_no_farm_and_no_member_without_a_failure() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    let before = app.member_rows(&farm).await;
    let huge = "a".repeat(1 << 20);
    for id in ["", "\0", "farm\u{202e}id", huge.as_str(), "../x", "a b"] {
        let refused = farms::members(&app.state, member(&olive), id).await;
        assert!(matches!(refused, Err(FarmError::NoSuchFarm)), "{refused:?}");
        let refused = farms::remove_member(&app.state, member(&olive), &farm, id).await;
        assert!(
            matches!(refused, Err(FarmError::NoSuchMember)),
            "{refused:?}"
        );
    }
    assert_eq!(app.member_rows(&farm).await, before);
    for name in ["", "\0", "Farm\u{202e}moc", &"x".repeat(1 << 20)] {
        assert!(matches!(
            farms::parse_name(name),
            Err(FarmError::Invalid(_))
        ));
    }
}

fn platform() -> Acting<'static> {
    Acting::Platform(Actor::CommandLine)
}

#[tokio::test]
async fn a_change_allowed_on_roles_that_changed_meanwhile_is_not_made() {
    // The permission check reads roles before the farm's row is locked; the store makes the
    // change only if the acting member and the target still hold the roles it saw.
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (mia, sam) = (app.user("mia").await, app.user("sam").await);
    // Mia was a manager when she asked to promote Sam; she has been made staff since.
    app.store
        .set_member_role(&farm, &mia.id, Staff, &[], 0)
        .await
        .unwrap();
    let before = app.member_rows(&farm).await;
    let seen = [(sam.id.as_str(), Staff), (mia.id.as_str(), Manager)];
    for change in [
        app.store
            .set_member_role(&farm, &sam.id, Manager, &seen, 0)
            .await
            .unwrap(),
        app.store
            .delete_member(&farm, &sam.id, &seen, 0)
            .await
            .unwrap(),
        app.store
            .hand_over_farm(&farm, &mia.id, &sam.id, Some(Manager), &seen, 0)
            .await
            .unwrap(),
    ] {
        assert_eq!(change, farm_auth::store::farms::MemberChange::Changed);
    }
    assert_eq!(app.member_rows(&farm).await, before);
}
