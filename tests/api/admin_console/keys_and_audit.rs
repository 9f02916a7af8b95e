//! Signing keys and the audit trail in the console: a rotation publishes a new kid and lists
//! both keys; the trail filters by person, event family and dates, names the administrator and
//! pages back.

use farm_auth::accounts::users::Role;
use farm_auth::store::audit::AuditRecord;

use super::*;
use crate::support::{TestApp, UserAgent, encode};

/// The audit page for `filters`.
async fn audit(agent: &UserAgent, filters: &[(&str, &str)]) -> String {
    open(agent, &format!("/admin/audit?{}", encode(filters))).await
}

/// The event names of the audit page's rows.
fn event_names(page: &str) -> Vec<String> {
    rows(page)
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            cells[2].trim_end_matches("</td>").to_string()
        })
        .collect()
}

fn day_of(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap()
        .date()
        .to_string()
}

#[tokio::test]
async fn a_key_rotation_publishes_a_new_kid_and_lists_both_keys() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let before = app.jwks().await;
    assert_eq!(before.keys.len(), 1);
    let old_kid = before.keys[0].common.key_id.clone().expect("a kid");
    let page = open(&olga, "/admin/keys").await;
    assert_eq!(rows(&page).len(), 1);

    let page = send_back(&olga, "/admin/keys", "/admin/keys/rotate", &[]).await;
    let done = notice(&page).expect("a notice");
    let new_kid = done
        .strip_prefix("New signing key ")
        .and_then(|rest| rest.split(' ').next())
        .expect("the notice names the kid")
        .to_string();
    assert_ne!(new_kid, old_kid);
    let listed = rows(&page);
    assert_eq!(listed.len(), 2, "{page}");
    // Two phases: the new key is published first, the old one signs until it takes over.
    assert!(listed[0].contains(&new_kid) && listed[0].contains("<td>next, published</td>"));
    assert!(listed[1].contains(&old_kid) && listed[1].contains("<td>signing</td>"));
    let activates_at = app
        .store
        .list_published_signing_keys(app.clock.now(), 0)
        .await
        .unwrap()[0]
        .activates_at;
    app.clock.advance(activates_at - app.clock.now());
    let page = open(&olga, "/admin/keys").await;
    let listed = rows(&page);
    assert!(listed[0].contains(&new_kid) && listed[0].contains("<td>signing</td>"));
    assert!(listed[1].contains(&old_kid) && listed[1].contains("retired, still published"));

    let after = app.jwks().await;
    let kids: Vec<String> = after
        .keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect();
    assert!(
        kids.contains(&new_kid) && kids.contains(&old_kid),
        "{kids:?}"
    );
    // New tokens are signed with it.
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    let rotated = events(&app, "keys.rotated").await;
    assert_eq!(rotated.len(), 1);
    assert_eq!(
        rotated[0].detail.as_deref(),
        Some(format!("by administrator olga: new key {new_kid}").as_str())
    );
}

