//! The project as one command read it ([`Facts`], gathered once and never changed after),
//! what each part of a release is told about it ([`Brief`]) and what each part gives
//! back ([`Contribution`]).

pub mod problem;

use crate::config::Config;
use crate::git::{CommitInfo, RemoteRefs, Repo};
use crate::transaction::{Options, Step, Target};
use crate::version::Versions;
use git2::Oid;
use problem::Problem;
use semver::Version;

/// What preflight learned about the clone and its origin.
pub struct Facts {
    pub repo: Repo,
    pub config: Config,
    pub head: Oid,
    pub branch: String,
    pub versions: Versions,
    /// `None` when origin could not be asked (then there is a problem saying so).
    pub remote: Option<RemoteRefs>,
    pub problems: Vec<Problem>,
    /// Things worth saying that do not block.
    pub notices: Vec<String>,
    /// The image repositories the project builds from its Dockerfiles, when that is known
    /// (a release sets only these in the manifests; a third party's image is left alone).
    pub built: Option<Vec<String>>,
}

impl Facts {
    /// The clone and branch a transaction of this project changes.
    pub fn target(&self) -> Target<'_> {
        Target {
            repo: &self.repo,
            branch: &self.branch,
            remote: &self.config.remote,
            head: self.head,
        }
    }
}

/// What the parts of a release are told about it.
pub struct Brief<'a> {
    pub facts: &'a Facts,
    pub next: &'a Version,
    pub tag: &'a str,
    /// The commit the release is cut from (the images are labelled with it): HEAD before
    /// the release commit.
    pub revision: Oid,
    /// The tag of the current release, if any.
    pub prev_tag: Option<&'a str>,
    /// Commits since the current release, newest first.
    pub commits: &'a [CommitInfo],
    pub options: &'a Options,
}

/// File writes for the release commit, steps after the tag, notes, and reasons to refuse.
#[derive(Debug, Default)]
pub struct Contribution {
    pub steps: Vec<Box<dyn Step>>,
    /// Steps that run after the tag and before the git push (images).
    pub after_tag: Vec<Box<dyn Step>>,
    pub notices: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Contribution {
    /// A contribution that only says something.
    pub fn notice(text: impl Into<String>) -> Contribution {
        Contribution {
            notices: vec![text.into()],
            ..Contribution::default()
        }
    }

    /// Adds another part's steps, notes and problems to this one. A file two parts would
    /// both write is a problem: the second write would undo the first's.
    pub fn absorb(&mut self, other: Contribution) {
        for step in &other.steps {
            let Some(path) = step.writes() else { continue };
            if let Some(first) = self.steps.iter().find(|s| s.writes() == Some(path)) {
                self.problems.push(Problem::new(
                    format!(
                        "{} would be written twice by one release ({}; {})",
                        path.display(),
                        first.describe(),
                        step.describe()
                    ),
                    "let one part set it: drop it from version_files (the release sets a chart's Chart.yaml, and the manifests, itself)",
                ));
            }
        }
        self.steps.extend(other.steps);
        self.after_tag.extend(other.after_tag);
        self.notices.extend(other.notices);
        self.problems.extend(other.problems);
    }
}
