//! The vocabulary of commit types that `.release.yml` can extend: the level a type calls
//! for and the changelog section it goes to.

use crate::version::Level;
use std::collections::BTreeMap;

/// Keep a Changelog's sections, in its order, plus "Other" for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
pub enum Section {
    Added,
    Changed,
    Deprecated,
    Removed,
    Fixed,
    Security,
    Other,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Added,
        Section::Changed,
        Section::Deprecated,
        Section::Removed,
        Section::Fixed,
        Section::Security,
        Section::Other,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Section::Added => "Added",
            Section::Changed => "Changed",
            Section::Deprecated => "Deprecated",
            Section::Removed => "Removed",
            Section::Fixed => "Fixed",
            Section::Security => "Security",
            Section::Other => "Other",
        }
    }
    pub fn from_title(t: &str) -> Option<Section> {
        Section::ALL
            .into_iter()
            .find(|s| s.title().eq_ignore_ascii_case(t.trim()))
    }
}

/// Extra type -> section mappings from `.release.yml`.
pub type TypeSections = BTreeMap<String, Section>;

/// Extra commit types from `.release.yml` (`types: { dx: { level: patch } }`).
pub type TypeLevels = BTreeMap<String, Level>;
