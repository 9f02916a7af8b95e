//! `farm-auth upstream create|list|delete`: the upstream OpenID providers people may sign
//! in with, through the same domain functions as the console and the admin API. The client
//! secret is read from standard input, never from an argument, and is never printed.

use clap::{Args, Subcommand};

use super::{print_result, read_password_from_stdin};
use crate::accounts::admin::Actor;
use crate::accounts::upstream::{self, NewUpstream};
use crate::state::AppState;

#[derive(Subcommand, Debug)]
pub enum UpstreamCommand {
    /// Configure a provider; register `ISSUER/login/upstream/callback` at it.
    Create(UpstreamCreate),
    /// List the providers (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a provider and every account's link to it.
    Delete { id: String },
}

#[derive(Args, Debug)]
pub struct UpstreamCreate {
    /// A short slug, in the start URL (`google`).
    #[arg(long)]
    id: String,
    /// The button's text (`Google`).
    #[arg(long)]
    label: String,
    /// The provider's issuer; its discovery document is below it.
    #[arg(long)]
    issuer: String,
    #[arg(long)]
    client_id: String,
    /// Read the client secret from standard input (never from an argument).
    #[arg(long, required = true)]
    client_secret_stdin: bool,
    /// The scopes to ask for (default "openid email profile").
    #[arg(long)]
    scope: Option<String>,
    /// Let the provider's own second factor (its ID token's amr) stand for ours.
    #[arg(long)]
    trust_mfa: bool,
    #[arg(long)]
    json: bool,
}

pub async fn upstream_command(state: &AppState, command: UpstreamCommand) -> anyhow::Result<()> {
    match command {
        UpstreamCommand::Create(args) => {
            let new = NewUpstream {
                id: args.id,
                label: args.label,
                issuer: args.issuer,
                client_id: args.client_id,
                client_secret: read_password_from_stdin()?,
                scopes: args.scope,
                trust_mfa: args.trust_mfa,
            };
            let created = upstream::create(state, Actor::CommandLine, new).await?;
            let text = format!(
                "upstream provider {} created; register this redirect URI at it: {}",
                created.provider.id, created.redirect_uri
            );
            print_result(args.json, serde_json::to_value(&created)?, &text);
        }
        UpstreamCommand::List { json } => {
            let all = upstream::list(state).await?;
            if json {
                println!("{}", serde_json::to_value(&all)?);
            } else {
                for p in &all {
                    println!("{}\t{}\t{}\t{}", p.id, p.label, p.issuer, p.scopes);
                }
            }
        }
        UpstreamCommand::Delete { id } => {
            upstream::delete(state, Actor::CommandLine, &id).await?;
            eprintln!("deleted upstream provider {id}");
        }
    }
    Ok(())
}
