//! What a browser does that the load generator needs: a `CookieJar` kept from `Set-Cookie`
//! headers, and reading a response as a browser step would (a 303's `Location`, a page's
//! hidden form field, a query parameter). Used by the browser flow and by the signed-in
//! scenarios (SSO, and the sign-in that starts each refresh chain).

use std::fmt::Write as _;

use crate::http::Response;

/// The cookies of one browser: for one flow, or for a signed-in worker's whole run.
#[derive(Default)]
pub(crate) struct CookieJar(Vec<(String, String)>);

impl CookieJar {
    /// Keeps what the response's `Set-Cookie` headers set (attributes aside: every cookie
    /// here is for this one host and path `/`), and forgets what they delete.
    pub(crate) fn update(&mut self, response: &Response) {
        for set_cookie in response.headers("set-cookie") {
            let mut attributes = set_cookie.split(';');
            let Some((name, value)) = attributes.next().and_then(|pair| pair.split_once('='))
            else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            let deleted =
                value.is_empty() || attributes.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            self.0.retain(|(n, _)| n != name);
            if !deleted {
                self.0.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// The `Cookie` header to send.
    pub(crate) fn header(&self) -> String {
        let mut header = String::new();
        for (name, value) in &self.0 {
            if !header.is_empty() {
                header.push_str("; ");
            }
            let _ = write!(header, "{name}={value}");
        }
        header
    }
}

/// What a failed step returns: which request, and what went wrong.
pub(crate) fn at(step: &str, what: impl std::fmt::Display) -> String {
    format!("{step}: {what}")
}

/// The `Location` of a 303 that starts with `prefix`, once the cookies it sets are kept.
pub(crate) fn redirect(
    response: Result<Response, String>,
    jar: &mut CookieJar,
    prefix: &str,
) -> Result<String, String> {
    let response = response?;
    jar.update(&response);
    if response.status != 303 {
        return Err(format!(
            "status {} instead of 303, body {}",
            response.status,
            response.body_excerpt()
        ));
    }
    let location = response
        .header("location")
        .ok_or("a 303 without a location")?;
    if !location.starts_with(prefix) {
        return Err(format!("redirected to {location}, expected {prefix}..."));
    }
    Ok(location.to_string())
}

/// A 200 page's hidden form field `name`, once the cookies it sets are kept.
pub(crate) fn page(
    response: Result<Response, String>,
    jar: &mut CookieJar,
    name: &str,
) -> Result<String, String> {
    let response = response?;
    jar.update(&response);
    let html = std::str::from_utf8(&response.body).unwrap_or_default();
    let needle = format!(r#"name="{name}""#);
    let value = html
        .find(&needle)
        .map(|at| &html[at + needle.len()..])
        .and_then(|rest| rest.split_once(r#"value=""#))
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value);
    match value {
        Some(value) if response.status == 200 && !value.is_empty() => Ok(value.to_string()),
        _ => Err(format!(
            "status {}, no {name} field in body {}",
            response.status,
            response.body_excerpt()
        )),
    }
}

pub(crate) fn ensure_cookie(jar: &CookieJar) -> Result<(), String> {
    match jar.0.is_empty() {
        true => Err("no session cookie was set".to_string()),
        false => Ok(()),
    }
}

/// The value of `name` in the query of `location`.
pub(crate) fn query_value(location: &str, name: &str) -> Result<String, String> {
    let query = location.split_once('?').map_or("", |(_, query)| query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| format!("no {name} in {location}"))
}
