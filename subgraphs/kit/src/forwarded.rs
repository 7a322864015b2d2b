//! Who the client is, behind proxies.
//!
//! `X-Forwarded-For` is a list anyone can start: a client sends whatever it likes and each
//! proxy appends the peer it saw. Only entries appended by proxies we trust say anything,
//! so the client is found by walking the list from the right, past trusted proxies, to the
//! first address none of them vouches for. A peer that is not a trusted proxy is the client
//! itself, whatever header it sends.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

/// Hops looked at, from the right; a longer chain is cut there rather than walked.
const MAX_HOPS: usize = 32;

/// The proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Loopback only: where the router of the embedded mode sits.
    pub fn loopback() -> Self {
        Self(vec![
            IpNet::new_assert(IpAddr::from([127, 0, 0, 0]), 8),
            IpNet::from(IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
        ])
    }

    /// Parses a comma-separated list of networks (`10.0.0.0/8`) and addresses (`10.1.2.3`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_net)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn networks(&self) -> &[IpNet] {
        &self.0
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` header values in order.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let hops = forwarded_for
            .rev()
            .flat_map(|value| value.rsplit(','))
            .take(MAX_HOPS);
        let mut client = peer;
        for hop in hops {
            // An unreadable entry was not written by a proxy we trust: stop at the last
            // address one of them vouched for.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<String>::deserialize(d)?;
        TrustedProxies::parse(&entries.join(",")).map_err(serde::de::Error::custom)
    }
}

fn parse_net(entry: &str) -> Result<IpNet, String> {
    entry
        .parse::<IpNet>()
        .map(|net| net.trunc())
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{entry}` is neither an IP address nor a network like 10.0.0.0/8"))
}

/// An address as proxies write it: bare, or with a port (`1.2.3.4:5678`, `[::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["203.0.113.9"].into_iter()),
            ip("127.0.0.1")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("198.51.100.1"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_client_is_the_rightmost_hop_no_trusted_proxy_added() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client forged the first entry; the edge proxy appended the real one.
        let chain = ["1.1.1.1, 203.0.113.9", "192.0.2.7"];
        assert_eq!(
            trusted.client(ip("10.1.1.1"), chain.into_iter()),
            ip("203.0.113.9")
        );
        // Every hop trusted: the leftmost is the best there is.
        assert_eq!(
            trusted.client(ip("10.1.1.1"), ["10.9.9.9, 192.0.2.7"].into_iter()),
            ip("10.9.9.9")
        );
        // Ports and IPv4-mapped addresses are read as proxies write them.
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.1"), ["203.0.113.9:5555"].into_iter()),
            ip("203.0.113.9")
        );
        // No header: the trusted peer itself.
        assert_eq!(
            trusted.client(ip("10.1.1.1"), std::iter::empty()),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_vouched_address() {
        let trusted = TrustedProxies::loopback();
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["unknown, <script>"].into_iter()),
            ip("127.0.0.1")
        );
        let long = vec!["127.0.0.2"; 1000].join(",");
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [long.as_str()].into_iter()),
            ip("127.0.0.2")
        );
    }

    #[test]
    fn lists_parse_networks_and_addresses_and_name_bad_entries() {
        let list = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7 ,::1,").unwrap();
        assert!(list.contains(ip("10.200.0.1")));
        assert!(list.contains(ip("192.0.2.7")));
        assert!(!list.contains(ip("192.0.2.8")));
        assert!(list.contains(ip("::1")));
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        let err = TrustedProxies::parse("10.0.0.0/8,nope").unwrap_err();
        assert!(err.contains("nope"), "{err}");
        assert!(TrustedProxies::loopback().contains(ip("127.3.4.5")));
    }
}
