//! Invitations: owners and managers invite by email with a role no higher than their own;
//! the mailed link works once, until it expires, for its farm and for an account with the
//! invited address confirmed; a new person signs up through it and lands in the farm.
//! Re-inviting replaces, a farm has at most 50 open, withdrawn links stop working.

use farm_auth::accounts::farm_invitations::{self, InvitationError, MAX_OPEN_INVITATIONS};
use farm_auth::accounts::farms::{self, FarmError};
use farm_auth::accounts::users::Role;
use farm_auth::domain::FarmRole::{Manager, Owner, Staff};
use reqwest::StatusCode;

use super::green_acres;
use crate::support::{
    PASSWORD, TEST_ORIGIN, TestApp, UserAgent, csrf_of, link_in, member, signed_in,
};

/// The invitation link of the `n`-th mail to `email`.
async fn invitation_link(app: &TestApp, email: &str, n: usize) -> String {
    let mail = app.wait_for_mail(email, n).await;
    assert!(mail.contains("Subject: Join Green Acres"), "{mail}");
    link_in(&mail, &format!("{}/farms/invitations/", app.issuer))
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

/// Olive (owner of Green Acres) invites `email` as `role` on the farm's page.
async fn invite_on_page(app: &TestApp, farm: &str, email: &str, role: &str) -> String {
    let olive = signed_in(app, "olive").await.agent;
    let path = format!("/account/farms/{farm}");
    let (_, status, page) = olive.navigate(&path).await.page();
    assert_eq!(status, StatusCode::OK, "{page}");
    let action = format!("/account/farms/{farm}/invitations");
    let (landed, _, page) = olive
        .submit(&page, &action, &[("email", email), ("role", role)])
        .await
        .page();
    assert_eq!(landed, path);
    assert!(page.contains("We mailed an invitation"), "{page}");
    page
}

#[tokio::test]
async fn a_new_person_follows_the_mailed_link_signs_up_confirms_and_lands_in_the_farm() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let page = invite_on_page(&app, &farm, "wren@farm.example", "staff").await;
    assert!(
        page.contains("wren@farm.example"),
        "the open invitation is listed"
    );
    let link = invitation_link(&app, "wren@farm.example", 1).await;

    let wren = UserAgent::new(&app);
    let (_, status, page) = wren.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Green Acres") && page.contains("href=\"/signup\""),
        "{page}"
    );
    let (_, _, signup) = wren.navigate("/signup").await.page();
    let (landed, _, page) = wren
        .submit(
            &signup,
            "/signup",
            &[
                ("username", "wren"),
                ("email", "wren@farm.example"),
                ("password", PASSWORD),
                ("role", "consumer"),
            ],
        )
        .await
        .page();
    // Back on the invitation, which asks for the address to be confirmed first.
    assert_eq!(landed, format!("/farms/invitations/{}", token_of(&link)));
    assert!(page.contains("Confirm your email address first"), "{page}");
    let mail = app.wait_for_mail("wren@farm.example", 2).await;
    let confirm = link_in(&mail, &format!("{}/email/verify?token=", app.issuer));
    let (_, _, page) = wren.navigate(&confirm).await.page();
    let (landed, _, page) = wren.submit(&page, "/email/verify", &[]).await.page();
    assert_eq!(landed, format!("/farms/invitations/{}", token_of(&link)));
    let action = format!("/farms/invitations/{}", token_of(&link));
    let (landed, _, page) = wren.submit(&page, &action, &[]).await.page();
    assert_eq!(landed, format!("/account/farms/{farm}"));
    assert!(page.contains("Welcome to Green Acres"), "{page}");
    let wren_id = app.user("wren").await.id;
    assert!(
        app.member_rows(&farm)
            .await
            .contains(&(wren_id, "staff".into()))
    );
    // Staff of an active farm get no platform role.
    assert_eq!(app.user("wren").await.roles, vec!["consumer"]);
    assert_eq!(app.trail("farm.invitation_accepted").await.len(), 1);
    assert_eq!(app.trail("farm.invitation_sent").await.len(), 1);
}

#[tokio::test]
async fn an_invitation_works_once_and_not_after_it_expires() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    for name in ["wren", "robin"] {
        app.stored_user(&format!("id-{name}"), name, &format!("{name}@farm.example"))
            .await;
    }
    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "wren@farm.example",
        Manager,
    )
    .await
    .unwrap();
    let token = token_of(&invitation_link(&app, "wren@farm.example", 1).await).to_string();
    let wren = app.user("wren").await;
    farm_invitations::accept(&app.state, &wren, &TEST_ORIGIN, &token)
        .await
        .unwrap();
    let after = app.member_rows(&farm).await;
    let again = farm_invitations::accept(&app.state, &wren, &TEST_ORIGIN, &token).await;
    assert!(matches!(again, Err(InvitationError::Invalid)), "{again:?}");
    assert_eq!(app.member_rows(&farm).await, after);

    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "robin@farm.example",
        Staff,
    )
    .await
    .unwrap();
    let token = token_of(&invitation_link(&app, "robin@farm.example", 1).await).to_string();
    app.clock.advance(7 * 86_400 + 1);
    let robin = app.user("robin").await;
    let late = farm_invitations::accept(&app.state, &robin, &TEST_ORIGIN, &token).await;
    assert!(matches!(late, Err(InvitationError::Invalid)), "{late:?}");
    assert_eq!(app.member_rows(&farm).await, after);
    // The sweep deletes what expired.
    let swept = app
        .store
        .delete_expired_invitations(app.clock.now())
        .await
        .unwrap();
    assert_eq!(swept, 2);
}

