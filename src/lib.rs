//! `release`: one safe command for the release ritual (version, tag, push).
//!
//! Pure parts decide ([`version`], [`release::plan`]); thin adapters talk to the world
//! ([`git`], [`proc`]). See `ARCHITECTURE` in the README for the map.

pub mod changelog;
pub mod changelog_file;
pub mod check_cmd;
pub mod cli;
pub mod commits;
pub mod config;
pub mod demo;
pub mod error;
pub mod git;
pub mod history;
pub mod hooks;
pub mod images;
pub mod init;
pub mod manifests;
pub mod peers;
pub mod proc;
pub mod promote;
pub mod release;
pub mod sample;
pub mod status_cmd;
pub mod sync;
pub mod ui;
pub mod version;
pub mod version_report;
