//! People in the console: searching, the list paged by 25 (and its pager links), a person's
//! page with their farms, sessions, roles, ending a session, deleting with the username
//! typed, and an administrator who cannot lock, delete, reset or demote themselves.

use farm_auth::accounts::users::Role;
use farm_auth::store::audit::AuditRecord;
use reqwest::StatusCode;

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, csrf_of, encode, is_signed_in, sign_in, signed_in, unescape,
};

#[tokio::test]
async fn the_search_matches_the_start_of_username_or_email_ignoring_case_with_literal_wildcards() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    app.stored_user("u-Ada.Lovelace", "Ada.Lovelace", "ada@engines.example")
        .await;
    app.stored_user("u-grace", "grace", "Grace.HOPPER@navy.example")
        .await;
    app.stored_user("u-ab_cd", "ab_cd", "one@farm.example")
        .await;
    app.stored_user("u-abxcd", "abxcd", "two@farm.example")
        .await;
    app.stored_user("u-percent", "percent", "per%cent@farm.example")
        .await;
    app.stored_user("u-perxcent", "perxcent", "perxcent@farm.example")
        .await;

    let search = |q: &str| format!("/admin/users?{}", encode(&[("q", q)]));
    let cases: [(&str, &[&str]); 10] = [
        ("ADA", &["Ada.Lovelace"]),
        ("ada.l", &["Ada.Lovelace"]),
        ("GRACE.h", &["grace"]),
        ("ab_", &["ab_cd"]),
        ("per%", &["percent"]),
        ("per", &["percent", "perxcent"]),
        // Not the start of either.
        ("lovelace", &[]),
        ("%", &[]),
        ("_", &[]),
        ("nobody-like-this", &[]),
    ];
    for (q, expected) in cases {
        let page = open(&olga, &search(q)).await;
        let mut found = listed_usernames(&page);
        found.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "search {q:?}");
        let count = format!("{} user", expected.len());
        assert!(page.contains(&count), "search {q:?}: no {count:?}");
    }
    // The search box keeps what was typed; no search lists everyone (6 + olga).
    let page = open(&olga, &search("ab_")).await;
    assert!(page.contains("value=\"ab_\""), "{page}");
    let everyone = listed_usernames(&open(&olga, "/admin/users").await);
    assert_eq!(everyone.len(), 7, "{everyone:?}");
}

#[tokio::test]
async fn the_users_list_pages_by_25_with_a_next_link_and_falls_back_to_the_first_page() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        app.stored_user(
            &format!("u-{}", &format!("member{n:02}")),
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    // 31 people: two pages, by username.
    let first = open(&olga, "/admin/users").await;
    let on_first = listed_usernames(&first);
    assert_eq!(on_first.len(), 25);
    assert_eq!(on_first[0], "member00");
    assert!(first.contains("31 users"), "{first}");
    assert_eq!(link_rel(&first, "first"), None);
    let next = link_rel(&first, "next").expect("a Next page link");
    assert_eq!(pairs_of(&next), pairs_of("/admin/users?after=u%3Amember24"));

    let second = open(&olga, &next).await;
    let on_second = listed_usernames(&second);
    assert_eq!(on_second.len(), 6, "{on_second:?}");
    assert!(on_second.contains(&ADMIN.to_string()));
    assert!(second.contains("31 users"), "{second}");
    assert_eq!(link_rel(&second, "next"), None);
    let back = link_rel(&second, "first").expect("a First page link");
    assert_eq!(listed_usernames(&open(&olga, &back).await), on_first);
    let mut all: Vec<String> = on_first.iter().chain(&on_second).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 31, "a user shows on both pages or none");

    // A cursor the server did not write shows the first page.
    for after in ["0", "abc", "", "%00", "x%3Ay", "u%3A%00"] {
        let path = format!("/admin/users?after={after}");
        let shown = open(&olga, &path).await;
        assert_eq!(listed_usernames(&shown), on_first, "{path}");
    }

    // The search is kept across pages.
    let page = open(&olga, "/admin/users?q=MEMBER").await;
    assert!(page.contains("30 users"), "{page}");
    let next = link_rel(&page, "next").expect("a Next page link");
    assert_eq!(
        pairs_of(&next),
        pairs_of("/admin/users?q=MEMBER&after=u%3Amember24")
    );
    assert_eq!(listed_usernames(&open(&olga, &next).await).len(), 5);
}

