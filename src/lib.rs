//! `release`: one safe command for the release ritual of a containerized app deployed to
//! Kubernetes (version, CHANGELOG.md, manifests, images, tag, push).
//!
//! The layout follows `ARCHITECTURE.md`: [`commands`] parse and dispatch; [`release`]
//! and [`promote`] make plans; [`transaction`] applies them with undo; the domain
//! modules ([`manifests`], [`images`], [`changelog_file`], [`peers`], [`status`],
//! [`hooks`]) read the world through the adapters ([`git`], [`proc`], [`fs`], [`ui`]);
//! pure cores ([`version`], [`commits`], [`changelog`], [`sync`], [`problem`]) decide.

pub mod changelog;
pub mod changelog_file;
pub mod commands;
pub mod commits;
pub mod config;
pub mod deploy;
pub mod error;
pub mod fs;
pub mod git;
pub mod history;
pub mod hooks;
pub mod images;
pub mod manifests;
pub mod new_files;
pub mod peers;
pub mod problem;
pub mod proc;
pub mod promote;
pub mod release;
pub mod sample;
pub mod status;
pub mod sync;
pub mod transaction;
pub mod ui;
pub mod version;
pub mod yaml_depth;
