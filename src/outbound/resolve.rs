//! The resolver of the outbound client: the system's (`getaddrinfo`, on tokio's blocking
//! pool, as reqwest's default), with every address the policy refuses taken out. A name
//! none of whose addresses is permitted fails to connect with [`Forbidden`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::{AddressPolicy, OutboundError};

/// The longest wait for the resolver (the connect timeout bounds a call as a whole; this
/// bounds a check made at registration).
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// A destination refused by the policy; says which address, never why it is special.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "{0} is not an address farm-auth calls (allow its network with FARM_AUTH_OUTBOUND_ALLOW_NETWORKS)"
)]
pub struct Forbidden(String);

impl Forbidden {
    pub(super) fn address(ip: IpAddr) -> Forbidden {
        Forbidden(ip.to_string())
    }
}

pub(super) struct Guarded {
    policy: Arc<AddressPolicy>,
}

impl Guarded {
    pub(super) fn new(policy: Arc<AddressPolicy>) -> Guarded {
        Guarded { policy }
    }
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let addresses = permitted_addresses(&policy, name.as_str(), false)
                .await
                .map_err(Box::new)?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// The addresses `name` resolves to, if the policy permits at least one; the refused ones
/// are left out, or (`every`) refuse the name.
pub(super) async fn permitted_addresses(
    policy: &AddressPolicy,
    name: &str,
    every: bool,
) -> Result<Vec<SocketAddr>, OutboundError> {
    let lookup = tokio::net::lookup_host((name, 0));
    let resolved: Vec<SocketAddr> = tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
        .await
        .map_err(|_| OutboundError::Unresolved(format!("{name}: no answer in time")))?
        .map_err(|e| OutboundError::Unresolved(format!("{name}: {e}")))?
        .collect();
    let mut permitted = Vec::with_capacity(resolved.len());
    let mut refused = None;
    for address in resolved {
        match policy.permits(address.ip()) {
            true => permitted.push(address),
            false => refused = Some(address.ip()),
        }
    }
    match (every || permitted.is_empty(), refused) {
        (true, Some(ip)) => Err(Forbidden::address(ip).into()),
        _ => Ok(permitted),
    }
}
