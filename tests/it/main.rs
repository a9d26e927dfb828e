//! The integration tests, one binary (one link of git2, bollard and tokio instead of one per
//! suite): each module is a suite, run against the real `release` binary and real services.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod changelog_flow;
mod conventions;
mod deploy_flow;
mod dockerignore_conformance;
mod faults;
mod helm_props;
mod hooks_flow;
mod hostile_input;
mod images_flow;
mod interrupted;
mod kustomize_props;
mod layouts;
mod manifests_flow;
mod patcher_props;
mod preflight;
mod recovery;
mod release_flow;
mod snapshots;
mod sync_flow;
mod unseen;
mod version_cmd;
mod version_files;
