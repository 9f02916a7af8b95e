//! Values that arrive as text and are parsed once into types: ids, scopes, roles, a device
//! request's status, redirect URIs, usernames and email addresses, farms' statuses, roles and
//! names, and resource indicators. Each type has one `parse`
//! holding its rules, so code past the edge never re-checks a string, and an id that could
//! name nothing is answered as unknown without asking the database. The module sits below
//! everything (`store` holds these types in its records; a stored value that no longer
//! parses is [`crate::store::StoreError::Corrupt`], never a silent default) and depends on
//! nothing else in the crate.

pub mod device;
pub mod farm;
pub mod id;
pub mod redirect_uri;
pub mod resource;
pub mod scope;
pub mod user;

pub use device::DeviceStatus;
pub use farm::{FarmClaim, FarmName, FarmNameError, FarmRole, FarmStatus};
pub use id::{
    ApiId, ClientId, CredentialId, DeviceToken, FarmId, IdError, InitialAccessTokenId,
    InvitationId, SessionId, UserId,
};
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use resource::{Resource, ResourceError};
pub use scope::{Scope, ScopeError};
pub use user::{DisplayName, DisplayNameError, EmailAddress, Role, RoleError, Roles, Username};
