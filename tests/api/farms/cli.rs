//! `farm-auth farm create|add-member|list` (CONTRACT "Command line"): a farm made here is
//! active with its owner a farmer; bad input is one line on standard error and a non-zero
//! exit, with nothing written.

use farm_auth::accounts::users::Role;

use crate::support::{TestApp, assert_one_line_error, operator, stdout_json};

#[tokio::test]
async fn the_command_line_creates_an_active_farm_adds_members_and_lists_farms() {
    let app = TestApp::spawn().await;
    app.person("olive", Role::Consumer).await;
    app.person("sam", Role::Consumer).await;
    let created = operator(
        &app,
        &[
            "farm",
            "create",
            "--name",
            "Green Acres",
            "--owner",
            "olive",
            "--json",
        ],
    );
    let farm = stdout_json(&created)["farm_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    assert_eq!(app.user("olive").await.roles, vec!["farmer"]);
    let added = operator(
        &app,
        &["farm", "add-member", &farm, "sam", "--role", "staff"],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let sam = app.user("sam").await;
    assert!(
        app.member_rows(&farm)
            .await
            .contains(&(sam.id, "staff".into()))
    );
    let listed = operator(&app, &["farm", "list"]);
    let text = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(text, format!("{farm}\tactive\tGreen Acres\n"));
    let listed = stdout_json(&operator(&app, &["farm", "list", "--json"]));
    assert_eq!(
        listed,
        serde_json::json!([{"id": farm, "name": "Green Acres", "status": "active"}])
    );
    assert_eq!(app.trail("farm.created").await.len(), 1);
    assert_eq!(app.trail("farm.member_added").await.len(), 1);
}

#[tokio::test]
async fn bad_farm_commands_fail_with_one_line_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.person("olive", Role::Consumer).await;
    let farm = app.active_farm("Green Acres", "olive").await;
    let before = app.member_rows(&farm).await;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["farm", "create", "--name", "X", "--owner", "nobody"],
            "no user",
        ),
        (
            vec!["farm", "create", "--name", "", "--owner", "olive"],
            "name",
        ),
        (
            vec!["farm", "create", "--name", "a\u{202e}b", "--owner", "olive"],
            "control",
        ),
        (
            vec!["farm", "add-member", &farm, "olive", "--role", "boss"],
            "owner, manager or staff",
        ),
        (
            vec![
                "farm",
                "add-member",
                "no-such-farm",
                "olive",
                "--role",
                "staff",
            ],
            "no such farm",
        ),
        (
            vec!["farm", "add-member", &farm, "olive", "--role", "staff"],
            "already a member",
        ),
        (vec!["farm", "list", "--status", "gone"], "unknown status"),
    ];
    for (args, mentions) in cases {
        assert_one_line_error(&operator(&app, &args), mentions);
    }
    assert_eq!(app.member_rows(&farm).await, before);
    assert_eq!(
        farm_auth::accounts::farms::list(&app.state, None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_command_line_approves_refuses_suspends_and_reactivates_farms() {
    let app = TestApp::spawn().await;
    app.person("olive", Role::Consumer).await;
    let farm = app.active_farm("Green Acres", "olive").await;
    let run = |args: &[&str]| operator(&app, args);
    // An active farm cannot be approved; a suspension needs a reason.
    assert_one_line_error(&run(&["farm", "approve", &farm]), "pending");
    assert_one_line_error(
        &run(&["farm", "suspend", &farm, "--reason", "  "]),
        "reason",
    );
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    let suspended = run(&["farm", "suspend", &farm, "--reason", "unpaid fees"]);
    assert!(
        suspended.status.success(),
        "{}",
        String::from_utf8_lossy(&suspended.stderr)
    );
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("suspended"));
    let reactivated = run(&["farm", "reactivate", &farm]);
    assert!(
        reactivated.status.success(),
        "{}",
        String::from_utf8_lossy(&reactivated.stderr)
    );
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    assert_one_line_error(
        &run(&["farm", "refuse", &farm, "--reason", "no"]),
        "pending",
    );
    assert_one_line_error(&run(&["farm", "approve", "no-such-farm"]), "no such farm");
    assert_eq!(app.trail("farm.suspended").await.len(), 1);
    assert_eq!(app.trail("farm.reactivated").await.len(), 1);
}
