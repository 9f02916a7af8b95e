//! `farm-auth webhook create|list|delete`: the platform services' webhook endpoints, through
//! the same domain functions as the console and the admin API. The signing secret is
//! printed once, by `create`.

use clap::{Args, Subcommand};

use super::print_result;
use crate::accounts::admin::Actor;
use crate::events::endpoints::{self, NewEndpoint};
use crate::state::AppState;

#[derive(Subcommand, Debug)]
pub enum WebhookCommand {
    /// Subscribe an endpoint to event types; prints its signing secret, this once.
    Create(WebhookCreate),
    /// List the endpoints (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete an endpoint and its deliveries.
    Delete { id: String },
}

#[derive(Args, Debug)]
pub struct WebhookCreate {
    #[arg(long)]
    url: String,
    /// An event type to send (`person.locked`); repeat for more.
    #[arg(long = "event", required = true)]
    events: Vec<String>,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long)]
    json: bool,
}

pub async fn webhook_command(state: &AppState, command: WebhookCommand) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Create(args) => {
            let new = NewEndpoint {
                url: args.url,
                description: args.description,
                event_types: args.events,
                disabled: false,
            };
            let created = endpoints::subscribe(state, Actor::CommandLine, new).await?;
            let text = format!(
                "webhook endpoint {} created; its signing secret (shown once): {}",
                created.endpoint.id, created.secret
            );
            print_result(args.json, serde_json::to_value(&created)?, &text);
        }
        WebhookCommand::List { json } => {
            let all = endpoints::list(state).await?;
            if json {
                println!("{}", serde_json::to_value(&all)?);
            } else {
                for e in &all {
                    println!("{}\t{}\t{}", e.id, e.url, e.event_types.join(","));
                }
            }
        }
        WebhookCommand::Delete { id } => {
            endpoints::delete(state, Actor::CommandLine, &id).await?;
            println!("webhook endpoint {id} deleted");
        }
    }
    Ok(())
}
