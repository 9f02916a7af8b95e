//! The security trail: sign-ins, failures, lockouts and second-factor changes land in
//! `audit_events` with who, what, how it went and from where, and never a secret.

use crate::support::{
    PASSWORD, SignIn, TestApp, UserAgent, code_element, enrol, give_code, password_step, signed_in,
    start_enrolment, wrong_code,
};
use farm_auth::accounts::totp::code_at;
use farm_auth::accounts::users::Role;
use farm_auth::store::audit::AuditRecord;

const WRONG_PASSWORD: &str = "tulips in november";

/// The rows of `event` with `outcome`, newest first.
fn rows<'a>(events: &'a [AuditRecord], event: &str, outcome: &str) -> Vec<&'a AuditRecord> {
    events
        .iter()
        .filter(|e| e.event == event && e.outcome == outcome)
        .collect()
}

/// Asserts that no column of any row holds any of `secrets` (nor a long enough piece of
/// one). Timestamps in `detail` are taken out first: a six-digit code could be part of one
/// by chance.
#[track_caller]
fn assert_no_secrets(events: &[AuditRecord], secrets: &[String]) {
    for row in events {
        let detail = row.detail.as_deref().map(|detail| {
            detail
                .split(' ')
                .map(
                    |word| match word.len() >= 10 && word.bytes().all(|b| b.is_ascii_digit()) {
                        true => "#",
                        false => word,
                    },
                )
                .collect::<Vec<_>>()
                .join(" ")
        });
        let columns = [
            Some(row.event.as_str()),
            Some(row.outcome.as_str()),
            row.user_id.as_deref(),
            row.username.as_deref(),
            row.ip.as_deref(),
            row.client_id.as_deref(),
            detail.as_deref(),
        ];
        for column in columns.into_iter().flatten() {
            let column = column.to_uppercase();
            for secret in secrets {
                let secret = secret.to_uppercase();
                assert!(!column.contains(&secret), "{secret:?} in {row:?}");
            }
        }
    }
}

/// Asserts the row came from the test's own address.
#[track_caller]
fn assert_from_here(row: &AuditRecord) {
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"), "{row:?}");
}

#[tokio::test]
async fn sign_ins_failures_and_lockouts_are_recorded_with_who_and_from_where() {
    let app = TestApp::spawn().await;
    let marigold = app.person("marigold", Role::Farmer).await;
    let clover = app.person("clover", Role::Consumer).await;
    let before = app.clock.now();

    // A success.
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, _) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/account");
    // Someone nobody knows.
    let stranger = UserAgent::new(&app);
    let landing = stranger.navigate("/login").await;
    let (path, _, _) = stranger
        .log_in(landing, "Nobody-Here", WRONG_PASSWORD)
        .await
        .page();
    assert_eq!(path, "/login");
    // Five failures lock clover out; the sixth attempt, with the right password, is refused.
    let attacker = UserAgent::new(&app);
    for _ in 0..5 {
        let landing = attacker.navigate("/login").await;
        attacker.log_in(landing, "clover", WRONG_PASSWORD).await;
    }
    let landing = attacker.navigate("/login").await;
    let (_, _, page) = attacker.log_in(landing, "clover", PASSWORD).await.page();
    assert!(page.contains("Too many failed sign-ins"), "{page}");

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let signed_in = rows(&events, "login.password", "success");
    assert_eq!(signed_in.len(), 1, "{events:#?}");
    assert_eq!(signed_in[0].user_id.as_deref(), Some(marigold.as_str()));
    assert_eq!(signed_in[0].username.as_deref(), Some("marigold"));
    assert_from_here(signed_in[0]);
    assert!(signed_in[0].at >= before);

    let failures = rows(&events, "login.password", "failure");
    let unknown: Vec<_> = failures
        .iter()
        .filter(|e| {
            e.username
                .as_deref()
                .is_some_and(|u| u.starts_with("unknown:"))
        })
        .collect();
    assert_eq!(unknown.len(), 1, "{events:#?}");
    assert_eq!(unknown[0].user_id, None);
    assert_from_here(unknown[0]);

    let clover_failures: Vec<_> = failures
        .iter()
        .filter(|e| e.username.as_deref() == Some("clover"))
        .collect();
    assert_eq!(clover_failures.len(), 5, "{events:#?}");
    for row in &clover_failures {
        assert_from_here(row);
        // Failures against a real account are in that account's own trail.
        assert_eq!(row.user_id.as_deref(), Some(clover.as_str()));
    }
    // Newest first: the fifth failure earned the lock, and says until when.
    let until = app.clock.now() + 30;
    assert_eq!(
        clover_failures[0].detail.as_deref(),
        Some(format!("locked until {until}").as_str())
    );
    assert!(clover_failures[1..].iter().all(|row| row.detail.is_none()));

    let locked = rows(&events, "login.password", "locked");
    assert_eq!(locked.len(), 1, "{events:#?}");
    assert_eq!(locked[0].username.as_deref(), Some("clover"));
    assert_from_here(locked[0]);
    // Clover's own trail shows the attack on her account, and no sign-in.
    let of_clover = app
        .store
        .list_audit_events(Some(&clover), 100)
        .await
        .unwrap();
    assert_eq!(
        rows(&of_clover, "login.password", "failure").len(),
        5,
        "{of_clover:#?}"
    );
    assert!(
        of_clover
            .iter()
            .all(|row| row.event != "login.password" || row.outcome != "success"),
        "{of_clover:#?}"
    );

    assert_no_secrets(&events, &[PASSWORD.to_string(), WRONG_PASSWORD.to_string()]);
}

