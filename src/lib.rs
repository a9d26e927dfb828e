//! `kube_release`, the library behind the `release` command: one safe command for the
//! release ritual of a containerized app deployed to Kubernetes (version, CHANGELOG.md,
//! manifests, images, tag, push). Named apart from its `release` module, so a path reads
//! `kube_release::release::run`, never `release::release::run`.
//!
//! The layout follows `ARCHITECTURE.md`: [`commands`] parse and dispatch; [`release`]
//! and [`promote`] make plans; [`transaction`] applies them with undo; the domain
//! modules ([`manifests`], [`images`], [`changelog`], [`clones`], [`deploy`], [`status`],
//! [`git_hooks`]) read the world through the adapters ([`git`], [`proc`], [`fs`], [`ui`],
//! [`clock`]); pure cores ([`version`], `changelog::commits`, `clones::model`,
//! [`work_tree`], `project::problem`) decide; [`project`] is the snapshot a command reads once.

pub mod changelog;
pub mod clock;
pub mod clones;
pub mod commands;
pub mod config;
pub mod deploy;
pub mod error;
pub mod fs;
pub mod git;
pub mod git_hooks;
pub mod images;
pub mod manifests;
pub mod proc;
pub mod project;
pub mod promote;
pub mod release;
pub mod status;
pub mod transaction;
pub mod ui;
pub mod version;
pub mod work_tree;
