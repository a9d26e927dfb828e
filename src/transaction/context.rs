//! What a plan is made from: the facts preflight read, how the user asked to run it, and
//! what each part of a release is told ([`Context`]) and gives back ([`Contribution`]).

use super::Step;
use crate::config::Config;
use crate::git::{CommitInfo, RemoteRefs, Repo};
use crate::problem::Problem;
use crate::version::Versions;
use git2::Oid;
use semver::Version;

/// How the user asked to run it (kept in the journal, so resume keeps to it).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
    /// Pin `latest`/untagged project images in the test environment to the new version.
    pub replace_latest: bool,
    /// Release git only: no images are built or pushed.
    pub skip_images: bool,
    /// Skip the user's git hooks (`pre-commit`, `commit-msg`) for the release commit.
    pub no_verify: bool,
    /// Sign the release commit and tag (`--sign`, or `sign: true` in .release.yml).
    pub sign: bool,
    /// Keep the commit, tag and images local (`--no-push`, or no remote at all).
    pub no_push: bool,
    /// Lint errors do not block; the plan lists them (`--allow-check-errors`).
    pub allow_check_errors: bool,
    /// Run by `release resume` in place of a journal it took back (`restart`): that
    /// journal is not a release in progress for this run.
    #[serde(skip)]
    pub resuming: bool,
}

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

/// What the parts of a release are told about it.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub next: &'a Version,
    pub tag: &'a str,
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

    /// Adds another part's steps, notes and problems to this one.
    pub fn absorb(&mut self, other: Contribution) {
        self.steps.extend(other.steps);
        self.after_tag.extend(other.after_tag);
        self.notices.extend(other.notices);
        self.problems.extend(other.problems);
    }
}
