//! Signing in with an upstream OpenID provider (decisions 131-140). The upstream is a real
//! second farm-auth: a person signs in there, and the downstream, its relying party,
//! verifies the ID token and signs the person in, links, or makes an account.

mod admin_api;
mod administration;
mod callback_attacks;
mod console;
mod first_sign_in;
mod forged_tokens;
mod fresh_proof;
mod fresh_sign_in;
mod linking;
mod outbound_guard;
mod second_factor;
mod trail;
mod unlink;
mod unreachable;

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::upstream::{self, NewUpstream};
use farm_auth::accounts::users::Role;
use farm_auth::oauth2::client_metadata::NewClient;
use url::Url;

use crate::support::{Landing, Options, PASSWORD, TestApp, UserAgent, is_signed_in};

/// The provider's id at the downstream.
pub const PROVIDER: &str = "up";
const SCOPE: &str = "openid email profile";
/// The person at the upstream.
pub const CAROL: &str = "carol";
pub const CAROL_EMAIL: &str = "carol@farm.example";

/// Makes `down` offer a provider at `issuer` (which need not answer) as `id`, labelled
/// `label`.
pub async fn offer(down: &TestApp, id: &str, label: &str, issuer: String) {
    let new = NewUpstream {
        id: id.into(),
        label: label.into(),
        issuer,
        client_id: "downstream".into(),
        client_secret: "a secret".into(),
        scopes: None,
        trust_mfa: false,
    };
    upstream::create(&down.state, Actor::CommandLine, new)
        .await
        .unwrap();
}

/// How a test wants the pair.
#[derive(Clone, Copy, Default)]
pub struct Setup {
    /// The downstream trusts the upstream's second factor.
    pub trust_mfa: bool,
    /// Carol's address is not confirmed at the upstream (`email_verified` false).
    pub unconfirmed: bool,
    /// The downstream's issuer is `http://localhost:PORT`: a browser then keeps the two
    /// servers' cookies apart (cookies ignore ports, not hosts).
    pub localhost_down: bool,
    /// Both servers read one clock (as two servers on one machine do).
    pub shared_clock: bool,
}

/// An upstream farm-auth with [`CAROL`], and a downstream that offers it as [`PROVIDER`].
pub struct Pair {
    pub up: TestApp,
    pub down: TestApp,
    /// Carol's `sub` at the upstream.
    pub carol_sub: String,
}

impl Pair {
    pub async fn new() -> Pair {
        Pair::with(Setup::default()).await
    }

    pub async fn with(setup: Setup) -> Pair {
        let up = TestApp::spawn().await;
        let down = TestApp::spawn_with(Options {
            localhost_issuer: setup.localhost_down,
            clock: setup.shared_clock.then(|| up.clock.clone()),
            ..Options::default()
        })
        .await;
        let carol_sub = up.person(CAROL, Role::Consumer).await;
        if !setup.unconfirmed {
            let now = up.clock.now();
            let confirmed = up.store.set_email_verified(&carol_sub, CAROL_EMAIL, now);
            assert!(confirmed.await.unwrap());
        }
        let client = up
            .register(NewClient {
                name: "Downstream farm-auth".into(),
                redirect_uris: vec![format!("{}/login/upstream/callback", down.issuer)],
                grant_types: vec!["authorization_code".into()],
                scope: Some(SCOPE.into()),
                ..Default::default()
            })
            .await;
        let new = NewUpstream {
            id: PROVIDER.into(),
            label: "Upstream Farm".into(),
            issuer: up.issuer.clone(),
            client_id: client.id,
            client_secret: client.secret,
            scopes: None,
            trust_mfa: setup.trust_mfa,
        };
        upstream::create(&down.state, Actor::CommandLine, new)
            .await
            .expect("provider configured");
        Pair {
            up,
            down,
            carol_sub,
        }
    }

    /// A browser at the downstream starts signing in with the upstream: where it is sent.
    pub async fn start(&self, agent: &UserAgent, request: Option<&str>) -> Url {
        let path = match request {
            Some(id) => format!("/login/upstream/{PROVIDER}?request={id}"),
            None => format!("/login/upstream/{PROVIDER}"),
        };
        let there = agent.navigate(&path).await.client();
        assert!(there.as_str().starts_with(&self.up.issuer), "{there}");
        there
    }

    /// At the upstream, in a browser of its own, Carol signs in (and allows): the callback
    /// URL the upstream sends her back to.
    pub async fn at_upstream(&self, there: &Url) -> Url {
        let agent = UserAgent::new(&self.up);
        let landing = agent.navigate(there.as_str()).await;
        let landing = agent.log_in(landing, CAROL, PASSWORD).await;
        let back = match landing {
            Landing::Client(url) => url,
            page => agent.consent(page, "allow").await.client(),
        };
        assert!(back.as_str().starts_with(&self.down.issuer), "{back}");
        back
    }

    /// The whole round trip in a new downstream browser: where it lands after the callback.
    pub async fn sign_in(&self) -> (UserAgent, Landing) {
        let agent = UserAgent::new(&self.down);
        let there = self.start(&agent, None).await;
        let back = self.at_upstream(&there).await;
        let landing = agent.navigate(back.as_str()).await;
        (agent, landing)
    }

    /// The round trip of a first sign-in, the offered username taken: where it lands.
    pub async fn sign_up(&self) -> (UserAgent, Landing) {
        let (agent, landing) = self.sign_in().await;
        let (path, _, page) = landing.page();
        assert_eq!(path, "/login/upstream/signup", "{page}");
        let landing = take_offered_username(&agent, &page).await;
        (agent, landing)
    }

    /// Links Carol's upstream subject to the local account `user_id`, in the store.
    pub async fn link_to(&self, user_id: &str) {
        let now = self.down.clock.now();
        let link = (self.down.store).insert_upstream_link(PROVIDER, &self.carol_sub, user_id, now);
        link.await.unwrap();
    }

    /// Asserts that `agent` is not signed in at the downstream, and that no Carol was made.
    pub async fn assert_nobody_signed_in(&self, agent: &UserAgent) {
        assert!(!is_signed_in(agent).await);
        let carol = self.down.store.find_user_by_username(CAROL).await.unwrap();
        assert!(carol.is_none());
    }

    /// The local account Carol's upstream subject is linked to, if any.
    pub async fn linked_account(&self) -> Option<String> {
        let links = self.down.store.list_upstreams().await.unwrap();
        assert_eq!(links.len(), 1);
        let now = self.down.clock.now();
        let link = self
            .down
            .store
            .use_upstream_link(PROVIDER, &self.carol_sub, now);
        link.await.unwrap().map(|l| l.user_id)
    }
}

/// Asserts that the sign-up page offers [`CAROL`] (the upstream's `preferred_username`)
/// and takes it: where the browser lands.
pub async fn take_offered_username(agent: &UserAgent, page: &str) -> Landing {
    let offered = page
        .split("id=\"username\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next());
    assert_eq!(offered, Some(CAROL), "{page}");
    let fields = [("username", CAROL)];
    agent.submit(page, "/login/upstream/signup", &fields).await
}

/// A URL with query parameter `name` set to `value`.
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| match k == name {
            true => (k.into_owned(), value.to_string()),
            false => (k.into_owned(), v.into_owned()),
        })
        .collect();
    let mut changed = url.clone();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

/// Asserts a landing on the account page.
pub fn assert_signed_in(landing: Landing) {
    let (path, status, page) = landing.page();
    assert_eq!(
        (path.as_str(), status.as_u16()),
        ("/account", 200),
        "{page}"
    );
}
