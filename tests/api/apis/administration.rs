//! Administering APIs: `farm-auth api create|list|delete` (the JSON CONTRACT.md gives), the
//! admin API's CRUD with the schemas of the OpenAPI document, every change in the audit
//! trail, and hostile input refused with nothing stored.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    Cli, INVENTORY, TestApp, TestClient, api_person, assert_api_error, assert_documented,
    assert_no_content, assert_one_line_error, call_api, claims_of, json_answer, openapi_document,
    operator, send_json, stdout_json,
};

#[tokio::test]
async fn apis_are_created_listed_and_deleted_on_the_command_line() {
    let cli = Cli::new().await;
    let created = stdout_json(&cli.run(
        &[
            "api",
            "create",
            "--name",
            "Inventory",
            "--audience",
            INVENTORY,
            "--scope",
            "inventory:write=Change your stock levels",
            "--vendor-scope",
            "inventory:read=See your stock levels",
            "--json",
        ],
        None,
    ));
    assert_eq!(created["audience"], INVENTORY);
    assert!(created["client_id"].as_str().unwrap().len() >= 16);
    assert!(created["client_secret"].as_str().unwrap().len() >= 43);
    let api_id = created["api_id"].as_str().unwrap().to_string();

    let listed = stdout_json(&cli.run(&["api", "list", "--json"], None));
    let apis = listed.as_array().unwrap();
    assert_eq!(apis.len(), 1);
    assert_eq!(apis[0]["api_id"], api_id.as_str());
    assert_eq!(apis[0]["name"], "Inventory");
    let scopes = &apis[0]["scopes"];
    assert_eq!(
        scopes,
        &json!([
            {"scope": "inventory:read", "description": "See your stock levels", "vendor_open": true},
            {"scope": "inventory:write", "description": "Change your stock levels", "vendor_open": false},
        ])
    );
    assert!(
        !listed
            .to_string()
            .contains(created["client_secret"].as_str().unwrap())
    );

    // The API's own client is listed among the clients, with no grant and no scope.
    let clients = stdout_json(&cli.run(&["client", "list", "--json"], None));
    assert_eq!(clients[0]["client_id"], created["client_id"]);
    assert_eq!(clients[0]["grant_types"], json!([]));

    let deleted = cli.run(&["api", "delete", INVENTORY], None);
    assert!(deleted.status.success(), "{deleted:?}");
    let listed = stdout_json(&cli.run(&["api", "list", "--json"], None));
    assert_eq!(listed, json!([]));
    let clients = stdout_json(&cli.run(&["client", "list", "--json"], None));
    assert_eq!(clients, json!([]));
    assert_one_line_error(&cli.run(&["api", "delete", &api_id], None), "no API");
}

#[tokio::test]
async fn bad_apis_are_refused_on_the_command_line_with_one_line_and_nothing_stored() {
    let app = TestApp::spawn().await;
    app.api(
        "Orders",
        "https://orders.farm.example",
        &[("orders:read", false)],
    )
    .await;
    let (apis, clients) = (app.rows("apis").await, app.rows("clients").await);
    for (args, mentions) in [
        (
            vec!["--audience", "/relative", "--scope", "a:b"],
            "audience",
        ),
        (
            vec!["--audience", "https://x.example/#f", "--scope", "a:b"],
            "fragment",
        ),
        (
            vec!["--audience", "https://x.example"],
            "at least one scope",
        ),
        (
            vec!["--audience", "https://x.example", "--scope", "openid"],
            "farm-auth",
        ),
        (
            vec!["--audience", "https://x.example", "--scope", "account"],
            "farm-auth",
        ),
        (
            vec!["--audience", "https://x.example", "--scope", "a b"],
            "not a scope",
        ),
        (
            vec!["--audience", "https://x.example", "--scope", "a\"b"],
            "not a scope",
        ),
        (
            vec![
                "--audience",
                "https://x.example",
                "--scope",
                "a",
                "--scope",
                "a",
            ],
            "twice",
        ),
        (
            vec!["--audience", "https://orders.farm.example", "--scope", "x"],
            "another API",
        ),
        (
            vec!["--audience", "https://x.example", "--scope", "orders:read"],
            "another API",
        ),
    ] {
        let mut full = vec!["api", "create", "--name", "Bad", "--json"];
        full.extend(args.iter().copied());
        assert_one_line_error(&operator(&app, &full), mentions);
    }
    let nameless = operator(
        &app,
        &[
            "api",
            "create",
            "--name",
            " ",
            "--audience",
            "https://y.example",
            "--scope",
            "y",
        ],
    );
    assert_one_line_error(&nameless, "name");
    assert_eq!(app.rows("apis").await, apis);
    assert_eq!(app.rows("clients").await, clients);
    assert_eq!(app.rows("api_scopes").await, 1);
}

