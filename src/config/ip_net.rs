//! [`IpNet`]: the networks of `FARM_AUTH_TRUSTED_PROXIES` and
//! `FARM_AUTH_OUTBOUND_ALLOW_NETWORKS`, and whether an address is in one.

/// An IP network (`10.0.0.0/8`, `fd00::/8`), or one address (a full-length prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    address: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    /// 127.0.0.0/8: connections from this machine (a benchmark, a sidecar).
    pub const LOOPBACK_V4: IpNet = IpNet {
        address: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        prefix: 8,
    };
    /// ::1.
    pub const LOOPBACK_V6: IpNet = IpNet {
        address: std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        prefix: 128,
    };

    /// `address/prefix`; `prefix` must not exceed the address's width.
    pub const fn new(address: std::net::IpAddr, prefix: u8) -> IpNet {
        IpNet { address, prefix }
    }

    pub fn parse(text: &str) -> Option<IpNet> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address.parse().ok()?, Some(prefix.parse::<u8>().ok()?)),
            None => (text.parse().ok()?, None),
        };
        let bits = match address {
            std::net::IpAddr::V4(_) => 32,
            std::net::IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpNet { address, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
            match prefix {
                0 => 0,
                p => bits >> (width - u32::from(p)),
            }
        }
        match (self.address, ip) {
            (std::net::IpAddr::V4(net), std::net::IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32, self.prefix)
                    == masked(u32::from(ip).into(), 32, self.prefix)
            }
            (std::net::IpAddr::V6(net), std::net::IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}
