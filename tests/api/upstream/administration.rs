//! Providers are configured on the command line: the secret from standard input, never
//! printed back; bad input is one line on standard error; deleting takes the links along.

use crate::support::{Cli, assert_one_line_error, stdout_json};

const SECRET: &str = "an upstream client secret";

fn create(cli: &Cli, id: &str, issuer: &str) -> std::process::Output {
    let args = [
        "upstream",
        "create",
        "--id",
        id,
        "--label",
        "Google",
        "--issuer",
        issuer,
        "--client-id",
        "farm-auth.apps",
        "--client-secret-stdin",
        "--trust-mfa",
        "--json",
    ];
    cli.run(&args, Some(SECRET))
}

#[tokio::test]
async fn a_provider_is_created_listed_and_deleted_without_showing_its_secret() {
    let cli = Cli::new().await;
    let created = create(&cli, "google", "https://accounts.google.com");
    let stdout = String::from_utf8_lossy(&created.stdout).to_string();
    let json = stdout_json(&created);
    assert_eq!(json["id"], "google");
    assert_eq!(json["scopes"], "openid email profile");
    assert_eq!(json["trust_mfa"], true);
    assert!(
        json["redirect_uri"]
            .as_str()
            .unwrap()
            .ends_with("/login/upstream/callback")
    );
    assert!(!stdout.contains(SECRET));
    let store = cli.database.store().await;
    let stored = store.find_upstream("google").await.unwrap().unwrap();
    assert_eq!(
        stored.client_secret, SECRET,
        "sealed at rest, opened when read"
    );
    let listed = cli.run(&["upstream", "list", "--json"], None);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(SECRET));
    assert_eq!(stdout_json(&listed).as_array().unwrap().len(), 1);
    let deleted = cli.run(&["upstream", "delete", "google"], None);
    assert!(deleted.status.success());
    assert!(store.find_upstream("google").await.unwrap().is_none());
    let again = cli.run(&["upstream", "delete", "google"], None);
    assert_one_line_error(&again, "no provider with id 'google'");
}

#[tokio::test]
async fn bad_provider_settings_are_one_line_errors() {
    let cli = Cli::new().await;
    assert_one_line_error(
        &create(&cli, "Google!", "https://accounts.google.com"),
        "the id",
    );
    assert_one_line_error(
        &create(&cli, "google", "http://accounts.google.com"),
        "https",
    );
    assert_one_line_error(&create(&cli, "callback", "https://a.example"), "the id");
    assert_one_line_error(&create(&cli, "signup", "https://a.example"), "the id");
    assert!(
        create(&cli, "google", "https://accounts.google.com")
            .status
            .success()
    );
    assert_one_line_error(
        &create(&cli, "google", "https://a.example"),
        "exists already",
    );
}
