//! Hostile input at the console: forms without the session's CSRF token, a megabyte form, NUL
//! and non-UTF-8 bytes, markup in names and ids with control characters or 10 kB long. Each
//! gets its exact answer, never a 500: a refused form changes nothing, and a NUL or a byte
//! that is not UTF-8 is never stored.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use super::*;
use crate::support::{
    TestApp, assert_page_headers, encode, is_signed_in, post_raw, shows_escaped, signed_in,
};

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    app.person("boris", Role::Admin).await;
    let boris = signed_in(&app, "boris").await.agent;
    let ada_id = app.person("ada", Role::Consumer).await;
    let real = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let borises = any_csrf(&open(&boris, "/admin/keys").await);
    assert_ne!(real, borises);

    let forgeries: [(&str, Option<String>); 6] = [
        ("missing", None),
        ("random", Some("A".repeat(43))),
        ("another administrator's", Some(borises.clone())),
        ("truncated", Some(real[..real.len() - 1].to_string())),
        ("extended", Some(format!("{real}A"))),
        ("with a NUL byte", Some(format!("{real}\0"))),
    ];
    for (action, fields) in console_posts(&ada_id) {
        for (what, token) in &forgeries {
            let mut form: Fields = fields.clone();
            if let Some(token) = token {
                form.push(("csrf_token", token.as_str()));
            }
            let response = olga.post(&action, &form).await;
            let what = format!("{action} with a {what} token");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
            assert_page_headers(&what, &response);
            let body = response.text().await.unwrap();
            assert!(body.contains(EXPIRED_FORM), "{what}: {body}");
        }
    }
    assert_nothing_changed(&app, &ada_id).await;
    // A GET does not change anything either: the forms are POST only.
    let response = olga.get(&format!("/admin/users/{ada_id}/lock")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_signed_in(&olga).await);
}