#[tokio::test]
async fn an_invitation_is_refused_to_another_address_and_to_an_unconfirmed_one() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    app.person("wren", Role::Consumer).await; // wren@farm.example, not confirmed
    app.stored_user("id-xena", "xena", "xena@farm.example")
        .await;
    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "WREN@farm.example",
        Staff,
    )
    .await
    .unwrap();
    let token = token_of(&invitation_link(&app, "wren@farm.example", 1).await).to_string();
    let before = app.member_rows(&farm).await;
    let xena = app.user("xena").await;
    let other = farm_invitations::accept(&app.state, &xena, &TEST_ORIGIN, &token).await;
    assert!(
        matches!(other, Err(InvitationError::OtherAddress)),
        "{other:?}"
    );
    let wren = app.user("wren").await;
    let unconfirmed = farm_invitations::accept(&app.state, &wren, &TEST_ORIGIN, &token).await;
    assert!(
        matches!(unconfirmed, Err(InvitationError::Unconfirmed)),
        "{unconfirmed:?}"
    );
    assert_eq!(app.member_rows(&farm).await, before);
    assert_eq!(app.trail("farm.action_refused").await.len(), 2);
    // On the page, the wrong account is told so, and nothing changes.
    let wren_agent = signed_in(&app, "wren").await.agent;
    let (_, _, page) = wren_agent
        .navigate(&format!("/farms/invitations/{token}"))
        .await
        .page();
    assert!(page.contains("Confirm your email address first"), "{page}");
    let csrf = csrf_of(&page, "/account/email/verify");
    let response = wren_agent
        .post(
            &format!("/farms/invitations/{token}"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.text().await.unwrap();
    assert!(body.contains("Confirm your email address first"), "{body}");
    assert_eq!(app.member_rows(&farm).await, before);
}

#[tokio::test]
async fn managers_invite_up_to_their_own_role_and_staff_invite_no_one() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (mia, sam) = (app.user("mia").await, app.user("sam").await);
    let refused =
        farm_invitations::invite(&app.state, member(&mia), &farm, "a@farm.example", Owner).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    let refused =
        farm_invitations::invite(&app.state, member(&sam), &farm, "a@farm.example", Staff).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    let now = app.clock.now();
    assert!(
        app.store
            .open_invitations(&farm, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.trail("farm.action_refused").await.len(), 2);
    assert!(app.mails().is_empty(), "no mail for a refused invitation");
    farm_invitations::invite(&app.state, member(&mia), &farm, "a@farm.example", Manager)
        .await
        .unwrap();
    // An outsider is told the farm does not exist.
    let xavier = app.user("xavier").await;
    let refused =
        farm_invitations::invite(&app.state, member(&xavier), &farm, "b@farm.example", Staff).await;
    assert!(matches!(refused, Err(FarmError::NoSuchFarm)), "{refused:?}");
    // Hostile addresses are refused plainly.
    let olive = app.user("olive").await;
    for email in [
        "",
        "\0@x",
        "not an address",
        &format!("{}@x.example", "a".repeat(1 << 20)),
    ] {
        let refused =
            farm_invitations::invite(&app.state, member(&olive), &farm, email, Staff).await;
        assert!(
            matches!(refused, Err(FarmError::Invalid(_))),
            "{email:.20}: {refused:?}"
        );
    }
}

#[tokio::test]
async fn inviting_an_address_again_replaces_its_invitation_and_a_farm_has_at_most_fifty_open() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    let invite = |email: String| {
        let (state, olive, farm) = (app.state.clone(), olive.clone(), farm.clone());
        async move { farm_invitations::invite(&state, member(&olive), &farm, &email, Staff).await }
    };
    invite("wren@farm.example".into()).await.unwrap();
    let first = token_of(&invitation_link(&app, "wren@farm.example", 1).await).to_string();
    invite("wren@farm.example".into()).await.unwrap();
    assert!(
        farm_invitations::find(&app.state, &first)
            .await
            .unwrap()
            .is_none()
    );
    let now = app.clock.now();
    assert_eq!(
        app.store.open_invitations(&farm, now).await.unwrap().len(),
        1
    );
    for n in 1..MAX_OPEN_INVITATIONS {
        invite(format!("p{n}@farm.example")).await.unwrap();
    }
    let full = invite("one-too-many@farm.example".into()).await;
    assert!(matches!(full, Err(FarmError::Invalid(_))), "{full:?}");
    let open = app.store.open_invitations(&farm, now).await.unwrap();
    assert_eq!(open.len() as i64, MAX_OPEN_INVITATIONS);
}

