//! The command line, run as the real binary: clients, users, roles, keys, initial access
//! tokens, settings and `.env`, a clean stop on SIGTERM, and one-line errors with nothing
//! stored. Locking a person from the command line is in `suspension`.

use std::time::Duration;

use serde_json::Value;

use crate::support::{
    Cli, TestDatabase, assert_one_line_error, operator, run_farm_auth, serve_binary, stdout_json,
};

#[tokio::test]
async fn clients_are_created_listed_and_deleted() {
    let cli = Cli::new().await;
    let created = stdout_json(&cli.run(
        &[
            "client",
            "create",
            "--name",
            "Veg Box",
            "--redirect-uri",
            "https://vegbox.example/cb",
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--scope",
            "openid profile email offline_access",
            "--json",
        ],
        None,
    ));
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43);

    let public = stdout_json(&cli.run(
        &[
            "client",
            "create",
            "--name",
            "App",
            "--redirect-uri",
            "com.vegbox.app:/cb",
            "--public",
            "--json",
        ],
        None,
    ));
    assert!(
        public.get("client_secret").is_none(),
        "a public client has no secret"
    );

    let list = cli.run(&["client", "list", "--json"], None);
    let listed = stdout_json(&list);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains(secret),
        "list never shows secrets"
    );
    let veg_box = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id)
        .unwrap();
    assert_eq!(
        veg_box["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(veg_box["client_name"], "Veg Box");

    let deleted = cli.run(&["client", "delete", id], None);
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    assert_one_line_error(&cli.run(&["client", "delete", id], None), "no client");
    assert_eq!(
        stdout_json(&cli.run(&["client", "list", "--json"], None))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_client_metadata_is_refused_with_one_line_and_nothing_stored() {
    let cli = Cli::new().await;
    let cases: [&[&str]; 4] = [
        &[
            "client",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "http://shop.example/cb",
            "--json",
        ],
        &[
            "client",
            "create",
            "--name",
            "x",
            "--grant-type",
            "password",
            "--json",
        ],
        &[
            "client",
            "create",
            "--name",
            "x",
            "--public",
            "--grant-type",
            "client_credentials",
            "--json",
        ],
        &[
            "client",
            "create",
            "--name",
            "x",
            "--token-endpoint-auth-method",
            "private_key_jwt",
            "--json",
        ],
    ];
    for args in cases {
        assert_one_line_error(&cli.run(args, None), "error:");
    }
    assert_eq!(
        stdout_json(&cli.run(&["client", "list", "--json"], None)),
        serde_json::json!([])
    );
}

/// `user create` arguments; the password comes on standard input.
fn user_create<'a>(username: &'a str, email: &'a str, role: &'a str) -> [&'a str; 10] {
    let args = [
        "user",
        "create",
        "--username",
        username,
        "--email",
        email,
        "--role",
        role,
    ];
    [
        args[0],
        args[1],
        args[2],
        args[3],
        args[4],
        args[5],
        args[6],
        args[7],
        "--password-stdin",
        "--json",
    ]
}

#[tokio::test]
async fn users_are_created_with_the_password_from_standard_input() {
    let cli = Cli::new().await;
    let short_name = cli.run(
        &user_create("jo", "jo@farm.example", "farmer"),
        Some("a long password\n"),
    );
    assert_one_line_error(&short_name, "username");

    let args = user_create("farmer_jo", "jo@farm.example", "farmer");
    let user = stdout_json(&cli.run(&args, Some("a long password\n")));
    assert_eq!(user["username"], "farmer_jo");
    assert_eq!(user["roles"], serde_json::json!(["farmer"]));

    let store = farm_auth::store::Store::connect(&cli.database.url)
        .await
        .unwrap();
    let stored = store
        .find_user_by_username("FARMER_JO")
        .await
        .unwrap()
        .unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(
        farm_auth::accounts::password::verify_blocking("a long password", &hash),
        "the trailing newline is not part of the password"
    );

    let again = user_create("Farmer_Jo", "x@farm.example", "consumer");
    assert_one_line_error(
        &cli.run(&again, Some("another long one")),
        "already registered",
    );
    let bad_role = user_create("sam", "s@farm.example", "root");
    assert_one_line_error(&cli.run(&bad_role, Some("a long password")), "role");
    let sam = user_create("sam", "s@farm.example", "consumer");
    assert_one_line_error(&cli.run(&sam, Some("short")), "password");
    assert_one_line_error(&cli.run(&sam, Some("")), "password");
}

#[tokio::test]
async fn keys_rotate_makes_a_new_active_key() {
    let cli = Cli::new().await;
    let first = stdout_json(&cli.run(&["keys", "rotate", "--json"], None));
    let second = stdout_json(&cli.run(&["keys", "rotate", "--json"], None));
    assert_ne!(first["kid"], second["kid"]);
    // On a new database the first key signs at once; the next one once verifiers can have
    // fetched it.
    let now = farm_auth::Clock::System.now();
    assert!(first["activates_at"].as_i64().unwrap() <= now);
    assert!(second["activates_at"].as_i64().unwrap() > now + 300);
    let store = cli.database.store().await;
    let keys = store
        .list_published_signing_keys(farm_auth::Clock::System.now(), 961)
        .await
        .unwrap();
    assert_eq!(keys[0].kid, second["kid"].as_str().unwrap());
    assert_eq!(keys[0].active, Some(1));
    assert_eq!(keys.len(), 2);
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("FARM_AUTH_LISTEN", "not-an-address"),
        ("FARM_AUTH_ISSUER", "ftp://auth.example"),
        ("FARM_AUTH_DATABASE_URL", "mysql://localhost/x"),
        ("FARM_AUTH_ACCESS_TOKEN_TTL", "ten minutes"),
        ("FARM_AUTH_LOG_FORMAT", "xml"),
    ];
    for (variable, value) in cases {
        let output = run_farm_auth(dir.path(), &[(variable, value)], &["serve"], None);
        assert_one_line_error(&output, variable);
    }
}

#[test]
fn a_dot_env_file_is_read_and_the_real_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "FARM_AUTH_DATABASE_URL=sqlite://from-dotenv.db?mode=rwc\n",
    )
    .unwrap();
    assert!(
        run_farm_auth(dir.path(), &[], &["migrate"], None)
            .status
            .success()
    );
    let database = dir.path().join("from-dotenv.db");
    assert!(database.exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&database).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the database holds private keys: owner only");

    let env = [("FARM_AUTH_DATABASE_URL", "sqlite://from-env.db?mode=rwc")];
    assert!(
        run_farm_auth(dir.path(), &env, &["migrate"], None)
            .status
            .success()
    );
    assert!(dir.path().join("from-env.db").exists());
}

