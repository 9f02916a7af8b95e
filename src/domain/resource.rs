//! A resource indicator (RFC 8707 §2): the absolute URI naming the API a token is for, as a
//! client sends it in `resource` and as an administrator registers an API's audience.

use std::fmt;
use std::ops::Deref;

use url::Url;

const MAX_RESOURCE_LEN: usize = 2000;

/// Why text is not a resource indicator; the message is what `invalid_target` says.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResourceError(&'static str);

/// RFC 8707 §2: "MUST be an absolute URI" and "MUST NOT include a fragment component".
/// Kept as the exact text, since audiences are compared as strings (RFC 9068 §4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resource(String);

impl Resource {
    pub fn parse(text: &str) -> Result<Resource, ResourceError> {
        if text.is_empty() || text.len() > MAX_RESOURCE_LEN {
            return Err(ResourceError(
                "resource must be an absolute URI of at most 2000 bytes",
            ));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ResourceError(
                "resource must not contain spaces or control characters",
            ));
        }
        let url =
            Url::parse(text).map_err(|_| ResourceError("resource must be an absolute URI"))?;
        if url.fragment().is_some() || text.contains('#') {
            return Err(ResourceError("resource must not include a fragment"));
        }
        if url.cannot_be_a_base() && !text.contains(':') {
            return Err(ResourceError("resource must be an absolute URI"));
        }
        Ok(Resource(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Resource {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_uris_without_fragment_are_resources() {
        for good in [
            "https://inventory.example.com",
            "https://api.example.com/orders/",
            "urn:farm:payouts",
            "http://127.0.0.1:9000/mcp",
        ] {
            assert_eq!(Resource::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn relative_fragment_empty_and_hostile_values_are_not() {
        let long = format!("https://a.example/{}", "a".repeat(2000));
        for bad in [
            "",
            "/orders",
            "orders",
            "//example.com/x",
            "https://example.com/#frag",
            "https://example.com/#",
            "https://exa mple.com",
            "https://example.com/\0",
            "https://example.com/\n",
            long.as_str(),
        ] {
            assert!(Resource::parse(bad).is_err(), "{bad:?}");
        }
    }
}