#[tokio::test]
async fn the_audit_trail_filters_by_person_event_family_and_dates_and_names_the_administrator() {
    let app = TestApp::spawn().await;
    let ada_id = app.person("ada", Role::Consumer).await;
    // Older events, twenty and ten days ago (written first, as the trail would have).
    let today = app.clock.now();
    for (days, event) in [(20, "totp.enabled"), (10, "password.reset")] {
        let record = AuditRecord {
            at: today - days * 86_400,
            event: event.into(),
            outcome: "success".into(),
            user_id: Some(ada_id.clone()),
            username: Some("ada".into()),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let (_, olga) = admin_signed_in(&app).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let ada_path = format!("/admin/users/{ada_id}");
    send_back(
        &olga,
        &ada_path,
        &format!("{ada_path}/lock"),
        &[("reason", "fraud")],
    )
    .await;
    let fred_path = format!("/admin/users/{fred_id}");
    send_back(
        &olga,
        &fred_path,
        &format!("{fred_path}/roles"),
        &[("role_consumer", "on"), ("role_farmer", "on")],
    )
    .await;
    send_back(&olga, "/admin/keys", "/admin/keys/rotate", &[]).await;

    // Everything, newest first, with who did it.
    let page = audit(&olga, &[]).await;
    let names = event_names(&page);
    assert_eq!(names[0], "keys.rotated", "{names:?}");
    assert!(page.contains("by administrator olga: fraud"), "{page}");
    assert!(page.contains("by administrator olga: roles consumer farmer"));

    // By person: username or id.
    for who in ["ada", ada_id.as_str()] {
        let names = event_names(&audit(&olga, &[("user", who)]).await);
        assert_eq!(
            names,
            vec!["user.locked", "password.reset", "totp.enabled"],
            "{who}"
        );
    }
    let page = audit(&olga, &[("user", "fred")]).await;
    assert_eq!(event_names(&page), vec!["user.roles"]);
    let page = audit(&olga, &[("user", "nobody-at-all")]).await;
    assert!(page.contains("No events match (is the username right?)"));

    // By family or exact name.
    let names = event_names(&audit(&olga, &[("event", "user")]).await);
    assert_eq!(names, vec!["user.roles", "user.locked"]);
    let names = event_names(&audit(&olga, &[("event", "user.locked")]).await);
    assert_eq!(names, vec!["user.locked"]);
    let names = event_names(&audit(&olga, &[("event", "keys")]).await);
    assert_eq!(names, vec!["keys.rotated"]);
    let names = event_names(&audit(&olga, &[("event", "use")]).await);
    assert!(names.is_empty(), "a family is a whole prefix: {names:?}");
    let names = event_names(&audit(&olga, &[("event", "%")]).await);
    assert!(names.is_empty(), "% is literal: {names:?}");
    let names = event_names(&audit(&olga, &[("event", "login")]).await);
    assert!(!names.is_empty() && names.iter().all(|n| n.starts_with("login.")));

    // By dates (UTC days, both inclusive).
    let ten = day_of(today - 10 * 86_400);
    let twenty = day_of(today - 20 * 86_400);
    let page = audit(&olga, &[("from", &ten), ("to", &ten)]).await;
    assert_eq!(event_names(&page), vec!["password.reset"]);
    assert!(
        page.contains(&format!("value=\"{ten}\"")),
        "the filter is kept"
    );
    let page = audit(&olga, &[("to", &ten)]).await;
    assert_eq!(event_names(&page), vec!["password.reset", "totp.enabled"]);
    let page = audit(&olga, &[("from", &twenty), ("to", &ten), ("user", "ada")]).await;
    assert_eq!(event_names(&page), vec!["password.reset", "totp.enabled"]);
    let page = audit(&olga, &[("from", &day_of(today - 86_400))]).await;
    let names = event_names(&page);
    assert!(names.contains(&"user.locked".to_string()));
    assert!(!names.contains(&"password.reset".to_string()));
    // Unreadable dates are ignored rather than refused.
    for junk in ["yesterday", "2024-13-45", "\u{0}", "9999999999-01-01"] {
        let page = audit(&olga, &[("from", junk), ("event", "user")]).await;
        assert_eq!(event_names(&page).len(), 2, "from {junk:?}");
    }
}

#[tokio::test]
async fn the_audit_trail_pages_back_with_older_events() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let start = app.clock.now() - 1000;
    for n in 0..120 {
        let record = AuditRecord {
            at: start + n,
            event: "session.ended".into(),
            outcome: "success".into(),
            user_id: Some(ada_id.clone()),
            detail: Some(format!("event #{n:03}")),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut page = audit(&olga, &[("user", "ada"), ("event", "session")]).await;
    let mut pages = 1;
    loop {
        for row in rows(&page) {
            let at = row.find("event #").expect("a numbered event");
            seen.push(row[at + 7..at + 10].parse::<i64>().unwrap());
        }
        let Some(older) = link_rel(&page, "next") else {
            break;
        };
        assert!(older.contains("user=ada"), "{older}");
        assert!(older.contains("event=session"), "{older}");
        assert!(older.contains("before="), "{older}");
        page = open(&olga, &older).await;
        pages += 1;
        assert!(pages <= 4, "too many pages");
    }
    assert_eq!(pages, 3);
    let expected: Vec<i64> = (0..120).rev().collect();
    assert_eq!(seen, expected, "newest first, each once");
    // A nonsense `before` is ignored.
    let page = audit(&olga, &[("user", "ada"), ("before", "x")]).await;
    assert_eq!(rows(&page).len(), 50);
}
