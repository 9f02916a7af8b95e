//! The command line, as the README documents it for operators and scripts: `serve`,
//! `migrate`, and the operator commands for users, clients, keys and registration tokens.
//! Every command reads the same configuration; those that touch the database migrate it
//! first, so any of them works on a fresh database. The operator commands open an
//! [`AppState`] of their own and call the same domain functions as the console and the
//! admin API.

mod api_commands;
mod farm_commands;
mod key_commands;
mod upstream_commands;
mod webhook_commands;

use std::io::Read;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};

use crate::accounts::admin::{self, Actor};
use crate::accounts::users::{self, NewUser, Role};
use crate::app::{App, shutdown_signal};
use crate::clock::Clock;
use crate::config::{Config, ConfigArgs};
use crate::domain::{ClientId, FarmId};
use crate::oauth2::client_metadata::NewClient;
use crate::oauth2::clients::Client;
use crate::oauth2::{initial_access, operator};
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "farm-auth",
    version,
    about = "The sign-in and token service of Not Far(m) From Home"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Run the database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(key_commands::KeysCommand),
    /// Manage the secret key that seals secrets at rest.
    #[command(subcommand)]
    Secrets(key_commands::SecretsCommand),
    /// Issue tokens that let vendors register their apps (RFC 7591).
    #[command(subcommand)]
    InitialAccessToken(InitialAccessTokenCommand),
    /// Manage farms: create, add members, list.
    #[command(subcommand)]
    Farm(farm_commands::FarmCommand),
    /// Manage APIs (resource servers): their audiences, scopes and credentials.
    #[command(subcommand)]
    Api(api_commands::ApiCommand),
    /// Manage upstream OpenID providers people may sign in with.
    #[command(subcommand)]
    Upstream(upstream_commands::UpstreamCommand),
    /// Manage the webhook endpoints of the platform's services.
    #[command(subcommand)]
    Webhook(webhook_commands::WebhookCommand),
}

