//! The admin API as the seeded mode drives it: the bench user made an administrator, an
//! admin app registered for the `admin` scope, and an access token got through the browser
//! flow (authorize → login → code → token), as an administrator's tool would. The server runs
//! with `FARM_AUTH_ADMIN_REQUIRE_MFA=false` in this mode (decision 98): the second factor is
//! a claim in the token, checked in memory, and enrolling one would only add set-up; the
//! sign-in's age (at most an hour) still holds, so a token is fetched after each restart.
//! Then the requests measured: user searches (prefix, decision 90) and audit filters (by
//! person, client, event family and time range, decision 91), each a list of requests taken
//! in turn.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, ensure};
use url::Url;

use crate::endpoints::{Credentials, Endpoints};
use crate::flow::{Flow, REDIRECT_URI, USERNAME};
use crate::http::Request;
use crate::server::Server;

/// What the admin app asks for.
pub(crate) const ADMIN_APP_SCOPE: &str = "openid admin";

impl Server {
    /// The admin app: a confidential web client for the admin scope, beside the others.
    pub(crate) fn create_admin_app(&self) -> Result<Credentials> {
        self.register_client(&[
            "--name",
            "bench admin tool",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant-type",
            "authorization_code",
            "--scope",
            ADMIN_APP_SCOPE,
        ])
    }

    /// Gives the bench user the admin role as well (the role changes none of the measured
    /// paths: their scopes do not ask for roles).
    pub(crate) fn make_user_admin(&self) -> Result<()> {
        let output = self
            .command()
            .args(["user", "set-roles", USERNAME, "consumer", "admin"])
            .output()
            .context("cannot run `farm-auth user set-roles`")?;
        ensure!(
            output.status.success(),
            "`farm-auth user set-roles` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    }
}

/// An access token for the admin API: one browser flow at the admin app (the consent page
/// allowed the first time).
pub(crate) async fn admin_token(endpoints: &Endpoints, admin_app: &Credentials) -> Result<String> {
    let flow = Flow::new(endpoints, admin_app, ADMIN_APP_SCOPE)?;
    let response = flow.tokens().await?;
    let json: serde_json::Value =
        serde_json::from_slice(&response.body).context("the token response is not JSON")?;
    json["access_token"]
        .as_str()
        .map(str::to_string)
        .context("the admin app's token response has no access_token")
}

/// The user searches: a username prefix matching a tenth of everyone (the bounded count
/// stops at 1,000), a narrower one, an address prefix (the second phase), and no match.
pub(crate) fn user_searches(endpoints: &Endpoints, token: &str) -> Result<Vec<Request>> {
    let queries = ["user1", "user4242", "p77", "nobody"];
    queries
        .iter()
        .map(|q| {
            admin_get(
                endpoints,
                token,
                "/api/v1/admin/users",
                &[("q", q), ("limit", "25")],
            )
        })
        .collect()
}

/// The audit filters: one person, one client, an event family, a time range (early in the
/// seeded span, so that it holds events at every size), and a person with a family.
pub(crate) fn audit_filters(endpoints: &Endpoints, token: &str) -> Result<Vec<Request>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let since = (now - 301 * 86_400 + 7_200).to_string();
    let until = (now - 300 * 86_400).to_string();
    let filters: [&[(&str, &str)]; 5] = [
        &[("user_id", "u4242")],
        &[("client_id", "client7")],
        &[("event", "login")],
        &[("since", &since), ("until", &until)],
        &[("user_id", "u777"), ("event", "session")],
    ];
    filters
        .iter()
        .map(|filter| {
            let mut pairs = filter.to_vec();
            pairs.push(("limit", "50"));
            admin_get(endpoints, token, "/api/v1/admin/audit", &pairs)
        })
        .collect()
}

fn admin_get(
    endpoints: &Endpoints,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Request> {
    let mut url: Url = endpoints.discovery.join(path)?;
    url.query_pairs_mut().extend_pairs(query);
    Request::get_with(&url, &[("authorization", &format!("Bearer {token}"))])
}