#[tokio::test]
async fn a_megabyte_form_is_refused_with_a_400_page() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let csrf = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let padding = "a".repeat(1024 * 1024);
    for (action, fields) in console_posts(&ada_id) {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        form.push(("padding", &padding));
        let response = olga
            .http
            .post(app.url(&action))
            .header(CONTENT_TYPE, FORM)
            .body(encode(&form))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{action}");
        assert_page_headers(&action, &response);
    }
    // In a field that is kept, a megabyte is as refused.
    let response = olga
        .post(
            &format!("/admin/users/{ada_id}/lock"),
            &[("csrf_token", csrf.as_str()), ("reason", &padding)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_nothing_changed(&app, &ada_id).await;
}

#[tokio::test]
async fn nul_bytes_are_dropped_and_non_utf8_bytes_replaced_and_each_form_gets_its_exact_answer() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    app.person("fred", Role::Farmer).await;
    let first_farm = app.active_farm("Fred's Farm", "fred").await;
    let second_farm = app.active_farm("Hill Farm", "fred").await;
    let csrf = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let with_csrf = |rest: &[u8]| {
        let mut body =
            format!("csrf_token={}&", encode(&[("x", &csrf)])[2..].to_owned()).into_bytes();
        body.extend_from_slice(rest);
        body
    };

    // A reason with a NUL, then one with bytes that are not UTF-8.
    let lock = format!("/admin/users/{ada_id}/lock");
    let response = post_raw(
        olga.http.post(app.url(&lock)),
        Some(FORM),
        with_csrf(b"reason=fr%00aud"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, reason) = user(&app, "ada").await.locked.expect("locked");
    assert_eq!(reason, "fraud");
    // A farm's suspension reason with bytes that are not UTF-8.
    let suspend = format!("/admin/farms/{first_farm}/suspend");
    let response = post_raw(
        olga.http.post(app.url(&suspend)),
        Some(FORM),
        with_csrf(b"reason=Gr\xff\xfeen%FF"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let kept = suspension_reason(&app, &first_farm)
        .await
        .expect("a reason");
    assert!(kept.starts_with("Gr") && !kept.contains('\0'), "{kept:?}");

    // Each answer exactly as the console gives it: a NUL is dropped from kept text, a form
    // that cannot be used is sent back with an alert, bytes that are not UTF-8 are replaced.
    let user_page = |id: &str| format!("/admin/users/{id}");
    let cases: Vec<(String, Vec<u8>, Answer)> = vec![
        (
            format!("/admin/farms/{second_farm}/suspend"),
            with_csrf(b"reason=a%00b"),
            Answer::Notice("/admin/farms".into(), "The farm is suspended."),
        ),
        (
            format!("/admin/users/{ada_id}/unlock"),
            with_csrf(b"reason=%00%00"),
            Answer::Notice(user_page(&ada_id), "ada can sign in again."),
        ),
        (
            format!("/admin/users/{ada_id}/delete"),
            with_csrf(b"confirm=ada%00"),
            Answer::Alert(
                user_page(&ada_id),
                "Type the username exactly to confirm the deletion.",
            ),
        ),
        (
            format!("/admin/users/{ada_id}/sessions/end"),
            with_csrf(b"session=%00abc"),
            Answer::Alert(user_page(&ada_id), "That session had already ended."),
        ),
        (
            format!("/admin/users/{ada_id}/roles"),
            with_csrf(b"role_consumer=%00&role_%00=on"),
            Answer::Notice(user_page(&ada_id), "ada's roles: consumer."),
        ),
        (
            "/admin/clients".into(),
            with_csrf(b"name=Bad%00App&kind=none&redirect_uris=https://a.example/cb&grant_authorization_code=on"),
            Answer::Alert(
                "/admin/clients".into(),
                "Not registered: name must be 1 to 100 printable characters",
            ),
        ),
        (
            "/admin/clients".into(),
            with_csrf(b"name=Bad\xffApp&kind=none%00&redirect_uris=https://a.example/c%00b&grant_authorization_code=on&scope=openid%00"),
            Answer::Alert(
                "/admin/clients".into(),
                "Not registered: must not contain spaces or control characters: https://a.example/c\0b",
            ),
        ),
        (
            TOKENS.into(),
            with_csrf(b"vendor=Shop%00Co&uses=1%00&days=1"),
            Answer::Alert(
                TOKENS.into(),
                "The lifetime and the number of apps are whole numbers.",
            ),
        ),
        (
            TOKENS.into(),
            with_csrf(b"vendor=Shop\xff\xfeCo&uses=1&days=1"),
            Answer::TokenShown,
        ),
    ];
    for (path, body, answer) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let response = post_raw(olga.http.post(app.url(&path)), Some(FORM), body).await;
        let status = response.status();
        match &answer {
            Answer::Notice(to, text) | Answer::Alert(to, text) => {
                assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {shown}");
                assert_eq!(response.headers()[LOCATION], to.as_str(), "{path}: {shown}");
                let page = open(&olga, to).await;
                let (said, other) = match answer {
                    Answer::Notice(..) => (notice(&page), alert(&page)),
                    _ => (alert(&page), notice(&page)),
                };
                assert_eq!(said.as_deref(), Some(*text), "{path}: {shown}");
                assert_eq!(other, None, "{path}: {shown}");
            }
            Answer::TokenShown => {
                assert_eq!(status, StatusCode::OK, "{path}: {shown}");
                let page = response.text().await.unwrap();
                assert!(page.contains("Copy the token now"), "{path}: {page}");
            }
        }
    }
    // What was kept: the suspension reason without its NUL, ada unlocked with her one role,
    // and one token whose vendor has the bytes that were not UTF-8 replaced; no app.
    assert_eq!(
        suspension_reason(&app, &second_farm).await.as_deref(),
        Some("ab")
    );
    let ada = user(&app, "ada").await;
    assert_eq!(ada.locked, None);
    assert_eq!(ada.roles.names(), ["consumer"]);
    assert!(app.store.list_clients().await.unwrap().is_empty());
    let tokens = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    let vendors: Vec<_> = tokens.iter().map(|t| t.vendor.as_deref()).collect();
    assert_eq!(vendors, [Some("Shop\u{fffd}\u{fffd}Co")]);
    // In queries too.
    for path in [
        "/admin/users?q=%00",
        "/admin/users?q=%FF%FE",
        "/admin/users?q=a%00b&page=%00",
        "/admin/audit?user=%00&event=%FF&client=%00&from=%00&to=%FF&before=%00",
        "/admin/audit?user=ada%00",
    ] {
        let response = olga.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn markup_in_names_is_escaped() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let markup = "<script>alert(\"x\")</script>";
    // An email address may hold markup (no spaces in it).
    let email = "<img/src=x/onerror=alert(1)>@farm.example";
    let eve_id = app.stored_user("u-eve", "eve", email).await;
    let path = format!("/admin/users/{eve_id}");
    // A farm's name may hold markup too; the person's page lists it.
    app.active_farm("<b>Evil & Co</b>", "eve").await;
    let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", markup)]).await;
    assert!(shows_escaped(&page, "<b>Evil & Co</b>"), "{page}");
    for raw in ["<b>Evil", "<script>", "<img/src"] {
        assert!(!page.contains(raw), "{raw} unescaped on the user page");
    }
    assert!(shows_escaped(&page, markup), "the reason, escaped");
    assert!(shows_escaped(&page, email), "the email, escaped");

    let (_, _, page) = register_app(
        &olga,
        &[
            ("name", "<i>Shop</i> \"quoted\""),
            ("kind", "client_secret_basic"),
            ("grant_client_credentials", "on"),
        ],
    )
    .await;
    assert!(!page.contains("<i>Shop"), "{page}");
    let id = code(&page, "uri").expect("registered");
    for path in ["/admin/clients".to_string(), format!("/admin/clients/{id}")] {
        let page = open(&olga, &path).await;
        assert!(!page.contains("<i>Shop"), "{path}");
        assert!(shows_escaped(&page, "<i>Shop</i>"), "{path}");
    }
    let (_, _, page) = send(&olga, TOKENS, TOKENS, &[("vendor", markup)]).await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(!open(&olga, TOKENS).await.contains("<script>"));

    for path in [
        format!(
            "/admin/users?q={}",
            encode(&[("x", markup)])[2..].to_owned()
        ),
        format!(
            "/admin/audit?{}",
            encode(&[("user", markup), ("event", markup)])
        ),
        "/admin/audit".into(),
        "/admin/users".into(),
    ] {
        let page = open(&olga, &path).await;
        assert!(!page.contains("<script>"), "{path}");
        assert!(!page.contains("<img/src"), "{path}");
    }
    let page = open(&olga, "/admin/users?q=%3Cscript%3E").await;
    assert!(
        shows_escaped(&page, "<script>"),
        "the query is shown escaped"
    );
}

#[tokio::test]
async fn ids_with_control_characters_or_10_kb_long_are_404_pages() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let csrf = any_csrf(&open(&olga, "/admin/keys").await);
    let long = "a".repeat(10 * 1024);
    let ids = [
        "%00".to_string(),
        "%0A".to_string(),
        format!("{ada_id}%00"),
        format!("%1B{ada_id}"),
        "%7F".to_string(),
        long.clone(),
        "no-such-id".to_string(),
    ];
    for id in &ids {
        for path in [format!("/admin/users/{id}"), format!("/admin/clients/{id}")] {
            let response = olga.get(&path).await;
            let shown: String = path.chars().take(60).collect();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {shown}");
            assert_page_headers(&shown, &response);
            assert!(
                response.text().await.unwrap().contains(NOT_FOUND),
                "{shown}"
            );
        }
        let posts = [
            (format!("/admin/users/{id}/lock"), vec![("reason", "x")]),
            (format!("/admin/users/{id}/unlock"), vec![]),
            (
                format!("/admin/users/{id}/roles"),
                vec![("role_admin", "on")],
            ),
            (format!("/admin/users/{id}/password-reset"), vec![]),
            (
                format!("/admin/users/{id}/sessions/end"),
                vec![("session", "x")],
            ),
            (
                format!("/admin/users/{id}/delete"),
                vec![("confirm", "ada")],
            ),
            (format!("/admin/clients/{id}"), vec![("name", "x")]),
            (format!("/admin/clients/{id}/secret"), vec![]),
            (
                format!("/admin/clients/{id}/delete"),
                vec![("confirm", "x")],
            ),
        ];
        for (path, fields) in posts {
            let mut form: Fields = fields.clone();
            form.push(("csrf_token", csrf.as_str()));
            let response = olga.post(&path, &form).await;
            let shown: String = path.chars().take(60).collect();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {shown}");
        }
    }
    // Bytes that are not UTF-8 cannot name anything either: a 400, never a 500. (The router
    // refuses such a path before the console sees it, so the answer is not a console page.)
    for path in ["/admin/users/%FF%FE", "/admin/clients/%C3%28"] {
        let response = olga.get(path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    assert_nothing_changed(&app, &ada_id).await;
}

/// How the console answers one hostile form: back to a page with a notice (done) or an
/// alert (refused), or the page showing a new registration token.
enum Answer {
    Notice(String, &'static str),
    Alert(String, &'static str),
    TokenShown,
}

/// Why the farm `farm_id` is suspended, as stored.
async fn suspension_reason(app: &TestApp, farm_id: &str) -> Option<String> {
    let farm = app.store.find_farm(farm_id).await.unwrap();
    farm.expect("the farm").status_reason
}
