//! A kustomize overlay as an environment: its kustomization read, its objects rendered
//! (or its folder's own files when kubectl cannot render it), and the project's images it
//! sets.

use super::check::{Finding, Severity};
use super::helm;
use super::imageref::ImageRef;
use super::kustomize;
use super::model::{Env, ManifestFile, Object, read_file};
use super::patch::ProjectImages;
use super::places::Place;
use crate::project::problem::Problem;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A kustomize environment: the overlay's kustomization, and as its objects the overlay
/// rendered (one file named `<dir> (rendered)`, never written), else the folder's own
/// manifests with a note saying why.
pub fn load_env(
    root: &Path,
    name: &str,
    place: &Place,
    (bases, render): (&Bases, bool),
) -> anyhow::Result<(Env, Option<kustomize::Overlay>)> {
    let mut env = Env {
        name: name.to_string(),
        place: place.clone(),
        exists: false,
        files: Vec::new(),
    };
    let Some(file) = kustomize::file_in(root, &place.dir) else {
        return Ok((env, None));
    };
    env.exists = true;
    let text =
        std::fs::read_to_string(root.join(&file)).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let images = match kustomize::images(&text) {
        Ok(i) => i,
        Err(e) => {
            let mut broken = read_file(file.clone(), String::new());
            broken.error = Some(e);
            env.files.push(broken);
            kustomize::Images::default()
        }
    };
    let rendered = if render {
        kustomize::render(root, &place.dir)
    } else {
        Err(anyhow::anyhow!("a git hook reads the kustomization only"))
    };
    let not_rendered = match rendered {
        Ok(rendered) => {
            let mut file = read_file(kustomize::rendered_path(&place.dir), rendered);
            point_at_sources(&bases.under(root, &place.dir), &mut file);
            env.files.push(file);
            None
        }
        Err(e) => {
            for rel in place
                .files(root)
                .into_iter()
                .filter(|p| !kustomize::is_kustomization(p))
            {
                let text = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
                env.files.push(read_file(rel, text));
            }
            Some(format!("{e:#}"))
        }
    };
    Ok((
        env,
        Some(kustomize::Overlay {
            file,
            text,
            images,
            not_rendered,
        }),
    ))
}

/// The project's repositories an overlay sets: those its rendered objects run and those
/// its entries name, each once, as written.
pub fn project_repositories(env: &Env, o: &kustomize::Overlay, project: &ProjectImages) -> Vec<String> {
    let rendered = env
        .objects()
        .flat_map(|obj| obj.images.iter())
        .filter_map(|s| s.scalar.as_ref())
        .filter_map(|s| ImageRef::parse(&s.value).ok());
    let named = o
        .images
        .entries
        .iter()
        .filter_map(|e| ImageRef::parse(e.repository()).ok());
    let mut seen = std::collections::BTreeSet::new();
    rendered
        .chain(named)
        .filter(|r| project.contains(r))
        .filter(|r| seen.insert(r.canonical_repository()))
        .map(|r| r.repository())
        .collect()
}

/// What `check` says of an overlay beyond the rules on its objects: that it could not be
/// rendered, and `images:` entries that match no image of the rendered objects (a
/// misspelled name, or a placeholder such as `IMAGE_TAG`).
pub fn findings(env: &Env, o: &kustomize::Overlay) -> Vec<Finding> {
    let finding = |severity, rule, what: String, fix: &str, line: usize| Finding {
        severity,
        rule,
        problem: Problem::new(what, fix).at_line(o.file.clone(), line),
    };
    if let Some(why) = &o.not_rendered {
        return vec![finding(
            Severity::Warning,
            "kustomize-render",
            format!(
                "{} was not rendered ({why}): the rules ran on its folder's own files",
                env.label()
            ),
            "install kubectl (it renders with `kubectl kustomize`), then check again",
            1,
        )];
    }
    let used: std::collections::BTreeSet<String> = env
        .objects()
        .flat_map(|obj| obj.images.iter())
        .filter_map(|s| s.scalar.as_ref())
        .filter_map(|s| kustomize::canonical(&s.value))
        .collect();
    o.images
        .entries
        .iter()
        .filter(|e| kustomize::canonical(e.repository()).is_none_or(|r| !used.contains(&r)))
        .map(|e| {
            finding(
                Severity::Warning,
                "kustomize-image",
                format!(
                    "images entry `{}` matches no image of {}'s rendered objects, so it changes nothing",
                    e.repository(),
                    env.name
                ),
                "name the image as the base's manifests write it (the full name), or remove the entry",
                e.line,
            )
        })
        .collect()
}

