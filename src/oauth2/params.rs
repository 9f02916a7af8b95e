//! Request parameters of the OAuth endpoints, parsed from an
//! `application/x-www-form-urlencoded` body (or a query string) under the RFC's rules.

use super::OAuthError;

/// More parameters than any OAuth request needs; past this the request is refused.
pub const MAX_PARAMS: usize = 64;

#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a form body. RFC 6749 §3.1: parameters sent without a value are treated as
    /// omitted; §3.2: parameters MUST NOT be included more than once.
    pub fn parse(form: &[u8]) -> Result<Params, OAuthError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(form) {
            // RFC 8707 §2 lets `resource` be repeated; we answer that with `invalid_target`
            // (one API per token), so it is kept for the grant to judge.
            if name != "resource" && pairs.iter().any(|(seen, _)| *seen == name) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' is repeated",
                    printable(&name)
                )));
            }
            if pairs.len() == MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        pairs.retain(|(_, value)| !value.is_empty());
        Ok(Params { pairs })
    }

    /// The value of `name`, if present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `resource` (RFC 8707 §2), in order.
    pub fn resources(&self) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == "resource")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter '{name}' is missing")))
    }
}

/// A parameter name fit to echo in an error description: short, printable ASCII.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_omitted() {
        let params = Params::parse(b"grant_type=client_credentials&scope=").unwrap();
        assert_eq!(params.get("grant_type"), Some("client_credentials"));
        assert_eq!(params.get("scope"), None);
        assert!(params.require("scope").is_err());
    }

    #[test]
    fn a_repeated_parameter_is_refused_even_when_empty() {
        assert!(Params::parse(b"scope=a&scope=b").is_err());
        assert!(Params::parse(b"scope=&scope=b").is_err());
    }

    #[test]
    fn values_are_percent_decoded() {
        let params = Params::parse(b"scope=read%20write&x=a+b").unwrap();
        assert_eq!(params.get("scope"), Some("read write"));
        assert_eq!(params.get("x"), Some("a b"));
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("p{i}=v")).collect();
        assert!(Params::parse(body.join("&").as_bytes()).is_err());
    }
}
