//! Farms in a real browser: a farm's owner invites a new person from the farm's page; the
//! person follows the mailed link, signs up, confirms their address through the mailed
//! link, accepts and lands in the farm. Screenshots of the farm pages: the person's farms,
//! a farm's members, the invitation, and the console's farms list (pending first).

use fantoccini::Locator;
use farm_auth::accounts::signup::{self, Applicant, SignUp};
use farm_auth::accounts::users::Role;

use super::button;
use super::driver::Browser;
use crate::support::{Options, PASSWORD, TEST_ORIGIN, TestApp, link_in};

const INVITEE: &str = "wren_picker";
const INVITEE_EMAIL: &str = "wren@farm.example";

#[tokio::test]
#[cfg_attr(
    not(farm_auth_browser),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
async fn a_farmer_invites_a_new_person_who_signs_up_from_the_mail_and_lands_in_the_farm() {
    let app = TestApp::spawn_with(Options {
        localhost_issuer: true,
        ..Default::default()
    })
    .await;
    app.person("olive_owner", Role::Consumer).await;
    let farm = app.active_farm("Green Acres", "olive_owner").await;

    // The owner opens their farms, then the farm, and invites by email.
    let owner = Browser::launch("farm-owner").await;
    owner.goto(&format!("{}/login", app.issuer)).await;
    owner.log_in("olive_owner", PASSWORD).await;
    owner
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    owner.click(Locator::Css("a#my-farms")).await;
    owner.wait_for_text("Green Acres").await;
    owner.page("farms-mine").await;
    owner.click(Locator::LinkText("Green Acres")).await;
    owner
        .wait_for_url(
            &format!("{}/account/farms/{farm}", app.issuer),
            "the farm's page",
        )
        .await;
    owner.page("farm-members").await;
    owner
        .fill(Locator::Css("#invite-email"), INVITEE_EMAIL)
        .await;
    owner
        .click(Locator::XPath(&button("Send invitation")))
        .await;
    owner.wait_for_text("We mailed an invitation").await;
    owner.page("farm-invited").await;
    owner.close().await;

    // The new person follows the mailed link and signs up from it.
    let mail = app.wait_for_mail(INVITEE_EMAIL, 1).await;
    let link = link_in(&mail, &format!("{}/farms/invitations/", app.issuer));
    let person = Browser::launch("farm-invitee").await;
    person.goto(&link).await;
    person.wait_for_text("You are invited to join").await;
    person.page("farm-invitation").await;
    person.click(Locator::LinkText("Create an account")).await;
    person
        .fill(Locator::Css(r#"input[autocomplete="username"]"#), INVITEE)
        .await;
    person
        .fill(
            Locator::Css(r#"input[autocomplete="email"]"#),
            INVITEE_EMAIL,
        )
        .await;
    person
        .fill(
            Locator::Css(r#"input[autocomplete="new-password"]"#),
            PASSWORD,
        )
        .await;
    person
        .click(Locator::Css(
            r#"form:has(input[autocomplete="new-password"]) button[type="submit"]"#,
        ))
        .await;
    person.wait_for_url(&link, "back on the invitation").await;
    person
        .wait_for_text("Confirm your email address first")
        .await;
    person.page("farm-invitation-confirm-first").await;

    // The confirmation mail brings them back to the invitation, which they accept.
    let mail = app.wait_for_mail(INVITEE_EMAIL, 2).await;
    let confirm = link_in(&mail, &format!("{}/email/verify?token=", app.issuer));
    person.goto(&confirm).await;
    person
        .click(Locator::XPath(&button("Confirm my address")))
        .await;
    person
        .wait_for_url(&link, "back on the invitation again")
        .await;
    person
        .click(Locator::XPath(&button("Join Green Acres")))
        .await;
    person
        .wait_for_url(
            &format!("{}/account/farms/{farm}", app.issuer),
            "the farm's page",
        )
        .await;
    person.wait_for_text("Welcome to Green Acres").await;
    person.page("farm-joined").await;
    person.close().await;
    let wren = app.user(INVITEE).await;
    assert!(
        app.member_rows(&farm)
            .await
            .contains(&(wren.id, "staff".into()))
    );

    // The console lists farms, pending first.
    signup::sign_up(
        &app.state,
        &TEST_ORIGIN,
        &Applicant::App("tests".into()),
        SignUp {
            username: "fern_new".into(),
            email: "fern@farm.example".into(),
            password: Some(PASSWORD.into()),
            role: "farmer".into(),
            farm_name: "Fern Hollow".into(),
        },
    )
    .await
    .unwrap();
    app.person("olga_admin", Role::Admin).await;
    let admin = Browser::launch("farm-admin").await;
    admin.goto(&format!("{}/login", app.issuer)).await;
    admin.log_in_as_admin(&app, "olga_admin").await;
    admin
        .wait_for_url(&format!("{}/account", app.issuer), "the account page")
        .await;
    admin.goto(&format!("{}/admin/farms", app.issuer)).await;
    admin.wait_for_text("Fern Hollow").await;
    let text = admin.body_text().await;
    assert!(
        text.find("Fern Hollow") < text.find("Green Acres"),
        "{text}"
    );
    admin.page("admin-farms").await;
    admin
        .click(Locator::XPath(&button("Approve Fern Hollow")))
        .await;
    admin.wait_for_text("The farm is approved").await;
    admin.page("admin-farms-approved").await;
    admin.close().await;
}
