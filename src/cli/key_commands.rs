//! `farm-auth keys rotate|revoke` and `farm-auth secrets new-key|rekey`: the signing keys
//! and the secret key that seals secrets at rest, from the command line. The key commands
//! go through the same domain functions as the console and the admin API, with the same
//! secret key (the configuration's, or the key file beside an SQLite database).

use clap::Subcommand;

use super::print_result;
use crate::accounts::admin::Actor;
use crate::config::Config;
use crate::oauth2::operator;
use crate::secrets::SecretKey;
use crate::state::{AppState, open_store};
use crate::store::sealed::Reseal;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Publish a new signing key; it signs once verifiers can have fetched it (the JWKS
    /// cache lifetime plus the key refresh interval). Old public keys stay published until
    /// their tokens expire.
    Rotate {
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a compromised key at once: removed from the JWKS, never used again, tokens it
    /// signed refused. If it was signing, the next key signs at once.
    Revoke {
        kid: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SecretsCommand {
    /// Print a new random secret key, for FARM_AUTH_SECRET_KEY.
    NewKey,
    /// Re-seal every sealed secret with FARM_AUTH_SECRET_KEY, opening those sealed with a key
    /// of FARM_AUTH_SECRET_KEY_PREVIOUS: the last step of a secret key rotation.
    Rekey {
        #[arg(long)]
        json: bool,
    },
}

pub async fn keys_command(state: &AppState, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { json } => {
            let rotation = operator::rotate_keys(state, Actor::CommandLine).await?;
            let wait = rotation.activates_at - state.clock.now();
            print_result(
                json,
                serde_json::json!({ "kid": rotation.kid, "activates_at": rotation.activates_at }),
                &format!(
                    "new signing key {}: published now, signs in {wait} s",
                    rotation.kid
                ),
            );
        }
        KeysCommand::Revoke { kid, json } => {
            let successor = operator::revoke_key(state, Actor::CommandLine, &kid).await?;
            let text = match &successor {
                Some(next) => format!("revoked {kid}; {next} signs from now on"),
                None => format!("revoked {kid}"),
            };
            print_result(
                json,
                serde_json::json!({ "revoked": kid, "signing_kid": successor }),
                &text,
            );
        }
    }
    Ok(())
}

pub async fn secrets_command(config: &Config, command: SecretsCommand) -> anyhow::Result<()> {
    match command {
        SecretsCommand::NewKey => println!("{}", SecretKey::generate().encode()),
        SecretsCommand::Rekey { json } => {
            let store = open_store(config).await?;
            let resealed = store.reseal(Reseal::NotCurrent).await?;
            print_result(
                json,
                serde_json::json!({ "resealed": resealed }),
                &format!("{resealed} secrets re-sealed with the current secret key"),
            );
        }
    }
    Ok(())
}
