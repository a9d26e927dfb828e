//! The clones of one project (ISP, kube-2, origin): how each stands against origin and
//! what to do about it ([`model`], pure), and reading the peers over ssh or on disk
//! ([`peers`]). The top-level `status` puts them side by side with what runs in the cluster.

pub mod model;
pub mod peers;