#[tokio::test]
async fn a_persons_page_shows_the_account_and_its_sessions() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let _fred = signed_in(&app, "fred").await.agent;
    let farm = app.active_farm("Green Acres", "fred").await;

    let list = open(&olga, "/admin/users?q=fred").await;
    assert!(
        list.contains(&format!("href=\"/admin/users/{fred_id}\"")),
        "{list}"
    );
    let page = open(&olga, &format!("/admin/users/{fred_id}")).await;
    for shown in [
        "<h1>fred</h1>",
        "fred@farm.example",
        // Their farms, read only, each linking to the farm's page.
        &format!(
            "<a href=\"/admin/farms/{farm}\">Green Acres</a></td><td>owner</td><td>active</td>"
        ),
        "<dd>farmer</dd>",
        "<dd>active</dd>",
        &fred_id,
        "End this session",
        "127.0.0.1",
        "Lock account",
        "Delete account",
        &format!("/admin/audit?user={fred_id}"),
    ] {
        assert!(
            page.contains(shown),
            "the user page lacks {shown:?}:\n{page}"
        );
    }
    assert!(page.contains("Signed in as <strong>olga</strong>"));
    let sessions = app
        .store
        .list_live_login_sessions(&fred_id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(
        page.contains(&sessions[0].sid),
        "the session's form names it"
    );
    // An unknown id is a 404 page.
    let response = olga.get("/admin/users/no-such-user").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains(NOT_FOUND));
}

#[tokio::test]
async fn roles_are_set_with_checkboxes_and_none_ticked_is_refused() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    let roles = format!("{path}/roles");

    let page = send_back(
        &olga,
        &path,
        &roles,
        &[
            ("role_farmer", "on"),
            ("role_admin", "on"),
            ("role_root", "on"),
        ],
    )
    .await;
    assert_done(&page, "roles: farmer, admin.");
    assert_eq!(user(&app, "ada").await.roles, vec!["farmer", "admin"]);
    assert!(page.contains(r#"name="role_farmer" value="on" checked"#));
    assert!(page.contains(r#"name="role_admin" value="on" checked"#));
    assert!(!page.contains(r#"name="role_consumer" value="on" checked"#));
    // Ada is an administrator now (with the second factor the console asks for).
    app.authenticators.set_up(&app, &ada_id).await;
    let ada = signed_in(&app, "ada").await.agent;
    open(&ada, "/admin/users").await;

    let page = send_back(&olga, &path, &roles, &[]).await;
    assert_refused(&page, "a user needs at least one role");
    assert_eq!(user(&app, "ada").await.roles, vec!["farmer", "admin"]);

    let page = send_back(&olga, &path, &roles, &[("role_consumer", "on")]).await;
    assert_done(&page, "roles: consumer.");
    assert_eq!(user(&app, "ada").await.roles, vec!["consumer"]);
    assert_forbidden("ada, demoted", ada.get("/admin/users").await).await;
    let changes = events(&app, "user.roles").await;
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0].detail.as_deref(),
        Some("by administrator olga: roles consumer")
    );
}

#[tokio::test]
async fn one_session_of_a_person_is_ended() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let laptop = signed_in(&app, "ada").await.agent;
    let phone = signed_in(&app, "ada").await.agent;
    let path = format!("/admin/users/{ada_id}");
    let end = format!("{path}/sessions/end");

    let page = open(&olga, &path).await;
    let sids: Vec<String> = page
        .split(r#"name="session" value=""#)
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find('"').unwrap()]))
        .collect();
    assert_eq!(sids.len(), 2, "{page}");
    let csrf = csrf_of(&page, &end);
    let response = olga
        .post(
            &end,
            &[("csrf_token", csrf.as_str()), ("session", &sids[0])],
        )
        .await;
    let (landed, _, page) = olga.follow(response).await.page();
    assert_eq!(landed, path);
    assert_done(&page, "The session is ended.");

    let still = [is_signed_in(&laptop).await, is_signed_in(&phone).await];
    assert_eq!(
        still.iter().filter(|&&s| s).count(),
        1,
        "one browser is out: {still:?}"
    );
    let live = app
        .store
        .list_live_login_sessions(&ada_id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].sid, sids[1]);
    assert!(
        !page.contains(&sids[0]),
        "the ended session is still listed"
    );

    // Again, or someone else's session: refused.
    let olga_sid = app
        .store
        .list_live_login_sessions(&user(&app, ADMIN).await.id, app.clock.now())
        .await
        .unwrap()[0]
        .sid
        .clone();
    for sid in [sids[0].as_str(), olga_sid.as_str(), "", "nonsense"] {
        let response = olga
            .post(&end, &[("csrf_token", csrf.as_str()), ("session", sid)])
            .await;
        let (_, _, page) = olga.follow(response).await.page();
        assert_refused(&page, "That session had already ended.");
    }
    assert!(is_signed_in(&olga).await);
    assert_eq!(events(&app, "session.ended").await.len(), 1);
}