#[tokio::test]
async fn serve_finishes_in_flight_requests_on_sigterm_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new().await;
    let (mut server, listen) = serve_binary(&database, dir.path(), &[]).await;

    // A request whose body is still arriving when SIGTERM comes.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = "grant_type=client_credentials";
    let mut stream = tokio::net::TcpStream::connect(&listen).await.unwrap();
    let head = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: {listen}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // SAFETY: kill(2) on the child we started; no memory is involved.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server waits for the in-flight request"
    );
    stream.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut response = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response))
        .await
        .unwrap()
        .unwrap();
    let response = String::from_utf8_lossy(&response[..n]);
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "the request was answered: {response:.60}"
    );
    drop(stream);

    let mut status = None;
    for _ in 0..50 {
        status = server.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.unwrap_or_else(|| {
        let _ = server.kill();
        panic!("the server did not exit after SIGTERM");
    });
    assert!(status.success(), "exit status {status}");
    // New connections are refused once it has stopped.
    assert!(tokio::net::TcpStream::connect(&listen).await.is_err());
}

#[tokio::test]
async fn a_common_password_is_refused() {
    let cli = Cli::new().await;
    let args = user_create("sam", "s@farm.example", "consumer");
    assert_one_line_error(&cli.run(&args, Some("baseball")), "commonly used");
}

