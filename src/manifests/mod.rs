//! Kubernetes manifests: image references, byte-exact patching, the object model with
//! test/prod pairing, and layout checks.

pub mod imageref;
pub mod model;
pub mod patch;
pub mod yaml;
