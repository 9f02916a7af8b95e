//! The OpenAPI document at `/api/v1/openapi.json`, and the one check that an answer fits the
//! schema the document gives it (the account API and the admin API share the document).

use std::collections::BTreeSet;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use super::app::TestApp;

/// The OpenAPI document as served: a 200 with `application/json`, no token needed.
pub async fn openapi_document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response.headers().get(CONTENT_TYPE).cloned();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(kind.expect("Content-Type"), "application/json");
    serde_json::from_str(&text).expect("the OpenAPI document is JSON")
}

/// The (method, path) operations a document lists.
pub fn operations_in(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("a path item") {
            if ["get", "post", "put", "patch", "delete", "head", "options"]
                .contains(&method.as_str())
            {
                found.insert((method.clone(), path.clone()));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/components/...`).
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} points nowhere"))
        }
        None => value,
    }
}

/// Asserts that `value` fits `schema` of `doc`: a type is given and matches, enums,
/// required and no undocumented properties, array items and sizes.
pub fn assert_fits(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    assert!(!types.is_empty(), "{at}: the schema gives no type");
    let fits = types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    });
    assert!(fits, "{at}: {value} is not {types:?}");
    if let Some(choices) = schema["enum"].as_array() {
        assert!(choices.contains(value), "{at}: {value} not in {choices:?}");
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{at}: no documented properties"));
        for key in object.keys() {
            assert!(
                properties.contains_key(key),
                "{at}: {key} is answered but not documented"
            );
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let required = required.as_str().unwrap();
            assert!(object.contains_key(required), "{at}: {required} missing");
        }
        for (key, item) in object {
            assert_fits(doc, &properties[key], item, &format!("{at}.{key}"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema["minItems"].as_u64() {
            assert!(items.len() as u64 >= min, "{at}: fewer than {min} items");
        }
        if let Some(max) = schema["maxItems"].as_u64() {
            assert!(items.len() as u64 <= max, "{at}: more than {max} items");
        }
        for (n, item) in items.iter().enumerate() {
            assert_fits(doc, &schema["items"], item, &format!("{at}[{n}]"));
        }
    }
}

/// The schema the document gives the JSON answer `status` of `method path`.
pub fn answer_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{method} {path} does not document {status}"
    );
    let response = resolve(doc, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON schema"
    );
    schema
}

/// Asserts that `answer` fits what the document says `method path` answers with `status`.
pub fn assert_documented(doc: &Value, method: &str, path: &str, status: u16, answer: &Value) {
    let schema = answer_schema(doc, method, path, status);
    assert_fits(doc, schema, answer, &format!("{method} {path} {status}"));
}

/// `path` with every `{parameter}` replaced by `some-parameter`.
pub fn concrete_path(path: &str) -> String {
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!("some-{name}"),
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The farm operations, checked by `farms::api` rather than with the account or admin API.
pub fn is_farm_operation(path: &str) -> bool {
    path.starts_with("/api/v1/me/farm") || path.starts_with("/api/v1/admin/farms")
}