#[test]
fn usage_errors_are_one_line_and_help_still_works() {
    let dir = tempfile::tempdir().unwrap();
    assert_one_line_error(
        &run_farm_auth(dir.path(), &[], &["client", "create", "--json"], None),
        "--name",
    );
    assert_one_line_error(
        &run_farm_auth(dir.path(), &[], &["no-such-command"], None),
        "no-such-command",
    );
    let secret_url = [(
        "FARM_AUTH_DATABASE_URL",
        "postgres://farm:hunter2-secret@db/farm",
    )];
    let help = run_farm_auth(dir.path(), &secret_url, &["serve", "--help"], None);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("FARM_AUTH_DATABASE_URL"),
        "help names the variables"
    );
    assert!(
        !help.contains("hunter2-secret"),
        "help never shows their values"
    );
}

#[tokio::test]
async fn roles_are_set_from_the_command_line_and_bad_input_changes_nothing() {
    use farm_auth::accounts::users::Role;

    let app = crate::support::TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let set = stdout_json(&operator(
        &app,
        &[
            "user",
            "set-roles",
            "marigold",
            "farmer",
            "admin",
            "farmer",
            "--json",
        ],
    ));
    assert_eq!(set["roles"], serde_json::json!(["farmer", "admin"]));
    let stored = app
        .store
        .find_user_by_username("marigold")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.roles, vec!["farmer", "admin"]);

    assert_one_line_error(
        &operator(&app, &["user", "set-roles", "marigold", "root"]),
        "unknown role 'root'",
    );
    assert_one_line_error(
        &operator(&app, &["user", "set-roles", "marigold"]),
        "required",
    );
    assert_one_line_error(
        &operator(&app, &["user", "lock", "nobody"]),
        "no user named 'nobody'",
    );
    assert_one_line_error(
        &operator(&app, &["user", "unlock", "nobody"]),
        "no user named",
    );
    let stored = app
        .store
        .find_user_by_username("marigold")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.roles, vec!["farmer", "admin"]);
    assert_eq!(stored.locked, None);
}

/// `initial-access-token create` arguments, with `--json`.
fn token_create<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["initial-access-token", "create"];
    args.extend_from_slice(extra);
    args.push("--json");
    args
}