/// The manifests under each overlays tree (`k8s/` for `k8s/overlays/test`), read once for
/// both environments of a command.
#[derive(Default)]
pub struct Bases(std::cell::RefCell<Vec<(PathBuf, Rc<Vec<ManifestFile>>)>>);

impl Bases {
    /// The manifests (kustomizations left out) under the tree of overlay folder `dir`.
    fn under(&self, root: &Path, dir: &Path) -> Rc<Vec<ManifestFile>> {
        let tree = dir.ancestors().nth(2).unwrap_or(Path::new("")).to_path_buf();
        if let Some((_, files)) = self.0.borrow().iter().find(|(t, _)| *t == tree) {
            return Rc::clone(files);
        }
        let files: Rc<Vec<ManifestFile>> = Rc::new(
            Place::folder(tree.clone())
                .files(root)
                .into_iter()
                .filter(|p| !kustomize::is_kustomization(p))
                .filter_map(|rel| Some(read_file(rel.clone(), std::fs::read_to_string(root.join(&rel)).ok()?)))
                .collect(),
        );
        self.0.borrow_mut().push((tree, Rc::clone(&files)));
        files
    }
}

/// Rendered objects named after the files they come from: each one whose kind and name
/// (less the overlay's prefix or suffix) match exactly one object of the manifests under
/// the overlays' tree takes that object's file and lines, so a finding names the base
/// file:line to edit. Objects made by the overlay itself keep their rendered place.
fn point_at_sources(sources: &[ManifestFile], rendered: &mut ManifestFile) {
    let all: Vec<&Object> = sources.iter().flat_map(|f| &f.objects).collect();
    for o in &mut rendered.objects {
        let made_from = |s: &&&Object| {
            s.kind == o.kind
                && !s.name.is_empty()
                && (o.name.starts_with(s.name.as_str()) || o.name.ends_with(s.name.as_str()))
        };
        let best = all.iter().filter(made_from).map(|s| s.name.len()).max();
        let found: Vec<&&Object> = all
            .iter()
            .filter(made_from)
            .filter(|s| Some(s.name.len()) == best)
            .collect();
        let [source] = found.as_slice() else { continue };
        o.file = std::sync::Arc::clone(&source.file);
        (o.line, o.name_line, o.selector_line) = (source.line, source.name_line, source.selector_line);
        for site in o.images.iter_mut() {
            if let Some(from) = source.images.iter().find(|i| i.container == site.container) {
                site.line = from.line;
            }
        }
    }
}

/// A Helm chart environment: its values file, and no objects (rendering a chart needs
/// `helm`, which release does not call).
pub fn helm_env(root: &Path, name: &str, place: &Place) -> anyhow::Result<(Env, Option<helm::Values>)> {
    let file = place.also.first().filter(|f| root.join(f).is_file());
    let env = Env {
        name: name.to_string(),
        place: place.clone(),
        exists: file.is_some(),
        files: Vec::new(),
    };
    let values = file.map(|f| helm::Values::load(root, &place.dir, f)).transpose()?;
    Ok((env, values))
}

/// What `check` says of a chart environment: its values file does not parse, it was not
/// rendered, and (for prod) a project image whose tag it does not set, so the chart would
/// run `appVersion`, which moves with every release to test.
pub fn helm_findings(env: &Env, v: &helm::Values, project: &ProjectImages) -> Vec<Finding> {
    let finding = |severity, rule, what: String, fix: &str, line: usize| Finding {
        severity,
        rule,
        problem: Problem::new(what, fix).at_line(v.file.clone(), line),
    };
    if let Some(e) = &v.error {
        return vec![Finding {
            severity: Severity::Error,
            rule: "values-syntax",
            problem: e.problem(&v.file),
        }];
    }
    let mut out = vec![finding(
        Severity::Warning,
        "helm-render",
        format!(
            "{} was not rendered: that needs helm, so the rules on objects did not run",
            env.label()
        ),
        "run `helm template` on the chart to see its objects; release checks the values files only",
        1,
    )];
    if env.name == "prod" {
        let sites = v.sites();
        for repo in v
            .repositories()
            .iter()
            .filter(|r| ImageRef::parse(r).is_ok_and(|r| project.contains(&r)))
        {
            let set = sites
                .iter()
                .any(|s| s.repository == *repo && s.tag_value().is_some_and(|t| !t.is_empty()));
            if !set {
                out.push(finding(
                    Severity::Warning,
                    "values-no-tag",
                    format!("{} sets no tag for {repo}: the chart would run appVersion, which moves with every release to test", v.file.display()),
                    "promote (release promote writes prod's tag), or set the tag in prod's values",
                    1,
                ));
            }
        }
    }
    out
}