#[tokio::test]
async fn deleting_a_person_needs_the_username_typed() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    let delete = format!("{path}/delete");
    for wrong in ["", "Ada", "ad", "ada2", "olga"] {
        let page = send_back(&olga, &path, &delete, &[("confirm", wrong)]).await;
        assert_refused(&page, "Type the username exactly to confirm the deletion.");
        assert!(app.store.find_user_by_id(&ada_id).await.unwrap().is_some());
    }
    assert!(events(&app, "user.deleted").await.is_empty());

    let (landed, status, page) = send(&olga, &path, &delete, &[("confirm", "ada")]).await;
    assert_eq!((landed.as_str(), status), ("/admin/users", StatusCode::OK));
    assert_done(&page, "account is deleted.");
    assert!(!listed_usernames(&page).contains(&"ada".to_string()));
    assert!(app.store.find_user_by_id(&ada_id).await.unwrap().is_none());
    assert_eq!(olga.get(&path).await.status(), StatusCode::NOT_FOUND);
    let deleted = events(&app, "user.deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].user_id.as_deref(), Some(ada_id.as_str()));
    assert_eq!(deleted[0].username.as_deref(), Some("ada"));
    assert_eq!(deleted[0].actor_id.as_deref(), Some(olga_id.as_str()));
    let SignIn { path, .. } = sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"));
}

#[tokio::test]
async fn an_administrator_cannot_lock_delete_reset_or_demote_themselves() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let path = format!("/admin/users/{olga_id}");
    let page = open(&olga, &path).await;
    assert!(
        !page.contains(&format!("action=\"{path}/delete\"")),
        "no delete form on one's own page"
    );
    let csrf = any_csrf(&page);

    let attempts: [(&str, Fields, &str); 5] = [
        (
            "lock",
            vec![("reason", "oops")],
            "you cannot lock your own account",
        ),
        (
            "roles",
            vec![("role_consumer", "on"), ("role_farmer", "on")],
            "you cannot take the admin role from yourself",
        ),
        (
            "delete",
            vec![("confirm", ADMIN)],
            "you cannot delete your own account here",
        ),
        (
            "password-reset",
            vec![],
            "change your own password from your account page",
        ),
        ("roles", vec![], "a user needs at least one role"),
    ];
    for (what, fields, refusal) in attempts {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        let response = olga.post(&format!("{path}/{what}"), &form).await;
        let (landed, status, page) = olga.follow(response).await.page();
        assert_eq!((landed.as_str(), status), (path.as_str(), StatusCode::OK));
        assert_refused(&page, refusal);
    }
    let me = user(&app, ADMIN).await;
    assert_eq!(me.locked, None);
    assert_eq!(me.roles, vec!["admin"]);
    assert!(!me.password_reset_required);
    assert!(is_signed_in(&olga).await);
    open(&olga, "/admin/users").await;
    assert!(events(&app, "user").await.is_empty());
    // Keeping the role while adding another is fine.
    let page = send_back(
        &olga,
        &path,
        &format!("{path}/roles"),
        &[("role_admin", "on"), ("role_farmer", "on")],
    )
    .await;
    assert_done(&page, "roles: farmer, admin.");
}

#[tokio::test]
async fn the_pager_links_have_no_stray_ampersand() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        app.stored_user(
            &format!("u-{}", &format!("member{n:02}")),
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    let page = open(&olga, "/admin/users").await;
    assert_eq!(
        link_rel(&page, "next").as_deref(),
        Some("/admin/users?after=u%3Amember24")
    );
    let page = open(&olga, "/admin/users?after=u%3Amember24").await;
    assert_eq!(link_rel(&page, "first").as_deref(), Some("/admin/users"));
    for n in 0..60 {
        let record = AuditRecord {
            at: app.clock.now() - 100 + n,
            event: "session.ended".into(),
            outcome: "success".into(),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let page = open(&olga, "/admin/audit?event=session").await;
    let older = link_rel(&page, "next").expect("an Older events link");
    assert!(
        older.starts_with("/admin/audit?event=session&before="),
        "{older}"
    );
}

#[tokio::test]
async fn a_users_page_past_the_last_shows_nobody_and_links_to_the_first() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        app.stored_user(
            &format!("u-{}", &format!("member{n:02}")),
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    for after in ["u%3Azzz", "e%3Azzz%40farm.example"] {
        let path = format!("/admin/users?after={after}");
        let shown = open(&olga, &path).await;
        assert_eq!(listed_usernames(&shown), Vec::<String>::new(), "{path}");
        assert!(shown.contains("31 users"), "{path}");
        assert_eq!(link_rel(&shown, "next"), None, "{path}");
        assert_eq!(link_rel(&shown, "first").as_deref(), Some("/admin/users"));
    }
}
