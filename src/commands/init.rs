//! `release init`: write the reference layout (kubernetes/{test,prod}, docker/) and a
//! `.release.yml` into a project, names substituted, never overwriting a file.

use crate::error::refused;
use crate::fs::write_atomic;
use crate::{sample, ui};
use anyhow::Result;
use std::path::Path;

/// The names that go into the sample (the command's arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct Names {
    /// The app's name, used in object names (lower-case, digits, `-`).
    #[arg(long, default_value = "hello")]
    pub app: String,
    /// Your Docker Hub user (required): images are USER/APP-api and USER/APP-wrk.
    #[arg(long)]
    pub user: String,
    /// The test API's nodePort (30000-32767).
    #[arg(long, default_value_t = 30081)]
    pub nodeport_test: u16,
    /// The prod API's nodePort (30000-32767, not the test one).
    #[arg(long, default_value_t = 30082)]
    pub nodeport_prod: u16,
}

/// `release init`'s arguments.
pub type Args = Names;

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Names {
    pub fn validate(&self) -> Result<()> {
        if !dns_label(&self.app) {
            return Err(refused(format!(
                "--app `{}`: use lower-case letters, digits and `-` (it becomes Kubernetes object names)",
                self.app
            )));
        }
        if self.user.is_empty()
            || !self
                .user
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        {
            return Err(refused(format!(
                "--user `{}`: a Docker Hub user name is lower-case letters and digits (image names cannot have capitals)",
                self.user
            )));
        }
        for (flag, p) in [
            ("--nodeport-test", self.nodeport_test),
            ("--nodeport-prod", self.nodeport_prod),
        ] {
            if !(30000..=32767).contains(&p) {
                return Err(refused(format!(
                    "{flag} {p}: a nodePort must be between 30000 and 32767"
                )));
            }
        }
        if self.nodeport_test == self.nodeport_prod {
            return Err(refused(
                "--nodeport-test and --nodeport-prod must differ: both environments share the cluster's ports",
            ));
        }
        Ok(())
    }

    /// The sample text with these names in place of the sample's own.
    pub fn apply(&self, text: &str) -> String {
        text.replace("demo/hello-", &format!("{}/{}-", self.user, self.app))
            .replace("hello-", &format!("{}-", self.app))
            .replace("nodePort: 30081", &format!("nodePort: {}", self.nodeport_test))
            .replace("nodePort: 30082", &format!("nodePort: {}", self.nodeport_prod))
    }

    pub fn config(&self) -> String {
        format!(
            "# release settings (see `release --help`)\nenvironments:\n  test: kubernetes/test\n  prod: kubernetes/prod\nimages:\n  - repository: {u}/{a}-api\n  - repository: {u}/{a}-wrk\n",
            u = self.user,
            a = self.app
        )
    }
}

/// Writes the layout into the project containing `dir`.
pub fn run(dir: &Path, names: Names) -> Result<()> {
    names.validate()?;
    let root = crate::git::project_root(dir);
    let mut files: Vec<(String, String)> = sample::FILES
        .iter()
        .filter(|(p, _)| p.starts_with("kubernetes/") || p.starts_with("docker/"))
        .map(|(p, t)| (p.to_string(), names.apply(t)))
        .collect();
    files.push((crate::config::FILE_NAME.to_string(), names.config()));
    let (mut wrote, mut kept) = (0, 0);
    for (rel, text) in files {
        let path = root.join(&rel);
        if path.exists() {
            ui::say(&format!("kept     {rel} (exists; not overwritten)"));
            kept += 1;
        } else {
            write_atomic(&path, text.as_bytes())?;
            ui::say(&format!("wrote    {rel}"));
            wrote += 1;
        }
    }
    ui::success(&format!(
        "{wrote} file(s) written, {kept} kept; next: release check, then git add -A && git commit"
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::model::read_file;

    fn names() -> Names {
        Names {
            app: "my-api".into(),
            user: "alice".into(),
            nodeport_test: 30100,
            nodeport_prod: 30200,
        }
    }

    #[test]
    fn substitution_and_validation() {
        let n = names();
        let text = n.apply(include_str!("../../kubernetes/test/api-deployment.yml"));
        assert!(
            text.contains("image: alice/my-api-api:0.0.0") && text.contains("name: my-api-test-api"),
            "{text}"
        );
        assert!(!text.contains("hello"));
        let svc = n.apply(include_str!("../../kubernetes/prod/api-service.yml"));
        assert!(svc.contains("nodePort: 30200"));
        assert!(read_file("x.yml".into(), text).error.is_none());
        for bad in [
            Names {
                app: "My_App".into(),
                ..names()
            },
            Names {
                user: "Alice".into(),
                ..names()
            },
            Names {
                nodeport_test: 80,
                ..names()
            },
            Names {
                nodeport_prod: 30100,
                ..names()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(n.validate().is_ok());
    }
}