#[tokio::test]
async fn initial_access_tokens_are_issued_from_the_command_line_and_register_clients() {
    use crate::support::initial_access_token_rows;
    use farm_auth::secrets::hash_secret;
    use reqwest::StatusCode;

    let cli = Cli::new().await;
    let started = farm_auth::Clock::System.now();
    let plain = stdout_json(&cli.run(&token_create(&[]), None));
    let token = plain["token"].as_str().expect("token").to_string();
    assert!(token.len() >= 43, "256 bits: {token}");
    assert_eq!(plain["uses"], 1);
    assert_eq!(plain["vendor"], Value::Null);
    let expires_at = plain["expires_at"].as_i64().unwrap();
    let now = farm_auth::Clock::System.now();
    assert!(
        (started + 86_400..=now + 86_400).contains(&expires_at),
        "a day by default: {expires_at}"
    );
    let object = plain.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["expires_at", "farm_id", "token", "uses", "vendor"]);

    let named = stdout_json(&cli.run(
        &token_create(&["--ttl", "3600", "--uses", "3", "--vendor", "Acme Produce"]),
        None,
    ));
    let named_token = named["token"].as_str().unwrap().to_string();
    assert_ne!(named_token, token);
    assert_eq!(named["uses"], 3);
    assert_eq!(named["vendor"], "Acme Produce");
    let named_expiry = named["expires_at"].as_i64().unwrap();
    let now = farm_auth::Clock::System.now();
    assert!((started + 3600..=now + 3600).contains(&named_expiry));

    // Stored as hashes only, issued by nobody (the command line).
    let rows = initial_access_token_rows(&cli.database.url).await;
    assert_eq!(rows.len(), 2);
    for (token, uses, vendor, expiry) in [
        (&token, 1, None, expires_at),
        (&named_token, 3, Some("Acme Produce"), named_expiry),
    ] {
        let row = rows
            .iter()
            .find(|r| r.token_hash == hash_secret(token))
            .expect("stored by its hash");
        assert_eq!(row.uses_left, uses);
        assert_eq!(row.vendor.as_deref(), vendor);
        assert_eq!(row.expires_at, expiry);
        assert_eq!(row.issued_by, None);
        assert!(
            rows.iter()
                .all(|r| !format!("{r:?}").contains(token.as_str()))
        );
    }

    // A server on the same database takes it, and the client carries the vendor.
    let app = crate::support::TestApp::spawn_with(crate::support::Options {
        database: Some(cli.database.clone()),
        clock: Some(farm_auth::Clock::System),
        ..Default::default()
    })
    .await;
    let body = serde_json::json!({
        "client_name": "Acme Orders",
        "redirect_uris": ["https://acme.example/callback"],
    });
    let response = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .bearer_auth(&named_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let info: Value = response.json().await.unwrap();
    let stored = app
        .store
        .find_client(info["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("registered");
    assert_eq!(stored.vendor.as_deref(), Some("Acme Produce"));
    let rows = initial_access_token_rows(&cli.database.url).await;
    let row = rows
        .iter()
        .find(|r| r.token_hash == hash_secret(&named_token))
        .unwrap();
    assert_eq!(row.uses_left, 2);

    let events = app.store.list_audit_events(None, 50).await.unwrap();
    let created: Vec<_> = events
        .iter()
        .filter(|e| e.event == "initial_access_token.created")
        .collect();
    assert_eq!(created.len(), 2, "{events:?}");
    assert!(created.iter().all(|e| e.actor_id.is_none()));
    for event in &events {
        let text = format!("{event:?}");
        assert!(
            !text.contains(&token) && !text.contains(&named_token),
            "{text}"
        );
    }
}

#[tokio::test]
async fn bad_initial_access_token_options_are_refused_with_one_line_and_nothing_stored() {
    let cli = Cli::new().await;
    assert!(cli.run(&["migrate"], None).status.success());
    let long_vendor = "v".repeat(101);
    let cases: [(&[&str], &str); 9] = [
        (&["--ttl", "10"], "error:"),
        (&["--ttl", "59"], "error:"),
        (&["--ttl", "2592001"], "error:"),
        (&["--ttl", "0"], "error:"),
        (&["--ttl", "an hour"], "--ttl"),
        (&["--uses", "0"], "error:"),
        (&["--uses", "101"], "error:"),
        (&["--uses", "many"], "--uses"),
        (&["--vendor", &long_vendor], "error:"),
    ];
    for (extra, mentions) in cases {
        let output = cli.run(&token_create(extra), None);
        assert_one_line_error(&output, mentions);
        assert!(output.stdout.is_empty(), "{extra:?} printed a token");
    }
    assert_one_line_error(
        &cli.run(&["initial-access-token", "create", "--uses", "-1"], None),
        "error:",
    );
    assert!(
        crate::support::initial_access_token_rows(&cli.database.url)
            .await
            .is_empty()
    );

    // The limits themselves are accepted.
    let at_limits = stdout_json(&cli.run(&token_create(&["--ttl", "60", "--uses", "100"]), None));
    assert_eq!(at_limits["uses"], 100);
    stdout_json(&cli.run(&token_create(&["--ttl", "2592000"]), None));
    assert_eq!(
        crate::support::initial_access_token_rows(&cli.database.url)
            .await
            .len(),
        2
    );
}
