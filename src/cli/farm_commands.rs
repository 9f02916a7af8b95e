//! `farm-auth farm create|add-member|list|approve|refuse|suspend|reactivate`: farms from the
//! command line, through the same domain functions as the console and the admin API. A farm
//! created here is active at once and its owner becomes a `farmer`, as on an
//! administrator's approval.

use anyhow::Context;
use clap::Subcommand;

use super::print_result;
use crate::accounts::admin::{self, Actor};
use crate::accounts::farms;
use crate::domain::FarmStatus;
use crate::state::AppState;

#[derive(Subcommand, Debug)]
pub enum FarmCommand {
    /// Create an active farm owned by an existing user; prints its id.
    Create {
        #[arg(long)]
        name: String,
        /// The username of its first owner.
        #[arg(long)]
        owner: String,
        #[arg(long)]
        json: bool,
    },
    /// Add an existing user to a farm with a farm role.
    AddMember {
        farm_id: String,
        username: String,
        /// owner, manager or staff.
        #[arg(long)]
        role: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending farm: it becomes active, its owners farmers, and they are mailed.
    Approve { farm_id: String },
    /// Refuse a pending farm with a reason, which its owners are mailed; the farm goes.
    Refuse {
        farm_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Suspend an active farm with a reason: its members lose its powers, its apps stop.
    Suspend {
        farm_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift a farm's suspension.
    Reactivate { farm_id: String },
    /// One line per farm: id, status, name (pending farms first).
    List {
        /// Only farms with this status (pending, active, suspended).
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn farm_command(state: &AppState, command: FarmCommand) -> anyhow::Result<()> {
    let actor = Actor::CommandLine;
    match command {
        FarmCommand::Create { name, owner, json } => {
            let owner = admin::find(state, &owner).await?;
            let farm = farms::create_active(state, &name, &owner, actor).await?;
            let value = serde_json::json!({ "farm_id": farm.id });
            print_result(json, value, &farm.id);
        }
        FarmCommand::AddMember {
            farm_id,
            username,
            role,
            json,
        } => {
            let role = farms::parse_role(&role)?;
            farms::add_member(state, &farm_id, &username, role, actor)
                .await
                .with_context(|| format!("cannot add {username}"))?;
            let value =
                serde_json::json!({ "farm_id": farm_id, "username": username, "role": role });
            print_result(
                json,
                value,
                &format!("{username} is now {role} of {farm_id}"),
            );
        }
        FarmCommand::Approve { farm_id } => {
            farms::approve(state, &farm_id, actor).await?;
            eprintln!("farm {farm_id} is approved");
        }
        FarmCommand::Refuse { farm_id, reason } => {
            farms::reject(state, &farm_id, &reason, actor).await?;
            eprintln!("farm {farm_id} is refused");
        }
        FarmCommand::Suspend { farm_id, reason } => {
            farms::suspend(state, &farm_id, &reason, actor).await?;
            eprintln!("farm {farm_id} is suspended");
        }
        FarmCommand::Reactivate { farm_id } => {
            farms::reactivate(state, &farm_id, actor).await?;
            eprintln!("farm {farm_id} is active again");
        }
        FarmCommand::List { status, json } => {
            let status = match status.as_deref() {
                None => None,
                Some(text) => Some(FarmStatus::parse(text).with_context(|| {
                    format!("unknown status '{text}' (pending, active or suspended)")
                })?),
            };
            let farms = farms::list(state, status).await?;
            if json {
                let list: Vec<_> = farms
                    .iter()
                    .map(|f| serde_json::json!({ "id": f.id, "name": f.name.as_str(), "status": f.status.as_str() }))
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for farm in farms {
                    println!("{}\t{}\t{}", farm.id, farm.status, farm.name);
                }
            }
        }
    }
    Ok(())
}
