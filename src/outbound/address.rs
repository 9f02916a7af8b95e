//! Which addresses farm-auth may connect to on its own account: none of the special-purpose
//! ranges of the IANA registries (RFC 6890 and its updates: loopback, private, link-local
//! with the cloud metadata address 169.254.169.254, shared, documentation, multicast,
//! reserved), unless an administrator allows a network with
//! `FARM_AUTH_OUTBOUND_ALLOW_NETWORKS`. Checked on every address a name resolves to, at the
//! moment of connecting, so a name that changes its answer (DNS rebinding) is caught too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::IpNet;

/// IPv4 ranges no outbound call goes to unless allowed.
const FORBIDDEN_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network" (RFC 791)
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private (RFC 1918)
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space, carrier NAT (RFC 6598)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, the cloud metadata address
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking (RFC 2544)
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and the broadcast address
];

/// IPv6 ranges no outbound call goes to unless allowed. IPv4-mapped addresses and the
/// well-known NAT64 prefix are judged by the IPv4 address they carry ([`canonical`]).
const FORBIDDEN_V6: [(Ipv6Addr, u8); 14] = [
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // unspecified, loopback, IPv4-compatible
    (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96), // IPv4-translated (RFC 2765)
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64 (RFC 8215)
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard (RFC 6666)
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64), // dummy prefix (RFC 9780)
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16), // segment routing SIDs (RFC 9602)
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local, fd00:ec2::254 metadata
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// The well-known NAT64 prefix 64:ff9b::/96 (RFC 6052): the last 32 bits are an IPv4
/// address, which decides.
const NAT64: IpNet = IpNet::new(
    IpAddr::V6(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)),
    96,
);

/// The networks an administrator allows beyond the public Internet.
#[derive(Clone, Debug, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    pub fn new(allowed: Vec<IpNet>) -> AddressPolicy {
        AddressPolicy { allowed }
    }

    /// Whether no network is allowed beyond the public Internet.
    pub fn is_strict(&self) -> bool {
        self.allowed.is_empty()
    }

    /// Whether a connection to `ip` may be made: an allowed network holds it (as it is, or
    /// as the IPv4 address it carries), or it is in no special-purpose range.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let reached = canonical(ip);
        let allowed = |ip| self.allowed.iter().any(|net| net.contains(ip));
        allowed(ip) || allowed(reached) || !special(reached)
    }
}

/// An IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) address as the IPv4
/// address it reaches; any other address as it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if NAT64.contains(ip) => {
            let [.., a, b, c, d] = v6.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, d))
        }
        IpAddr::V6(v6) => v6.to_canonical(),
        v4 => v4,
    }
}

fn special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(_) => FORBIDDEN_V4
            .iter()
            .any(|&(net, prefix)| IpNet::new(IpAddr::V4(net), prefix).contains(ip)),
        IpAddr::V6(_) => FORBIDDEN_V6
            .iter()
            .any(|&(net, prefix)| IpNet::new(IpAddr::V6(net), prefix).contains(ip)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        !AddressPolicy::default().permits(text.parse().unwrap())
    }

    #[test]
    fn special_purpose_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "192.0.0.192",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2002:7f00:1::",
            "::ffff:0:7f00:1",
            "5f00::1",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn public_addresses_are_permitted() {
        for ip in [
            "1.1.1.1",
            "93.184.215.14",
            "172.32.0.1",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::101:101",
        ] {
            assert!(!refused(ip), "{ip} should be permitted");
        }
    }

    #[test]
    fn an_allowed_network_opens_exactly_itself() {
        let policy = AddressPolicy::new(vec![IpNet::parse("127.0.0.0/8").unwrap()]);
        assert!(policy.permits("127.0.0.1".parse().unwrap()));
        assert!(policy.permits("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!policy.permits("::1".parse().unwrap()));
        assert!(!policy.permits("10.0.0.1".parse().unwrap()));
    }
}