#[tokio::test]
async fn second_factor_changes_and_uses_are_recorded_without_any_code() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let mut secrets = vec![PASSWORD.to_string(), enrolled.secret.clone()];
    for code in &enrolled.recovery_codes {
        secrets.push(code.clone());
        secrets.push(code.replace('-', ""));
    }
    // The code that confirmed the app is one step back.
    secrets.push(code_at(&enrolled.secret, app.clock.now() - 30).unwrap());

    // A sign-in with the app, after a wrong code.
    let (agent, page) = password_step(&app, "marigold").await;
    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    let (_, _, page) = give_code(&agent, &page, "totp", &wrong).await.page();
    let code = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
    secrets.push(wrong);
    secrets.push(code);

    // A sign-in with a recovery code.
    let (agent, page) = password_step(&app, "marigold").await;
    let (path, _, account) = give_code(&agent, &page, "recovery", &enrolled.recovery_codes[4])
        .await
        .page();
    assert_eq!(path, "/account");

    // Removing the app: a wrong password first.
    let (_, _, account) = agent
        .submit(
            &account,
            "/account/totp/disable",
            &[("password", WRONG_PASSWORD)],
        )
        .await
        .page();
    let (_, _, account) = agent
        .submit(&account, "/account/totp/disable", &[("password", PASSWORD)])
        .await
        .page();
    assert!(account.contains("are removed"), "{account}");
    secrets.push(WRONG_PASSWORD.to_string());

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let mine = app.store.list_audit_events(Some(&id), 100).await.unwrap();
    for (event, outcome, detail) in [
        ("totp.enabled", "success", None),
        ("login.totp", "failure", None),
        ("login.totp", "success", None),
        ("login.recovery_code", "success", Some("9 left")),
        ("password.confirm", "failure", None),
        ("totp.disabled", "success", None),
    ] {
        let found = rows(&mine, event, outcome);
        assert_eq!(found.len(), 1, "{event} {outcome}: {events:#?}");
        assert_eq!(found[0].user_id.as_deref(), Some(id.as_str()));
        assert_eq!(found[0].detail.as_deref(), detail, "{:?}", found[0]);
        assert_from_here(found[0]);
    }
    // In the order they happened (newest first).
    let order: Vec<&str> = mine
        .iter()
        .filter(|row| row.event != "login.password")
        .map(|row| row.event.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "totp.disabled",
            "password.confirm",
            "login.recovery_code",
            "login.totp",
            "login.totp",
            "totp.enabled",
        ]
    );
    // Each sign-in began with the password.
    assert_eq!(rows(&mine, "login.password", "success").len(), 3);

    assert_no_secrets(&events, &secrets);
}

#[tokio::test]
async fn a_wrong_code_at_enrolment_and_the_code_failure_that_earns_a_lock_are_recorded() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let wrong = wrong_code(&secret, app.clock.now());
    let (path, _, _) = agent
        .submit(&page, "/account/totp/confirm", &[("code", &wrong)])
        .await
        .page();
    assert_eq!(path, "/account/totp");
    let events = app.store.list_audit_events(Some(&id), 100).await.unwrap();
    let refused = rows(&events, "totp.enabled", "failure");
    assert_eq!(refused.len(), 1, "{events:#?}");
    assert_from_here(refused[0]);
    assert!(rows(&events, "totp.enabled", "success").is_empty());
    assert_no_secrets(&events, &[secret.clone(), wrong.clone()]);

    // Five wrong codes at sign-in: the fifth says it earned a lock.
    let code = code_at(&secret, app.clock.now()).unwrap();
    let (_, _, page) = agent.navigate("/account/totp").await.page();
    let (path, _, _) = agent
        .submit(&page, "/account/totp/confirm", &[("code", &code)])
        .await
        .page();
    assert_eq!(path, "/account/recovery-codes");
    app.clock.advance(30);
    let (other, mut page) = password_step(&app, "marigold").await;
    for _ in 0..5 {
        page = give_code(&other, &page, "totp", &wrong).await.page().2;
    }
    let events = app.store.list_audit_events(Some(&id), 100).await.unwrap();
    // The success at enrolment forgot the wrong code before it: the fifth at sign-in locks.
    let failures = rows(&events, "login.totp", "failure");
    assert_eq!(failures.len(), 5, "{events:#?}");
    for row in &failures {
        assert_eq!(row.user_id.as_deref(), Some(id.as_str()));
        assert_from_here(row);
    }
    assert_eq!(
        failures[0].detail.as_deref(),
        Some(format!("locked until {}", app.clock.now() + 30).as_str()),
        "{events:#?}"
    );
    assert!(failures[1..].iter().all(|row| row.detail.is_none()));
    assert_no_secrets(&events, &[secret, wrong, code]);
}

