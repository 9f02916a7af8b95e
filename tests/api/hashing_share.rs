//! Sign-ins keep their share of the password hashers (DECISIONS §85): a flood at the
//! sign-up page, refused by its limits before any hash or held to its own hashing queue,
//! never makes a person's sign-in fail with 503.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::support::{PASSWORD, TestApp, UserAgent, hidden_fields, signup_form, solve_challenge};

#[tokio::test]
async fn a_flood_of_sign_ups_from_one_address_leaves_every_sign_in_of_a_real_person_working() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    // The person's ten browsers, each on the login page.
    let mut logins = Vec::new();
    for _ in 0..10 {
        let agent = UserAgent::new(&app);
        let (_, _, page) = agent.navigate("/login").await.page();
        let mut form = hidden_fields(&page, "/login");
        form.push(("username".into(), "ada".into()));
        form.push(("password".into(), PASSWORD.into()));
        logins.push((agent.http.clone(), form));
    }
    // One solved sign-up form, sent 200 times at once under as many names.
    let bot = UserAgent::new(&app);
    let mut form = signup_form(&bot, "bot").await;
    solve_challenge(&mut form);
    let mut flood = JoinSet::new();
    for n in 0..200 {
        let mut form = form.clone();
        for (name, value) in form.iter_mut() {
            match name.as_str() {
                "username" => *value = format!("bot{n}"),
                "email" => *value = format!("bot{n}@spam.example"),
                _ => {}
            }
        }
        let (http, url) = (bot.http.clone(), app.url("/signup"));
        flood.spawn(async move { http.post(url).form(&form).send().await.unwrap().status() });
    }
    // One after the other while the flood is under way (at once, they would be attempts
    // the brute-force defence counts before checking).
    for (n, (http, form)) in logins.into_iter().enumerate() {
        let signed_in = http
            .post(app.url("/login"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "sign-in {n}");
        assert_eq!(signed_in.headers()["location"], "/account", "sign-in {n}");
    }
    while let Some(status) = flood.join_next().await {
        let status = status.unwrap();
        // Refused back to the form (the challenge was used) or over the address's limit.
        assert!(
            [StatusCode::SEE_OTHER, StatusCode::TOO_MANY_REQUESTS].contains(&status),
            "{status}"
        );
    }
    let mut created = 0;
    for n in 0..200 {
        let found = app.store.find_user_by_username(&format!("bot{n}")).await;
        created += usize::from(found.unwrap().is_some());
    }
    // One challenge, one account.
    assert_eq!(created, 1);
}
