//! Sign-up mails a link that confirms the address; `email_verified` follows it.

use crate::support::{TestApp, UserAgent, link_in};
use reqwest::StatusCode;

#[tokio::test]
async fn signing_up_mails_a_link_that_confirms_the_address_once() {
    let app = TestApp::spawn().await;
    let agent = UserAgent::new(&app);
    let (_, _, body) = agent.navigate("/signup").await.page();
    let landing = agent
        .submit(
            &body,
            "/signup",
            &[
                ("username", "wren"),
                ("email", "wren@farm.example"),
                ("password", "potatoes grow underground"),
                ("role", "farmer"),
                ("farm_name", "Wren's Orchard"),
            ],
        )
        .await;
    let (path, _, _) = landing.page();
    assert_eq!(path, "/account");
    let user = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .unwrap();
    assert!(!user.email_verified);

    let mail = app.wait_for_mail("wren@farm.example", 1).await;
    assert!(
        mail.contains("Subject: Confirm your email address"),
        "{mail}"
    );
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "{mail}");
    let link = link_in(&mail, &format!("{}/email/verify?token=", app.issuer));
    // The whole link, unbroken, in both bodies.
    assert_eq!(mail.matches(&link).count(), 3, "{mail}");

    // Following the link shows a button; only the click confirms (mail scanners fetch links).
    let path = link.strip_prefix(&app.issuer).unwrap();
    let (_, status, page) = agent.navigate(path).await.page();
    assert_eq!(status, StatusCode::OK);
    let user = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .unwrap();
    assert!(!user.email_verified);
    let (_, status, _) = agent.submit(&page, "/email/verify", &[]).await.page();
    assert_eq!(status, StatusCode::OK);
    let user = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);

    // Used once.
    let (_, status, again) = agent.submit(&page, "/email/verify", &[]).await.page();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(again.contains("does not work any more"), "{again}");
}
