//! OpenID Connect on top of [`crate::oauth2`]: provider metadata (Discovery 1.0 and RFC
//! 8414), ID tokens, the claims a client may see, UserInfo, and RP-initiated logout.

pub mod claims;
pub mod discovery;
pub mod id_token;
pub mod logout;
pub mod userinfo;
