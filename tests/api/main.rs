//! Integration tests: each test boots the real server on an ephemeral port with a fresh
//! database (SQLite by default; PostgreSQL when `FARM_AUTH_TEST_DATABASE_URL` points at one)
//! and talks to it over HTTP, as a client would.
//!
//! One module per rule family; a test's name is the rule it holds, as a sentence. To find
//! the test of a rule, find its family below. Helpers live once, in `support`.

/// The test harness: the server on port 0, a browser, sign-in, API calls and errors, the
/// OpenAPI schema check, the command line, and doubles for a mail server and a passkey.
mod support;

// ---- The protocol: grants, tokens and what a relying party sees
/// APIs (resource servers, RFC 8707): each token's audience at every grant,
/// `invalid_target`, introspection only by the token's API (RFC 7662 §4), a platform
/// service's own check, vendor apps and API scopes, administering APIs.
mod apis;
/// The code flow end to end: PKCE, one use per code, redirect URI and client binding,
/// sign-up on the way, the session cookie.
mod authorization_code;
/// The client credentials grant, and its tokens verified as a resource server would.
mod client_credentials;
/// A code is consumed only by its own client: client, redirect URI and PKCE checked as it
/// is taken; a stranger's presentation neither spends it nor revokes anything.
mod code_theft;
/// Cross-origin requests of single-page apps: which endpoints answer which origins.
mod cors;
/// The device grant (RFC 8628): the endpoint, the device's polls, the `/device` page.
mod device_flow;
/// Discovery metadata, the JWKS and the health probes.
mod discovery;
/// Token introspection (RFC 7662): active, expired, unknown and forged tokens, who may ask.
mod introspection;
/// Signing keys: two-phase rotation, old keys published while needed, revocation at once.
mod keys;
/// RP-initiated logout: hints, confirmation, return addresses.
mod logout;
/// A relying party built with the `openidconnect` crate completes every step.
mod oidc_rp;
/// No open redirector: a vendor's app's errors before sign-in are held at the provider.
mod open_redirects;
/// PKCE required of vendors' apps as of public clients; optional for the platform's own.
mod pkce_required;
/// `prompt`, `max_age`, `id_token_hint` and remembered consent.
mod prompt;
/// The refresh token grant: rotation, replay revoking the family, lifetimes, scopes.
mod refresh;
/// Token revocation (RFC 7009).
mod revocation;
/// Step-up: the `acr` claim, `acr_values` and essential `acr`, a client's minimum level.
mod step_up;
/// The token endpoint's per-client rate limit, shared by replicas; 0 means no limit.
mod token_rate_limit;
/// UserInfo: claims by scope, bearer token errors (RFC 6750).
mod userinfo;

// ---- Signing in and the person's own account
/// The person's own account, complete: display name, change of e-mail address (confirmed
/// at the new address, undoable from the old), deleting the account, a download of its data.
mod account_self;
/// The authenticator app: enrolment, the second step of a sign-in, recovery codes.
mod authenticator_app;
/// Signing in with a code mailed to a confirmed address: one answer for every address,
/// single use, ten minutes, throttled, and the second factor still asked.
mod email_code;
/// Sign-up mails a link that confirms the address.
mod email_verification;
/// A second factor this server cannot check (a passkey at an IP-address issuer) refuses
/// the sign-in instead of being skipped.
mod factor_unavailable;
/// Sign-ins keep their share of the password hashers whatever floods the sign-up page.
mod hashing_share;
/// Pages and mail in the person's language: `ui_locales`, then `Accept-Language`, then
/// English; hostile values fall back; no English sentence left on a translated page.
mod languages;
/// Prometheus metrics: their own listener, parsed by an independent parser, labels from
/// fixed sets only.
mod metrics;
/// The person's own sessions and connected apps on the account page, and changing the
/// password there.
mod own_sessions;
/// Passkeys: adding one, using it after the password or alone, and every wrong answer.
mod passkeys;
/// A password change ends the grants that can change the account, unless asked not to.
mod password_change;
/// "Forgot your password?": one answer for every address, a link that works once, a reset
/// that ends every session and token.
mod password_reset;
/// Reset requests are taken and handled, or answered 429/503 with `Retry-After`; never
/// dropped after "check your email".
mod reset_request_limits;
/// The sign-in state machine's transitions, step by step, with the manual clock: what each
/// step returns and what it leaves in the database.
mod sign_in_machine;
/// The sign-up form's anti-automation step: a proof of work with JavaScript, a minimum
/// fill time without, a honeypot, single use; forged, replayed and expired ones refused.
mod signup_proof_of_work;
/// Sign-up limits per address, without the proof of work, per app and overall, checked
/// before any hash: 429 or 503 with `Retry-After`, nothing created.
mod signup_throttle;
/// Brute-force throttling: failed sign-ins and wrong codes earn back-off, never an answer
/// that says whether an account exists.
mod throttling;

