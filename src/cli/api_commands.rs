//! `farm-auth api create|list|delete`: APIs (resource servers, RFC 8707) from the command
//! line, through the same domain functions as the console and the admin API. The API's
//! client secret, for introspection, is printed this once.

use anyhow::bail;
use clap::{Args, Subcommand};

use super::print_result;
use crate::accounts::admin::{self, Actor};
use crate::oauth2::api_admin::{self, NewApi, NewApiScope};
use crate::state::AppState;

#[derive(Subcommand, Debug)]
pub enum ApiCommand {
    /// Register an API; its client secret (for introspection) is printed this once.
    Create(ApiCreate),
    /// List the APIs and their scopes (never secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete an API (by id or audience) with its client.
    Delete { api: String },
}

#[derive(Args, Debug)]
pub struct ApiCreate {
    #[arg(long)]
    name: String,
    /// The absolute URI its access tokens carry as `aud`.
    #[arg(long)]
    audience: String,
    /// A scope it defines, as SCOPE or SCOPE=DESCRIPTION (repeat for several).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// A scope opened to vendor apps, as SCOPE or SCOPE=DESCRIPTION (repeat for several).
    #[arg(long = "vendor-scope")]
    vendor_scopes: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub async fn api_command(state: &AppState, command: ApiCommand) -> anyhow::Result<()> {
    match command {
        ApiCommand::Create(args) => {
            let scopes = (args.scopes.iter().map(|s| NewApiScope::from_arg(s, false)))
                .chain(
                    args.vendor_scopes
                        .iter()
                        .map(|s| NewApiScope::from_arg(s, true)),
                )
                .collect();
            let new = NewApi {
                name: args.name,
                audience: args.audience,
                scopes,
            };
            let created = api_admin::create(state, Actor::CommandLine, new).await?;
            let text = format!(
                "api_id: {}\naudience: {}\nclient_id: {}\nclient_secret: {}\n(the secret is shown this once)",
                created.api_id, created.audience, created.client_id, created.client_secret
            );
            print_result(args.json, serde_json::to_value(&created)?, &text);
        }
        ApiCommand::List { json } => {
            let apis = api_admin::list(state).await?;
            if json {
                let list: Vec<_> = apis.iter().map(api_admin::summary).collect();
                println!("{}", serde_json::Value::from(list));
            } else {
                for api in &apis {
                    let scopes: Vec<&str> = api.scopes.iter().map(|s| s.scope.as_str()).collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        api.id,
                        api.audience,
                        api.name,
                        scopes.join(" ")
                    );
                }
            }
        }
        ApiCommand::Delete { api } => {
            if !api_admin::delete(state, Actor::CommandLine, &api).await? {
                bail!(
                    "no API with id or audience '{}'",
                    admin::printable(&api, 100)
                );
            }
            eprintln!("deleted API {api}");
        }
    }
    Ok(())
}
