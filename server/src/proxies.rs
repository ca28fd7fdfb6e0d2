//! Reverse proxies trusted to say who the client is (`--trusted-proxies`).
//! Behind nginx every connection comes from nginx's address, so the
//! budgets (wrong codes, new rooms) would count everyone as one network.
//! A request from a trusted proxy is taken to be from the address its
//! `X-Forwarded-For` names; from anyone else the header is ignored, since
//! anyone can write it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The trusted proxies' addresses and networks.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(nets: &[IpNet]) -> Self {
        Self(nets.into())
    }

    /// One `--trusted-proxies` entry: an address (`10.0.0.5`) or a network
    /// (`10.0.0.0/24`).
    pub fn parse(entry: &str) -> Result<IpNet, String> {
        let entry = entry.trim();
        entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| format!("{entry:?} is neither an IP address nor a network (10.0.0.0/8)"))
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Who sent a request that reached us from `peer`: `peer` itself,
    /// unless it is a trusted proxy; then the nearest address in
    /// `X-Forwarded-For` that is not one (each proxy appends the address
    /// it heard from, so entries further left are the client's own say).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => client = ip.to_canonical(),
                // Garbage: the last proxy that wrote sense is the client.
                Err(_) => return client,
            }
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in xff {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let trusted = TrustedProxies::new(&[
            TrustedProxies::parse("10.0.0.0/8").unwrap(),
            TrustedProxies::parse("192.0.2.1").unwrap(),
        ]);
        let xff = headers(&["198.51.100.7"]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &xff), ip("198.51.100.7"));
        // From anyone else the header is the sender's own claim.
        assert_eq!(trusted.client(ip("203.0.113.9"), &xff), ip("203.0.113.9"));
        // A client that writes its own header can't hide behind it: the
        // nearest untrusted hop wins, through a chain of proxies.
        let spoofed = headers(&["1.1.1.1, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(
            trusted.client(ip("192.0.2.1"), &spoofed),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.1.2.3"), &headers(&[])),
            ip("10.1.2.3")
        );
        assert_eq!(
            trusted.client(ip("10.1.2.3"), &headers(&["nonsense"])),
            ip("10.1.2.3")
        );
        // An IPv4 peer on an IPv6 socket is still the same address.
        assert_eq!(
            trusted.client(ip("::ffff:10.1.2.3"), &xff),
            ip("198.51.100.7")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
    }
}
