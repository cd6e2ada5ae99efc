//! Where the cluster is, written as `ccs` and `ipfs-cluster-ctl` users write it:
//! a peer name (`nas`), `host:port`, a URL, or a multiaddr (`/dns4/nas/tcp/9094`).

use std::fmt;

use url::Url;

pub const API_PORT: u16 = 9094;
pub const GATEWAY_PORT: u16 = 8080;

/// One cluster peer's REST API and the gateway of the kubo beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub api: Url,
    pub gateway: Url,
}

impl Endpoint {
    /// `nas:9094`, as messages name the peer.
    pub fn label(&self) -> String {
        let host = self.api.host_str().unwrap_or("?");
        match self.api.port_or_known_default() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn url(scheme: &str, host: &str, port: u16) -> Result<Url, String> {
    let h = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    Url::parse(&format!("{scheme}://{h}:{port}/")).map_err(|e| format!("{host}: {e}"))
}

fn valid_hostname(h: &str) -> bool {
    // ccs's rule, which also refuses things that look like flags.
    !h.is_empty()
        && h.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Parses one host. `https` picks the scheme for bare names and multiaddrs.
pub fn parse_host(s: &str, https: bool) -> Result<Endpoint, String> {
    let s = s.trim();
    let scheme = if https { "https" } else { "http" };
    if s.is_empty() {
        return Err("empty host".into());
    }
    if s.starts_with("--") {
        return Err(format!("host {s:?} looks like a flag"));
    }
    if s.starts_with('/') {
        return parse_multiaddr(s, scheme);
    }
    if s.contains("://") {
        let api = Url::parse(s).map_err(|e| format!("{s:?} is not a valid URL: {e}"))?;
        if !matches!(api.scheme(), "http" | "https") {
            return Err(format!("{s:?}: only http and https URLs are supported"));
        }
        let host = api
            .host_str()
            .ok_or_else(|| format!("{s:?} has no host"))?
            .to_string();
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let mut api = api;
        if api.port().is_none() && api.scheme() == "http" {
            let _ = api.set_port(Some(API_PORT));
        }
        return Ok(Endpoint {
            gateway: url("http", &host, GATEWAY_PORT)?,
            api,
        });
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("{s:?}: the port must be a number"))?,
        ),
        _ => (s, API_PORT),
    };
    if !valid_hostname(host) {
        return Err(format!(
            "{s:?} is not a peer name, host, URL or multiaddr (e.g. nas, 100.64.0.31, http://nas:9094, /dns4/nas/tcp/9094)"
        ));
    }
    Ok(Endpoint {
        api: url(scheme, host, port)?,
        gateway: url("http", host, GATEWAY_PORT)?,
    })
}

fn parse_multiaddr(s: &str, default_scheme: &str) -> Result<Endpoint, String> {
    let parts: Vec<&str> = s.split('/').skip(1).collect();
    let mut host = None;
    let mut port = None;
    let mut scheme = default_scheme;
    let mut i = 0;
    while i < parts.len() {
        let proto = parts[i];
        let val = parts.get(i + 1).copied();
        match proto {
            "ip4" | "ip6" | "dns" | "dns4" | "dns6" | "dnsaddr" => {
                if proto == "dnsaddr" {
                    return Err(format!("{s}: /dnsaddr needs libp2p, which ccs-tui does not speak; use /dns4/HOST/tcp/9094"));
                }
                host = Some(val.ok_or_else(|| format!("{s}: /{proto} needs a value"))?);
                i += 2;
            }
            "tcp" => {
                let v = val.ok_or_else(|| format!("{s}: /tcp needs a port"))?;
                port = Some(v.parse::<u16>().map_err(|_| format!("{s}: bad port {v:?}"))?);
                i += 2;
            }
            "http" => {
                scheme = "http";
                i += 1;
            }
            "https" | "tls" => {
                scheme = "https";
                i += 1;
            }
            "p2p" | "ipfs" => {
                return Err(format!(
                    "{s}: /p2p addresses need libp2p-http, which ccs-tui does not speak; use /dns4/HOST/tcp/9094"
                ))
            }
            other => return Err(format!("{s}: unsupported multiaddr protocol /{other}")),
        }
    }
    let host = host.ok_or_else(|| {
        format!("{s}: a multiaddr needs /ip4, /ip6 or /dns4 (e.g. /dns4/nas/tcp/9094)")
    })?;
    let port = port.unwrap_or(API_PORT);
    Ok(Endpoint {
        api: url(scheme, host, port)?,
        gateway: url("http", host, GATEWAY_PORT)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_users_write() {
        let e = parse_host("nas", false).unwrap();
        assert_eq!(e.api.as_str(), "http://nas:9094/");
        assert_eq!(e.gateway.as_str(), "http://nas:8080/");
        assert_eq!(e.label(), "nas:9094");
        assert_eq!(
            parse_host("/dns4/nas/tcp/9094", false)
                .unwrap()
                .api
                .as_str(),
            "http://nas:9094/"
        );
        assert_eq!(
            parse_host("/ip4/100.64.0.31/tcp/9094", false)
                .unwrap()
                .api
                .as_str(),
            "http://100.64.0.31:9094/"
        );
        assert_eq!(
            parse_host("/ip6/::1/tcp/9094", false).unwrap().api.as_str(),
            "http://[::1]:9094/"
        );
        assert_eq!(
            parse_host("http://127.0.0.1:5000", false)
                .unwrap()
                .api
                .as_str(),
            "http://127.0.0.1:5000/"
        );
        assert_eq!(
            parse_host("https://nas", false).unwrap().api.as_str(),
            "https://nas/"
        );
        assert_eq!(
            parse_host("nas:19094", false).unwrap().api.as_str(),
            "http://nas:19094/"
        );
        assert_eq!(
            parse_host("nas", true).unwrap().api.as_str(),
            "https://nas:9094/"
        );
    }

    #[test]
    fn refuses_what_it_cannot_reach() {
        assert!(parse_host("--basic-auth", false)
            .unwrap_err()
            .contains("flag"));
        assert!(parse_host("/dns4/nas/tcp/9094/p2p/12D3Koo", false).is_err());
        assert!(parse_host("na s", false).is_err());
        assert!(parse_host("ftp://nas", false).is_err());
        assert!(parse_host("/ip4/1.2.3.4/tcp/x", false).is_err());
    }
}
