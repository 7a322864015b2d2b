//! The client's address, as the router tells subgraphs.
//!
//! A client may send any `X-Forwarded-For` it likes, so the router does not pass the header
//! on: it works out the client itself and sends subgraphs that address alone. The client is
//! the connection's peer, unless the peer is one of the configured trusted proxies (a load
//! balancer in front of the router); then the header is walked from the right, past trusted
//! proxies, to the first address none of them vouches for (the leftmost, if all are
//! trusted). With no trusted proxies, the router is the edge and the header is ignored.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// Hops looked at, from the right; a longer chain is cut there rather than walked.
const MAX_HOPS: usize = 32;

/// The client behind `peer`, given the request's `X-Forwarded-For` header values in order.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted_proxies: &[IpNet],
) -> IpAddr {
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(&ip));
    let peer = canonical(peer);
    if !trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for
        .rev()
        .flat_map(|value| value.rsplit(','))
        .take(MAX_HOPS)
    {
        // An unreadable entry was not written by a proxy we trust: stop at the last
        // address one of them vouched for.
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    client
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

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn at_the_edge_the_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            client_address(ip("198.51.100.7"), ["203.0.113.9"].into_iter(), &[]),
            ip("198.51.100.7")
        );
        let lb = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), ["203.0.113.9"].into_iter(), &lb),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let lb = nets(&["10.0.0.0/8", "192.0.2.7/32"]);
        // The client forged the first entry; the load balancer appended the real one.
        let chain = ["1.1.1.1, 203.0.113.9", "192.0.2.7"];
        assert_eq!(
            client_address(ip("10.1.1.1"), chain.into_iter(), &lb),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.1.1.1"), ["10.9.9.9, 192.0.2.7"].into_iter(), &lb),
            ip("10.9.9.9")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), ["203.0.113.9:443"].into_iter(), &lb),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), ["garbage"].into_iter(), &lb),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), std::iter::empty(), &lb),
            ip("10.0.0.1")
        );
    }
}