#[tokio::test]
async fn a_withdrawn_invitation_stops_working_and_another_farms_invitation_cannot_be_withdrawn() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    app.person("bert", Role::Consumer).await;
    let other = app.active_farm("Blue Hills", "bert").await;
    let bert = app.user("bert").await;
    let theirs =
        farm_invitations::invite(&app.state, member(&bert), &other, "z@farm.example", Staff)
            .await
            .unwrap();
    let ours = farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "wren@farm.example",
        Staff,
    )
    .await
    .unwrap();
    let token = token_of(&invitation_link(&app, "wren@farm.example", 1).await).to_string();
    // Olive names Blue Hills' invitation under her own farm: no such invitation.
    let refused = farm_invitations::withdraw(&app.state, member(&olive), &farm, &theirs.id).await;
    assert!(
        matches!(refused, Err(FarmError::NoSuchInvitation)),
        "{refused:?}"
    );
    let refused = farm_invitations::withdraw(&app.state, member(&olive), &other, &theirs.id).await;
    assert!(matches!(refused, Err(FarmError::NoSuchFarm)), "{refused:?}");
    let now = app.clock.now();
    assert_eq!(
        app.store.open_invitations(&other, now).await.unwrap().len(),
        1
    );
    let sam = app.user("sam").await;
    let refused = farm_invitations::withdraw(&app.state, member(&sam), &farm, &ours.id).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    farm_invitations::withdraw(&app.state, member(&olive), &farm, &ours.id)
        .await
        .unwrap();
    assert!(
        farm_invitations::find(&app.state, &token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.trail("farm.invitation_withdrawn").await.len(), 1);
    let (_, status, _) = UserAgent::new(&app)
        .navigate(&format!("/farms/invitations/{token}"))
        .await
        .page();
    assert_eq!(status, StatusCode::NOT_FOUND);
    for hostile in ["%00", &"x".repeat(4096), "..%2f"] {
        let (_, status, _) = UserAgent::new(&app)
            .navigate(&format!("/farms/invitations/{hostile}"))
            .await
            .page();
        assert!(status.is_client_error(), "{status}");
    }
}

#[tokio::test]
async fn an_invitation_as_owner_of_an_active_farm_makes_a_farmer() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    app.stored_user("id-wren", "wren", "wren@farm.example")
        .await;
    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "wren@farm.example",
        Owner,
    )
    .await
    .unwrap();
    let token = token_of(&invitation_link(&app, "wren@farm.example", 1).await).to_string();
    let wren = app.user("wren").await;
    let joined = farm_invitations::accept(&app.state, &wren, &TEST_ORIGIN, &token)
        .await
        .unwrap();
    assert_eq!(joined.id, farm);
    assert_eq!(app.user("wren").await.roles, vec!["farmer"]);
    let _ = farms::members(&app.state, member(&wren), &farm)
        .await
        .unwrap();
}

#[tokio::test]
async fn invitations_to_one_address_are_limited_so_a_mailbox_cannot_be_flooded() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let olive = app.user("olive").await;
    for _ in 0..3 {
        farm_invitations::invite(
            &app.state,
            member(&olive),
            &farm,
            "victim@mail.example",
            Staff,
        )
        .await
        .unwrap();
    }
    let mails = app.store.list_audit_events(None, 500).await.unwrap().len();
    let refused = farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "victim@mail.example",
        Staff,
    )
    .await;
    assert!(
        matches!(refused, Err(FarmError::Throttled { retry_after }) if retry_after > 0),
        "{refused:?}"
    );
    // Refused, and in the trail; another address is still fine.
    assert_eq!(app.trail("farm.action_refused").await.len(), 1);
    assert!(app.store.list_audit_events(None, 500).await.unwrap().len() > mails);
    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "other@mail.example",
        Staff,
    )
    .await
    .unwrap();
    // An hour later, the address may be invited again.
    app.clock.advance(3_601);
    farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "victim@mail.example",
        Staff,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_manager_cannot_withdraw_an_owners_invitation() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (olive, mia) = (app.user("olive").await, app.user("mia").await);
    let as_owner =
        farm_invitations::invite(&app.state, member(&olive), &farm, "co@farm.example", Owner)
            .await
            .unwrap();
    let as_staff = farm_invitations::invite(
        &app.state,
        member(&olive),
        &farm,
        "hand@farm.example",
        Staff,
    )
    .await
    .unwrap();
    let refused = farm_invitations::withdraw(&app.state, member(&mia), &farm, &as_owner.id).await;
    assert!(
        matches!(refused, Err(FarmError::Forbidden(_))),
        "{refused:?}"
    );
    let open = app
        .store
        .open_invitations(&farm, app.clock.now())
        .await
        .unwrap();
    assert_eq!(open.len(), 2, "nothing withdrawn");
    farm_invitations::withdraw(&app.state, member(&mia), &farm, &as_staff.id)
        .await
        .unwrap();
    farm_invitations::withdraw(&app.state, member(&olive), &farm, &as_owner.id)
        .await
        .unwrap();
    assert!(
        app.store
            .open_invitations(&farm, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
}