#[tokio::test]
async fn a_username_that_names_no_account_is_kept_only_as_a_short_hash() {
    let app = TestApp::spawn().await;
    let typed = format!("{}{}tail", "x".repeat(2000), '\u{7}');
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, _) = agent.log_in(landing, &typed, WRONG_PASSWORD).await.page();
    assert_eq!(path, "/login");

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let failures = rows(&events, "login.password", "failure");
    assert_eq!(failures.len(), 1, "{events:#?}");
    // People paste passwords into the username field: what names no account is not kept.
    let label = failures[0].username.as_deref().expect("a label");
    assert!(
        label.starts_with("unknown:") && label.len() == 24,
        "{label}"
    );
    assert!(!label.contains("xxxx"), "{label}");
    assert_eq!(failures[0].user_id, None);
    assert_no_secrets(&events, &[WRONG_PASSWORD.to_string()]);
    // The same typed name gives the same label, so repeated attempts can be told apart.
    let landing = agent.navigate("/login").await;
    agent.log_in(landing, &typed, WRONG_PASSWORD).await;
    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let labels: Vec<_> = rows(&events, "login.password", "failure")
        .iter()
        .map(|e| e.username.clone())
        .collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0], labels[1]);
}

#[tokio::test]
async fn the_address_recorded_is_the_peer_unless_a_trusted_proxy_forwarded_another() {
    let forged = |app: &TestApp| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        let mut agent = UserAgent::new(app);
        agent.http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        agent
    };
    for (trusted, expected) in [(None, "127.0.0.1"), (Some("127.0.0.1"), "203.0.113.9")] {
        let app = TestApp::spawn_with(crate::support::Options {
            trusted_proxies: trusted.map(str::to_string),
            ..Default::default()
        })
        .await;
        let id = app.person("marigold", Role::Farmer).await;
        let agent = forged(&app);
        let landing = agent.navigate("/login").await;
        let (path, _, _) = agent.log_in(landing, "marigold", PASSWORD).await.page();
        assert_eq!(path, "/account");
        let events = app.store.list_audit_events(Some(&id), 100).await.unwrap();
        let signed_in = rows(&events, "login.password", "success");
        assert_eq!(signed_in.len(), 1, "{events:#?}");
        assert_eq!(
            signed_in[0].ip.as_deref(),
            Some(expected),
            "trusted: {trusted:?}"
        );
    }
}

#[tokio::test]
async fn a_code_refused_because_of_a_lock_is_recorded_as_locked() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let enrolled = enrol(&app, "marigold").await;
    let (agent, page) = password_step(&app, "marigold").await;
    let wrong = wrong_code(&enrolled.secret, app.clock.now());
    for _ in 0..5 {
        give_code(&agent, &page, "totp", &wrong).await;
    }
    let right = code_at(&enrolled.secret, app.clock.now()).unwrap();
    let (_, _, refused) = give_code(&agent, &page, "totp", &right).await.page();
    assert!(refused.contains("Too many wrong codes"), "{refused}");
    let events = app.store.list_audit_events(Some(&id), 100).await.unwrap();
    assert_eq!(
        rows(&events, "login.totp", "failure").len(),
        5,
        "{events:#?}"
    );
    assert_eq!(
        rows(&events, "login.totp", "locked").len(),
        1,
        "{events:#?}"
    );
    assert_eq!(
        rows(&events, "login.totp", "success").len(),
        0,
        "{events:#?}"
    );
}

#[tokio::test]
async fn signing_out_is_recorded_as_the_end_of_a_session() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (_, _, account) = agent.log_in(landing, "marigold", PASSWORD).await.page();
    let (_, status, _) = agent.submit(&account, "/logout", &[]).await.page();
    assert_eq!(status, reqwest::StatusCode::OK);
    let events = app.store.list_audit_events(Some(&id), 20).await.unwrap();
    let ended = rows(&events, "session.ended", "success");
    assert_eq!(ended.len(), 1, "{events:#?}");
    assert_eq!(ended[0].detail.as_deref(), Some("signed out"));
    assert_from_here(ended[0]);
}
