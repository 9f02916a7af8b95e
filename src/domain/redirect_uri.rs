//! A registered redirect URI (also the post-logout ones): where a client may be sent back.

use std::fmt;
use std::ops::Deref;

use url::Url;

const MAX_URI_LEN: usize = 2000;

/// Why text is not a redirect URI we register; says so with the start of the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RedirectUriError(String);

/// RFC 6749 §3.1.2: an absolute URI without a fragment. RFC 9700 §2.1 and RFC 8252 §7:
/// https, http only on a loopback host, or a private-use scheme of a native app. Kept as
/// the exact text registered, since requests must match it exactly (RFC 9700 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(uri: &str) -> Result<RedirectUri, RedirectUriError> {
        let bad = |why: &str| {
            RedirectUriError(format!(
                "{why}: {}",
                uri.chars().take(80).collect::<String>()
            ))
        };
        if uri.len() > MAX_URI_LEN {
            return Err(bad("too long"));
        }
        // The URL parser would quietly trim these; exact matching (RFC 9700 §4.1.3) must not.
        if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must not contain spaces or control characters"));
        }
        let url = Url::parse(uri).map_err(|_| bad("not an absolute URI"))?;
        if url.fragment().is_some() || uri.contains('#') {
            return Err(bad("must not contain a fragment"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(bad("http is allowed only on a loopback host")),
            "javascript" | "data" | "file" | "vbscript" | "blob" => {
                return Err(bad("scheme not allowed"));
            }
            // RFC 8252 §7.1: private-use schemes are reverse domain names, so contain a dot.
            scheme if scheme.contains('.') => {}
            _ => {
                return Err(bad(
                    "use https, loopback http, or a reverse-domain private-use scheme",
                ));
            }
        }
        Ok(RedirectUri(uri.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// https, or http on a loopback host: not a private-use scheme, which any app on a
    /// device can claim.
    pub fn is_web(&self) -> bool {
        Url::parse(&self.0).is_ok_and(|url| match url.scheme() {
            "https" => true,
            "http" => is_loopback(&url),
            _ => false,
        })
    }
}

/// The URIs as text, `separator` between them (for a text area, a log line).
pub fn join(uris: &[RedirectUri], separator: &str) -> String {
    uris.iter()
        .map(RedirectUri::as_str)
        .collect::<Vec<_>>()
        .join(separator)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Deref for RedirectUri {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RedirectUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for RedirectUri {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RedirectUri {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for RedirectUri {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl serde::Serialize for RedirectUri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_rfc_9700() {
        for good in [
            "https://shop.example/cb",
            "http://127.0.0.1:9000/cb",
            "http://[::1]/cb",
            "http://localhost/cb",
            "com.example.app:/cb",
        ] {
            assert_eq!(RedirectUri::parse(good).unwrap().as_str(), good);
        }
        let long = format!("https://shop.example/{}", "a".repeat(2000));
        for bad in [
            "",
            "\0",
            "http://shop.example/cb",
            "https://shop.example/cb#frag",
            "https://shop.example/cb#",
            "javascript:alert(1)",
            "/relative",
            " https://shop.example/cb",
            "https://shop.example/cb\n",
            "https://shop.example/c\0b",
            "https://shop.example/c\u{85}b",
            "myapp:/cb",
            long.as_str(),
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad:?}");
        }
        // Non-ASCII is the URL parser's to judge; what we keep is the text as given.
        let unicode = RedirectUri::parse("https://caf\u{e9}.example/cb").unwrap();
        assert_eq!(unicode, "https://caf\u{e9}.example/cb");
    }

    #[test]
    fn an_error_quotes_at_most_80_characters() {
        let long = format!("http://shop.example/{}", "a".repeat(200));
        let error = RedirectUri::parse(&long).unwrap_err().to_string();
        assert!(error.starts_with("http is allowed only on a loopback host: http://shop"));
        assert!(error.len() < 130, "{error}");
    }

    #[test]
    fn only_https_and_loopback_http_are_web() {
        assert!(RedirectUri::parse("https://a.example/cb").unwrap().is_web());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").unwrap().is_web());
        assert!(!RedirectUri::parse("com.example.app:/cb").unwrap().is_web());
    }
}