#[tokio::test]
async fn the_admin_api_creates_reads_changes_and_deletes_apis_as_documented() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let t = Some(root.token.as_str());
    let body = json!({
        "name": "Inventory",
        "audience": INVENTORY,
        "scopes": [
            {"scope": "inventory:read", "description": "See stock", "vendor_open": true},
            {"scope": "inventory:write"},
        ],
    });
    let created = json_answer(
        send_json(&app, Method::POST, "/api/v1/admin/apis", t, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(&doc, "post", "/api/v1/admin/apis", 201, &created);
    let id = created["api_id"].as_str().unwrap();
    let path = format!("/api/v1/admin/apis/{id}");

    // The API's credentials work at once: a token for it is active to it.
    let api_client = TestClient {
        id: created["client_id"].as_str().unwrap().into(),
        secret: created["client_secret"].as_str().unwrap().into(),
    };
    let bot = app.machine_client("inventory:write").await;
    let token = app.access_token(&bot, None).await;
    assert_eq!(claims_of(&token)["aud"], INVENTORY);
    assert_eq!(app.introspect(&api_client, &token).await["active"], true);

    let list = json_answer(
        call_api(&app, Method::GET, "/api/v1/admin/apis", t, None).await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/apis", 200, &list);
    assert_eq!(
        list["apis"][0]["scopes"][1]["description"],
        "inventory:write"
    );
    let one = json_answer(
        call_api(&app, Method::GET, &path, t, None).await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/apis/{id}", 200, &one);
    assert_eq!(one, list["apis"][0]);

    let scopes = json!({"scopes": [{"scope": "inventory:read", "description": "See stock"}]});
    let changed = json_answer(
        send_json(&app, Method::PUT, &format!("{path}/scopes"), t, &scopes).await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "put", "/api/v1/admin/apis/{id}/scopes", 200, &changed);
    assert_eq!(
        changed["scopes"],
        json!([{"scope": "inventory:read", "description": "See stock", "vendor_open": false}])
    );
    // `inventory:write` is no API's scope any more: the bot's token is farm-auth's.
    let token = app.access_token(&bot, None).await;
    assert_eq!(claims_of(&token)["aud"], app.issuer.as_str());

    let events = app.store.list_audit_events(None, 50).await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert!(names.contains(&"api.created"), "{names:?}");
    assert!(names.contains(&"api.scopes_changed"), "{names:?}");

    assert_no_content(call_api(&app, Method::DELETE, &path, t, None).await).await;
    let gone = call_api(&app, Method::GET, &path, t, None).await;
    let missing = json_answer(gone, StatusCode::NOT_FOUND).await;
    assert_documented(&doc, "get", "/api/v1/admin/apis/{id}", 404, &missing);
    let again = call_api(&app, Method::DELETE, &path, t, None).await;
    assert_api_error(again, StatusCode::NOT_FOUND, "not_found").await;
    let events = app.store.list_audit_events(None, 50).await.unwrap();
    assert!(events.iter().any(|e| e.event == "api.deleted"));
    assert_eq!(app.rows("apis").await, 0);
}

#[tokio::test]
async fn hostile_api_bodies_are_refused_with_nothing_stored_and_never_a_500() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let t = Some(root.token.as_str());
    let orders = app
        .api(
            "Orders",
            "https://orders.farm.example",
            &[("orders:read", false)],
        )
        .await;
    let (apis, clients, scopes) = (
        app.rows("apis").await,
        app.rows("clients").await,
        app.rows("api_scopes").await,
    );
    let long = "x".repeat(5000);
    let new = |name: &str, audience: &str, scopes: Value| json!({"name": name, "audience": audience, "scopes": scopes});
    let one = json!([{"scope": "a:b"}]);
    for (body, status, code) in [
        (
            new("", "https://x.example", one.clone()),
            400,
            "invalid_api",
        ),
        (
            new(&long, "https://x.example", one.clone()),
            400,
            "invalid_api",
        ),
        (new("X", "not a uri", one.clone()), 400, "invalid_api"),
        (
            new("X", "https://x.example/\u{0}", one.clone()),
            400,
            "invalid_api",
        ),
        (
            new("X", &format!("https://x.example/{long}"), one.clone()),
            400,
            "invalid_api",
        ),
        (new("X", "https://x.example", json!([])), 400, "invalid_api"),
        (
            new("X", "https://x.example", json!([{"scope": "admin"}])),
            400,
            "invalid_api",
        ),
        (
            new("X", "https://x.example", json!([{"scope": "\u{7f}"}])),
            400,
            "invalid_api",
        ),
        (
            new("X", "https://x.example", json!([{"scope": long}])),
            400,
            "invalid_api",
        ),
        (new("X", &app.issuer, one.clone()), 400, "invalid_api"),
        (
            new("X", "https://orders.farm.example", one.clone()),
            409,
            "api_taken",
        ),
        (
            new("X", "https://x.example", json!([{"scope": "orders:read"}])),
            409,
            "api_taken",
        ),
        (json!({"name": "X"}), 400, "invalid_request"),
        (
            json!({"name": "X", "audience": "https://x.example", "scopes": "a"}),
            400,
            "invalid_request",
        ),
        (json!([1, 2]), 400, "invalid_request"),
    ] {
        let response = send_json(&app, Method::POST, "/api/v1/admin/apis", t, &body).await;
        let status = StatusCode::from_u16(status).unwrap();
        let answer = assert_api_error(response, status, code).await;
        assert_documented(&doc, "post", "/api/v1/admin/apis", status.as_u16(), &answer);
    }
    // Scopes of an unknown API, and a hostile id.
    for id in ["nobody", "%00", &"a".repeat(300)] {
        let response = send_json(
            &app,
            Method::PUT,
            &format!("/api/v1/admin/apis/{id}/scopes"),
            t,
            &json!({"scopes": [{"scope": "z"}]}),
        )
        .await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let taken = send_json(
        &app,
        Method::PUT,
        &format!("/api/v1/admin/apis/{}/scopes", orders.id),
        t,
        &json!({"scopes": [{"scope": "openid"}]}),
    )
    .await;
    assert_api_error(taken, StatusCode::BAD_REQUEST, "invalid_api").await;
    assert_eq!(app.rows("apis").await, apis);
    assert_eq!(app.rows("clients").await, clients);
    assert_eq!(app.rows("api_scopes").await, scopes);

    // Without the admin role or scope.
    let farmer = api_person(
        &app,
        "marigold",
        Role::Farmer,
        "openid account",
        "openid account",
    )
    .await;
    let refused = call_api(
        &app,
        Method::GET,
        "/api/v1/admin/apis",
        Some(&farmer.token),
        None,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let _: Value = refused.json().await.unwrap();
}
