//! Unit tests of the configuration: defaults, ranges, and errors that name their variable.

use super::*;

#[test]
fn zero_configuration_gives_sqlite_on_port_8080() {
    let config = Config::default();
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.issuer_for(config.listen), "http://127.0.0.1:8080");
    assert_eq!(config.access_token_ttl, Duration::from_secs(900));
}

#[test]
fn a_bad_value_names_its_variable() {
    let args = ConfigArgs {
        listen: Some("nowhere".into()),
        ..Default::default()
    };
    let err = Config::from_args(args).unwrap_err();
    assert_eq!(err.variable, "FARM_AUTH_LISTEN");
    assert!(err.to_string().starts_with("FARM_AUTH_LISTEN: "));

    let args = ConfigArgs {
        issuer: Some("https://x.test/?a=b".into()),
        ..Default::default()
    };
    assert_eq!(
        Config::from_args(args).unwrap_err().variable,
        "FARM_AUTH_ISSUER"
    );

    let args = ConfigArgs {
        issuer: Some("https://auth.farm.test ".into()),
        ..Default::default()
    };
    assert_eq!(
        Config::from_args(args).unwrap_err().variable,
        "FARM_AUTH_ISSUER"
    );

    let args = ConfigArgs {
        access_token_ttl: Some("-5".into()),
        ..Default::default()
    };
    assert_eq!(
        Config::from_args(args).unwrap_err().variable,
        "FARM_AUTH_ACCESS_TOKEN_TTL"
    );

    let args = ConfigArgs {
        database_url: Some("mysql://x".into()),
        ..Default::default()
    };
    assert_eq!(
        Config::from_args(args).unwrap_err().variable,
        "FARM_AUTH_DATABASE_URL"
    );
}

#[test]
fn trusted_proxies_are_addresses_or_networks() {
    let net = IpNet::parse("10.0.0.0/8").unwrap();
    assert!(net.contains("10.1.2.3".parse().unwrap()));
    assert!(!net.contains("11.0.0.1".parse().unwrap()));
    assert!(!net.contains("::1".parse().unwrap()));
    let one = IpNet::parse("192.0.2.1").unwrap();
    assert!(one.contains("192.0.2.1".parse().unwrap()));
    assert!(!one.contains("192.0.2.2".parse().unwrap()));
    assert!(
        IpNet::parse("::/0")
            .unwrap()
            .contains("2001:db8::1".parse().unwrap())
    );
    for bad in ["10.0.0.0/33", "nope", "10.0.0.0/", "/8"] {
        assert_eq!(IpNet::parse(bad), None, "{bad}");
    }
}

#[test]
fn connections_and_database_waits_are_bounded_by_default() {
    let config = Config::default();
    assert_eq!(config.http.header_timeout, Duration::from_secs(10));
    assert_eq!(config.http.max_connections, 512);
    assert_eq!(config.http.http2_max_streams, 100);
    assert_eq!(config.http.max_connections_per_address, 64);
    assert!(config.http.per_address_exempt.iter().all(|net| {
        net.contains("127.0.0.1".parse().unwrap()) || net.contains("::1".parse().unwrap())
    }));
    assert_eq!(config.http.response_timeout, Duration::from_secs(30));
    assert_eq!(config.database_timeout, Duration::from_secs(5));
    for (args, variable) in [
        (
            ConfigArgs {
                http_header_timeout_secs: Some("0".into()),
                ..Default::default()
            },
            "FARM_AUTH_HTTP_HEADER_TIMEOUT_SECS",
        ),
        (
            ConfigArgs {
                http_max_connections: Some("none".into()),
                ..Default::default()
            },
            "FARM_AUTH_HTTP_MAX_CONNECTIONS",
        ),
        (
            ConfigArgs {
                database_timeout_secs: Some("600".into()),
                ..Default::default()
            },
            "FARM_AUTH_DATABASE_TIMEOUT_SECS",
        ),
    ] {
        assert_eq!(Config::from_args(args).unwrap_err().variable, variable);
    }
}

#[test]
fn a_trailing_slash_on_the_issuer_is_dropped() {
    let args = ConfigArgs {
        issuer: Some("https://auth.farm.test/".into()),
        ..Default::default()
    };
    let config = Config::from_args(args).unwrap();
    assert_eq!(config.issuer.unwrap(), "https://auth.farm.test");
}