#[derive(Subcommand, Debug)]
pub enum InitialAccessTokenCommand {
    /// Issue a token for the registration endpoint; it is printed this once.
    Create {
        /// Seconds until it expires (default a day, at most thirty days).
        #[arg(long)]
        ttl: Option<i64>,
        /// How many apps it may register (default 1).
        #[arg(long)]
        uses: Option<i64>,
        /// The vendor its apps are shown with on consent pages.
        #[arg(long)]
        vendor: Option<String>,
        /// The farm whose apps it registers: they belong to the farm.
        #[arg(long)]
        farm: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
    /// Lock an account: no sign-in, every session ended, every token revoked.
    Lock {
        username: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Lift a lock set with `user lock`.
    Unlock {
        username: String,
        /// Why, for the audit trail.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Replace a user's roles (consumer, farmer, admin).
    SetRoles {
        username: String,
        #[arg(required = true)]
        roles: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct UserCreate {
    #[arg(long)]
    username: String,
    #[arg(long)]
    email: String,
    /// consumer, farmer or admin (repeat for several).
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
    /// Read the password from standard input (never from an argument).
    #[arg(long, required = true)]
    password_stdin: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Register a client; its secret is printed this once.
    Create(ClientCreate),
    /// List registered clients (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a client; its tokens stop being valid at introspection.
    Delete { client_id: String },
    /// Suspend a client: it gets no tokens and those it has stop working, until resumed.
    Suspend { client_id: String },
    /// Let a suspended client work again.
    Resume { client_id: String },
}

#[derive(Args, Debug)]
pub struct ClientCreate {
    #[arg(long)]
    name: String,
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    #[arg(long = "grant-type")]
    grant_types: Vec<String>,
    /// Space-separated scopes the client may request.
    #[arg(long)]
    scope: Option<String>,
    /// A public client (no secret; PKCE required).
    #[arg(long)]
    public: bool,
    #[arg(long)]
    token_endpoint_auth_method: Option<String>,
    /// The farm the client belongs to: its access tokens carry the farm's id.
    #[arg(long)]
    farm: Option<String>,
    /// Where OpenID Connect back-channel logout tokens are POSTed.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// The client needs `sid` in logout tokens (Back-Channel Logout 1.0 §2.2).
    #[arg(long)]
    backchannel_logout_session_required: bool,
    /// The least sign-in level (an `acr` value) every authorization of the client needs.
    #[arg(long)]
    min_acr: Option<String>,
    #[arg(long)]
    json: bool,
}

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = App::build(config).await?;
            app.run_until_stopped(shutdown_signal())
                .await
                .context("server failed")
        }
        Command::Migrate => {
            crate::state::open_store(&config).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::User(command) => user_command(&open_state(config).await?, command).await,
        Command::Client(command) => client_command(&open_state(config).await?, command).await,
        Command::InitialAccessToken(command) => {
            initial_access_token_command(&open_state(config).await?, command).await
        }
        Command::Farm(command) => {
            farm_commands::farm_command(&open_state(config).await?, command).await
        }
        Command::Api(command) => {
            api_commands::api_command(&open_state(config).await?, command).await
        }
        Command::Upstream(command) => {
            upstream_commands::upstream_command(&open_state(config).await?, command).await
        }
        Command::Webhook(command) => {
            webhook_commands::webhook_command(&open_state(config).await?, command).await
        }
        Command::Keys(command) => {
            key_commands::keys_command(&open_state(config).await?, command).await
        }
        Command::Secrets(command) => key_commands::secrets_command(&config, command).await,
    }
}

/// What the operator commands act with: the same state the server's requests have, so
/// they call the same domain functions. Its issuer is the one `serve` would have with this
/// configuration.
async fn open_state(config: Config) -> anyhow::Result<AppState> {
    let listen = config.listen;
    AppState::open(config, listen, Clock::System).await
}

async fn create_user(state: &AppState, args: UserCreate) -> anyhow::Result<()> {
    let roles = args
        .roles
        .iter()
        .map(|r| {
            Role::parse(r)
                .with_context(|| format!("unknown role '{r}' (consumer, farmer or admin)"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let password = read_password_from_stdin()?;
    let new = NewUser {
        username: args.username,
        email: args.email,
        password: Some(password),
        roles,
    };
    let user = users::create(state, new).await?;
    let json = serde_json::json!({ "id": user.id, "username": user.username, "email": user.email, "roles": user.roles });
    print_result(
        args.json,
        json,
        &format!("created user {} ({})", user.username, user.id),
    );
    Ok(())
}

async fn user_command(state: &AppState, command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::CommandLine;
    match command {
        UserCommand::Create(args) => create_user(state, args).await,
        UserCommand::Lock {
            username,
            reason,
            json,
        } => {
            let user = admin::find(state, &username).await?;
            admin::lock(state, &user, &reason.unwrap_or_default(), actor).await?;
            let value =
                serde_json::json!({ "id": user.id, "username": user.username, "locked": true });
            print_result(json, value, &format!("locked {}", user.username));
            Ok(())
        }
        UserCommand::Unlock {
            username,
            reason,
            json,
        } => {
            let user = admin::find(state, &username).await?;
            admin::unlock(state, &user, &reason.unwrap_or_default(), actor).await?;
            let value =
                serde_json::json!({ "id": user.id, "username": user.username, "locked": false });
            print_result(json, value, &format!("unlocked {}", user.username));
            Ok(())
        }
        UserCommand::SetRoles {
            username,
            roles,
            json,
        } => {
            let user = admin::find(state, &username).await?;
            let roles = admin::set_roles(state, &user, &roles, actor).await?;
            let value = serde_json::json!({ "username": user.username, "roles": roles });
            print_result(
                json,
                value,
                &format!("{}: {}", user.username, roles.join(" ")),
            );
            Ok(())
        }
    }
}

async fn initial_access_token_command(
    state: &AppState,
    command: InitialAccessTokenCommand,
) -> anyhow::Result<()> {
    let InitialAccessTokenCommand::Create {
        ttl,
        uses,
        vendor,
        farm,
        json,
    } = command;
    let request = initial_access::Request {
        ttl_secs: ttl,
        uses,
        vendor,
        farm,
        as_member: false,
    };
    let issued = initial_access::issue(state, Actor::CommandLine, request).await?;
    let value = serde_json::json!({
        "token": issued.token,
        "expires_at": issued.expires_at,
        "uses": issued.uses,
        "vendor": issued.vendor,
        "farm_id": issued.farm_id,
    });
    print_result(json, value, &issued.token);
    Ok(())
}

/// The whole of standard input, less one trailing line break.
fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.strip_suffix('\n').unwrap_or(&password);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password.to_string())
}

async fn client_command(state: &AppState, command: ClientCommand) -> anyhow::Result<()> {
    match command {
        ClientCommand::Create(args) => {
            let new = NewClient {
                name: args.name,
                redirect_uris: args.redirect_uris,
                post_logout_redirect_uris: args.post_logout_redirect_uris,
                grant_types: args.grant_types,
                scope: args.scope,
                public: args.public,
                auth_method: args.token_endpoint_auth_method,
                backchannel_logout_uri: args.backchannel_logout_uri,
                backchannel_logout_session_required: args.backchannel_logout_session_required,
                min_acr: args.min_acr,
                default_acr_values: None,
            };
            let farm = args
                .farm
                .as_deref()
                .map(|id| FarmId::parse(id).map_err(|_| anyhow!("no farm has the id '{id}'")))
                .transpose()?;
            let registered =
                operator::create_client(state, Actor::CommandLine, new, farm.as_ref()).await?;
            let mut json = serde_json::json!({ "client_id": registered.client.id });
            if let Some(secret) = &registered.secret {
                json["client_secret"] = secret.clone().into();
            }
            let text = match &registered.secret {
                Some(secret) => format!(
                    "client_id: {}\nclient_secret: {secret}\n(the secret is shown this once)",
                    registered.client.id
                ),
                None => format!("client_id: {} (public)", registered.client.id),
            };
            print_result(args.json, json, &text);
        }
        ClientCommand::List { json } => {
            let clients = operator::list_clients(state).await?;
            if json {
                let list: Vec<_> = clients.iter().map(client_summary).collect();
                println!("{}", serde_json::Value::from(list));
            } else {
                for client in &clients {
                    println!(
                        "{}\t{}\t{}",
                        client.id,
                        client.name,
                        client_summary(client)["grant_types"]
                    );
                }
            }
        }
        ClientCommand::Delete { client_id } => {
            let deleted = match ClientId::parse(&client_id) {
                Ok(id) => operator::delete_client(state, Actor::CommandLine, &id).await?,
                Err(_) => false,
            };
            if !deleted {
                bail!("no client with id '{client_id}'");
            }
            eprintln!("deleted client {client_id}");
        }
        ClientCommand::Suspend { client_id } => suspend_client(state, &client_id, true).await?,
        ClientCommand::Resume { client_id } => suspend_client(state, &client_id, false).await?,
    }
    Ok(())
}

async fn suspend_client(state: &AppState, client_id: &str, suspend: bool) -> anyhow::Result<()> {
    let done = match ClientId::parse(client_id) {
        Ok(id) => operator::suspend_client(state, Actor::CommandLine, &id, suspend).await?,
        Err(_) => false,
    };
    if !done {
        bail!("no client with id '{client_id}'");
    }
    eprintln!(
        "{} client {client_id}",
        if suspend { "suspended" } else { "resumed" }
    );
    Ok(())
}

fn client_summary(client: &Client) -> serde_json::Value {
    serde_json::json!({
        "client_id": client.id,
        "client_name": client.name,
        "token_endpoint_auth_method": client.auth_method.as_str(),
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scope": client.scope.to_string(),
        "created_at": client.created_at,
        "farm_id": client.farm_id(),
        "suspended": client.suspended,
        "min_acr": client.min_acr.map(|acr| acr.as_str()),
    })
}

fn print_result(json: bool, value: serde_json::Value, text: &str) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// A multi-line message (clap's usage errors) as one line: the lines that say what is wrong,
/// without the usage summary and the hint to try `--help`.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("Usage:")
                && !line.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