/// Signing in with an upstream OpenID provider (a second farm-auth): first sign-in,
/// linking, refused callbacks, the local second factor, unlinking, a provider down.
mod upstream;

// ---- Telling the platform
/// Signed webhooks from the outbox (every event type, order, retries, dead letters,
/// replay, a crash) and back-channel logout for every way a session ends.
mod events;
/// OpenTelemetry traces exported over OTLP by the real binary, and the W3C trace context
/// carried on outbound calls.
mod traces;

// ---- Administration
/// The admin API per resource: who may call, users, suspension, clients, keys and audit,
/// registration tokens, hostile input, the OpenAPI document.
mod admin_api;
/// The console per area: access, people, suspension, apps, registration tokens, keys and
/// audit, hostile input.
mod admin_console;
/// Administrators need a second factor and a recent sign-in, for the console and the admin
/// API (RFC 9470), unless configured otherwise.
mod admin_step_up;
/// The command line: clients, users, roles, keys, initial access tokens, settings, SIGTERM.
mod cli;
/// A suspended (locked) person cannot sign in and nothing they held works until unlocked
/// (command line; the API and console have their own `suspension` modules).
mod suspension;

// ---- Farms as organizations
/// Farms: members and roles (at least one owner, nobody above their role, another farm is
/// unknown), farmer sign-up and approval, invitations, the `farms` claim, the command line,
/// pages and APIs.
mod farms;

// ---- Apps of outside vendors and the JSON account API
/// The account API: token rules, sign-up, passwords, the person's account and sessions,
/// the authenticator app, the OpenAPI document.
mod account_api;
/// Dynamic client registration (RFC 7591/7592): creating, initial access tokens, bad
/// metadata, the registration access token, updates, what vendors may never get, who
/// issues tokens.
mod registration;

// ---- Hostile input, everywhere: the exact refusal, never a 500, nothing written
/// At the token, introspection and revocation endpoints.
mod bad_input;
/// In the code flow: the authorization endpoint, code and refresh grants, UserInfo.
mod bad_input_authorize;
/// On the pages: CSRF, forms, escaping, security headers, login, logout.
mod bad_input_pages;

// ---- Across the whole server
/// The security trail: who did what, how it went, from where, never a secret.
mod audit_trail;
/// Every anonymous write is bounded: sessions of visitors, refused attempts, device
/// requests and the revocation list hold under a flood.
mod bounded_state;
/// A person in headless Chromium, on a phone-sized screen (ignored where no Chromium is
/// installed, unless `FARM_AUTH_REQUIRE_BROWSER=1`).
mod browser;
/// Connections: header timeout, idle and silent connections, the cap, HTTP/2 limits, and a
/// shutdown that drains without cutting a request.
mod connections;
/// Faults: a full disk, a database that goes away or stays locked: 503 with `Retry-After`,
/// an outage logged once, readiness that means "can write", no acknowledged write lost.
mod faults;
/// No secret, password or token reaches the logs.
mod logs;
/// Mail through the outbox: retries, giving up, whole links.
mod mail_delivery;
/// Two replicas on one database behave as one server.
mod replicas;
/// Secrets sealed at rest: unreadable without the secret key, and its rotation.
mod sealed_secrets;
/// Storage rules that hold on both database engines.
mod store;
/// Sweeps of expired rows: short batches through an index, with a pause between them.
mod sweeps;
