//! Kubernetes manifests: image references, byte-exact patching, the object model with
//! test/prod pairing, and layout checks. This file is the thin adapter: it loads the
//! environment folders and plugs the pure parts into the release plan.

pub mod adopt;
pub mod check;
pub mod helm;
pub mod imageref;
pub mod kustomize;
pub mod model;
pub mod overlay_env;
pub mod patch;
pub mod places;
pub mod wiring;
pub mod yaml;

use crate::config::Config;
use crate::project::problem::Problem;
use crate::project::{Brief, Contribution};
use crate::transaction::git_steps::WriteFile;
use anyhow::{Context as _, Result};
use imageref::ImageRef;
use model::Env;
use patch::ProjectImages;
use std::path::Path;

/// Namespaces of well-known third-party images: never the project's own.
const VENDORS: &[&str] = &[
    "bitnami",
    "grafana",
    "prom",
    "nginxinc",
    "jupyter",
    "rancher",
    "curlimages",
    "busybox",
];

/// Both environments (and what they share), read from disk.
pub struct Layout {
    pub test: Env,
    pub prod: Env,
    /// Files both environments use (`kubernetes/db/`): linted, never patched.
    pub shared: Option<Env>,
    /// Files of environments the release does not know (`k8s/dev/`): only counted.
    pub other: Vec<std::path::PathBuf>,
    pub project: ProjectImages,
    /// The only manifests name no environment: taken as prod until `init --as` says.
    pub unnamed: bool,
    /// What test's and prod's objects come from beyond plain files.
    pub sources: [Source; 2],
}

/// What a layout is read for: to patch (the files' text kept), to check (text dropped once
/// parsed), or for a git hook (no overlay rendered).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Patch,
    Check,
    Hook,
}

/// Where an environment's images are set.
#[derive(Debug, Clone)]
pub enum Source {
    /// Plain manifest files: the objects' own `image:` values.
    Files,
    /// A kustomize overlay's kustomization (`None`: the overlay has none yet).
    Overlay(Option<kustomize::Overlay>),
    /// A Helm chart's values file (`None`: the environment has none yet).
    Values(Option<helm::Values>),
}

impl Layout {
    /// Both environments with their files' text, ready to patch.
    pub fn load(root: &Path, config: &Config) -> Result<Layout> {
        Layout::read(root, config, places::of_project(root, config), Reading::Patch)
    }

    /// Both environments for reading only (`release check`): the files' text is dropped
    /// once parsed, so a 50 MB manifest is not held twice.
    pub fn load_to_read(root: &Path, config: &Config) -> Result<Layout> {
        Layout::read(root, config, places::of_project(root, config), Reading::Check)
    }

    /// What the post-merge hook reads, at places it found already: the files' objects,
    /// and kustomizations without rendering them (a hook never waits on kubectl).
    pub fn load_to_read_at(root: &Path, config: &Config, places: places::Places) -> Result<Layout> {
        Layout::read(root, config, places, Reading::Hook)
    }

    fn read(root: &Path, config: &Config, places: places::Places, reading: Reading) -> Result<Layout> {
        let keep_text = reading == Reading::Patch;
        let bases = overlay_env::Bases::default();
        let load = |name: &str, place: &places::Place| -> Result<(Env, Source)> {
            match place.holds {
                places::Holds::Kustomize => {
                    let (env, o) = overlay_env::load_env(root, name, place, (&bases, reading != Reading::Hook))?;
                    Ok((env, Source::Overlay(o)))
                }
                places::Holds::Helm => {
                    let (env, v) = overlay_env::helm_env(root, name, place)?;
                    Ok((env, Source::Values(v)))
                }
                _ => {
                    let env = model::load_env(root, name, place, keep_text)
                        .with_context(|| format!("reading {}", place.label))?;
                    Ok((env, Source::Files))
                }
            }
        };
        let (test, test_source) = load("test", &places.test)?;
        let (prod, prod_source) = load("prod", &places.prod)?;
        let shared = places
            .shared
            .as_ref()
            .map(|s| load("shared", s))
            .transpose()?
            .map(|(e, _)| e);
        let mut project = project_images(config, &[&test, &prod]);
        if config.images.is_empty() {
            // A chart's images are in its values, not in objects.
            let charted = [&test_source, &prod_source].into_iter().flat_map(|s| match s {
                Source::Values(Some(v)) => v.repositories(),
                _ => Vec::new(),
            });
            project.repos.extend(charted.filter_map(|r| own_image(&r)));
        }
        Ok(Layout {
            test,
            prod,
            shared,
            other: places.other,
            project,
            unnamed: places.unnamed,
            sources: [test_source, prod_source],
        })
    }

    /// What was found: `test: k8s/test (9 files), prod: k8s/prod (9 files), shared: none`.
    pub fn found(&self) -> String {
        let one = |e: &Env| {
            if let Some(o) = self.overlay(&e.name) {
                let rendered = if o.not_rendered.is_some() { " not rendered" } else { "" };
                format!("{}: {}{rendered}", e.name, e.label())
            } else if self.values(&e.name).is_some() {
                format!("{}: {}", e.name, e.label())
            } else if e.exists {
                format!("{}: {} ({} files)", e.name, e.label(), e.files.len())
            } else {
                format!("{}: none ({} does not exist)", e.name, e.label())
            }
        };
        let shared = match &self.shared {
            Some(s) => format!("{} ({} files)", s.label(), s.files.len()),
            None => "none".to_string(),
        };
        let other = match self.other.as_slice() {
            [] => String::new(),
            [first, ..] => format!(
                ", not used: {} file(s) of other environments ({}{})",
                self.other.len(),
                first.display(),
                if self.other.len() > 1 { ", ..." } else { "" }
            ),
        };
        format!("{}, {}, shared: {shared}{other}", one(&self.test), one(&self.prod))
    }

    /// The kustomization of `env` (`test` or `prod`), when it is a kustomize overlay.
    pub fn overlay(&self, env: &str) -> Option<&kustomize::Overlay> {
        match self.source(env)? {
            Source::Overlay(o) => o.as_ref(),
            _ => None,
        }
    }

    /// The values file of `env`, when it is a Helm chart environment.
    pub fn values(&self, env: &str) -> Option<&helm::Values> {
        match self.source(env)? {
            Source::Values(v) => v.as_ref(),
            _ => None,
        }
    }

    fn source(&self, env: &str) -> Option<&Source> {
        match env {
            "test" => Some(&self.sources[0]),
            "prod" => Some(&self.sources[1]),
            _ => None,
        }
    }

    /// Every finding of `release check`: the rules on both environments' objects, and what
    /// is said of kustomize overlays (not rendered, entries that match nothing).
    pub fn findings(&self) -> Vec<check::Finding> {
        let mut all = check::check(&self.test, &self.prod, self.shared.as_ref(), &self.project);
        for env in [&self.test, &self.prod] {
            if let Some(o) = self.overlay(&env.name) {
                all.extend(overlay_env::findings(env, o));
            }
            if let Some(v) = self.values(&env.name) {
                all.extend(overlay_env::helm_findings(env, v, &self.project));
            }
        }
        all
    }

    pub fn exists(&self) -> bool {
        self.test.exists || self.prod.exists
    }

    /// Whether an image value names one of the project's own images.
    pub fn is_project(&self, value: &str) -> bool {
        ImageRef::parse(value).is_ok_and(|r| self.project.contains(&r))
    }

    /// Every use of the project's own images in `env`: the object, the line, the value.
    pub fn project_refs<'a>(&'a self, env: &'a Env) -> impl Iterator<Item = ProjectRef<'a>> + 'a {
        env.objects().flat_map(move |object| {
            object.images.iter().filter_map(move |site| {
                let scalar = site.scalar.as_ref()?;
                let image = ImageRef::parse(&scalar.value).ok()?;
                self.project.contains(&image).then_some(ProjectRef {
                    object,
                    line: site.line,
                    value: &scalar.value,
                    image,
                })
            })
        })
    }
}

/// One place an environment says which tag of a project image it runs: an object's
/// `image:`, or a tag in a Helm values file.
pub struct TagUse {
    pub image: ImageRef,
    /// The reference as written (`org/api:0.2.0`; for a values file, repository and tag).
    pub value: String,
    /// Where: `file:line`, or `values file (path.to.tag)`.
    pub at: String,
}

impl Layout {
    /// Every project image tag `env` sets: its objects' images, or (a chart) the tags its
    /// values file sets, or (an overlay not rendered) its kustomization's entries.
    pub fn tag_uses(&self, env: &Env) -> Vec<TagUse> {
        if let Some(o) = self.overlay(&env.name).filter(|o| o.not_rendered.is_some()) {
            return o
                .images
                .entries
                .iter()
                .filter_map(|e| {
                    let value = format!("{}:{}", e.repository(), e.new_tag.as_ref()?.value);
                    let image = ImageRef::parse(&value).ok().filter(|i| self.project.contains(i))?;
                    let at = format!("{}:{}", o.file.display(), e.line);
                    Some(TagUse { image, value, at })
                })
                .collect();
        }
        let Some(v) = self.values(&env.name) else {
            return self
                .project_refs(env)
                .map(|p| TagUse {
                    at: format!("{}:{}", p.object.file.display(), p.line),
                    value: p.value.to_string(),
                    image: p.image,
                })
                .collect();
        };
        v.sites()
            .into_iter()
            .filter_map(|s| {
                let tag = s.tag_value().filter(|t| !t.is_empty())?;
                let value = format!("{}:{tag}", s.repository);
                let image = ImageRef::parse(&value).ok().filter(|i| self.project.contains(i))?;
                let at = format!("{} ({})", v.file.display(), s.path);
                Some(TagUse { image, value, at })
            })
            .collect()
    }
}

/// One use of a project image in a manifest.
pub struct ProjectRef<'a> {
    pub object: &'a model::Object,
    pub line: usize,
    /// The value as written.
    pub value: &'a str,
    pub image: ImageRef,
}

/// The project's own image repositories: from `.release.yml` `images:`, else every image
/// in the manifests that is not an official library image (`redis`, `python`) or a
/// well-known vendor's.
pub fn project_images(config: &Config, envs: &[&Env]) -> ProjectImages {
    if !config.images.is_empty() {
        let set = config
            .images
            .iter()
            .filter_map(|i| ImageRef::parse(&i.repository).ok())
            .map(|r| r.canonical_repository())
            .collect();
        return ProjectImages {
            repos: set,
            component_tag: component_tag(config),
            namespace: config.deploy.namespace.clone(),
            image_tag: config.manifests.image_tag.clone(),
        };
    }
    let mut set = std::collections::BTreeSet::new();
    for env in envs {
        for o in env.objects() {
            set.extend(o.images.iter().filter_map(|s| own_image(&s.scalar.as_ref()?.value)));
        }
    }
    ProjectImages {
        repos: set,
        component_tag: component_tag(config),
        namespace: config.deploy.namespace.clone(),
        image_tag: config.manifests.image_tag.clone(),
    }
}

/// The canonical repository of an image that may be the project's own: not an official
/// library image (`redis`) nor a well-known vendor's.
fn own_image(value: &str) -> Option<String> {
    let r = ImageRef::parse(value).ok()?;
    let repo = r.canonical_repository();
    (!r.is_official_library() && !VENDORS.iter().any(|v| repo.starts_with(&format!("{v}/")))).then_some(repo)
}

/// `manifests: { component_tag: ... }` (validated when the config is read).
fn component_tag(config: &Config) -> crate::version::ComponentTag {
    crate::version::ComponentTag::new(&config.manifests.component_tag).unwrap_or_default()
}

/// The release's switch that pins `latest`/untagged project images in the test
/// environment to the new version (`--replace-latest`).
pub const REPLACE_LATEST: &str = "replace_latest";
/// The release's switch that lets lint errors through; the plan lists them
/// (`--allow-check-errors`).
pub const ALLOW_CHECK_ERRORS: &str = "allow_check_errors";

/// The release plan's contribution: kubernetes/test set to the new tag, and the layout
/// check's errors as reasons to refuse.
pub fn contribute(ctx: &Brief) -> Result<Contribution> {
    contribute_in(ctx, &Layout::load(&ctx.facts.repo.root, &ctx.facts.config)?)
}

/// [`contribute`] with the manifests already read.
pub fn contribute_in(ctx: &Brief, layout: &Layout) -> Result<Contribution> {
    let config = &ctx.facts.config;
    if !layout.exists() {
        return Ok(Contribution::notice(format!(
            "no manifests found ({}, {}): nothing to update (release init writes a sample layout)",
            layout.test.label(),
            layout.prod.label()
        )));
    }
    let (mut c, pinned) = if config.manifests.patch && layout.test.exists {
        patches(ctx, layout)
    } else {
        let why = if layout.test.exists {
            "`manifests: { patch: false }` in .release.yml".to_string()
        } else {
            format!("no test manifests: {} does not exist", layout.test.label())
        };
        let note =
            format!("manifests: not patched ({why}): this release is git only (changelog, commit, tag, images, push)");
        (Contribution::notice(note), Pinned::new())
    };
    c.notices.insert(0, format!("manifests found: {}", layout.found()));
    lint(ctx, layout, &mut c, &pinned);
    Ok(c)
}

/// The layout check's findings: errors block unless allowed, warnings are said.
/// A floating tag the release pins is said once (by the patch), not again by the lint.
fn lint(ctx: &Brief, layout: &Layout, c: &mut Contribution, pinned: &Pinned) {
    let config = &ctx.facts.config;
    let allow = &config.check.allow;
    for rule in allow
        .iter()
        .filter(|r| !check::RULES.iter().any(|k| k.id == r.as_str()))
    {
        let ids: Vec<&str> = check::RULES.iter().map(|k| k.id).collect();
        c.problems.push(Problem::new(
            format!(".release.yml: check.allow names `{rule}`, which is no rule"),
            format!("use the rule ids `release check` prints: {}", ids.join(", ")),
        ));
    }
    for f in layout.findings() {
        let allowed = ctx.options.flag(ALLOW_CHECK_ERRORS) || allow.iter().any(|r| r == f.rule);
        // A missing folder is what a git-only release is for: said, never blocking.
        let severity = if f.rule == "env-missing" {
            check::Severity::Warning
        } else {
            f.severity
        };
        match severity {
            check::Severity::Error if allowed => {
                let by = if allow.iter().any(|r| r == f.rule) {
                    format!("check.allow: [{}]", f.rule)
                } else {
                    "--allow-check-errors".to_string()
                };
                c.notices.push(format!("allowed by {by}: {} [{}]", f.problem.headline(), f.rule));
            }
            check::Severity::Error => c.problems.push(Problem {
                fix: format!(
                    "{} (run `release check` for the full list; to release anyway: --allow-check-errors, or `check: {{ allow: [{}] }}` in .release.yml)",
                    f.problem.fix, f.rule
                ),
                ..f.problem
            }),
            check::Severity::Warning
                if f.rule == "floating-tag"
                    && pinned.contains(&f.problem.at.as_ref().map(ToString::to_string).unwrap_or_default()) => {}
            check::Severity::Warning => c.notices.push(f.problem.headline()),
        }
    }
}

/// The project images a release sets: those it builds, when its Dockerfiles say (the rest
/// are said and left alone).
fn to_set(ctx: &Brief, layout: &Layout, c: &mut Contribution) -> ProjectImages {
    let Some(built) = &ctx.facts.built else {
        return layout.project.clone();
    };
    let canonical = |r: &str| ImageRef::parse(r).map(|r| r.canonical_repository()).ok();
    let built: std::collections::BTreeSet<String> = built.iter().filter_map(|r| canonical(r)).collect();
    for r in layout
        .project_refs(&layout.test)
        .filter(|r| !built.contains(&r.image.canonical_repository()))
    {
        c.notices.push(format!(
            "{}:{}: `{}` is built by no Dockerfile here, so the release leaves it as it is (add it to `images:` in .release.yml if it is yours)",
            r.object.file.display(),
            r.line,
            r.value
        ));
    }
    ProjectImages {
        repos: layout.project.repos.intersection(&built).cloned().collect(),
        component_tag: layout.project.component_tag.clone(),
        namespace: layout.project.namespace.clone(),
        image_tag: layout.project.image_tag.clone(),
    }
}

/// A kustomize test overlay: its kustomization's `images:` entries set to the new tag for
/// every project image the overlay runs or names (an entry added where it has none).
fn overlay_patch(ctx: &Brief, layout: &Layout, o: &kustomize::Overlay, project: &ProjectImages) -> Contribution {
    let wants: Vec<kustomize::Want> = overlay_env::project_repositories(&layout.test, o, project)
        .into_iter()
        .map(|repository| kustomize::Want {
            tag: project.tag_for(kustomize::current_tag(o, &repository), ctx.tag),
            repository,
            digest: None,
        })
        .collect();
    let (text, changes) = kustomize::set(&o.text, &o.images, &wants);
    let mut c = Contribution::default();
    if let Some(why) = &o.not_rendered {
        c.notices.push(format!(
            "{}: not rendered ({why}); the images set are those its kustomization names",
            layout.test.label()
        ));
    }
    if changes.is_empty() {
        c.notices.push(format!(
            "{}: no image of the project needed a new tag",
            layout.test.label()
        ));
        return c;
    }
    c.notices.extend(
        changes
            .iter()
            .filter(|l| l.contains("entry added"))
            .map(|l| format!("{}: {l}", o.file.display())),
    );
    c.steps.push(Box::new(WriteFile {
        path: o.file.clone(),
        preview: patch::text_diff(&o.file, &o.text, &text),
        content: text.into_bytes(),
        why: format!("{} image(s) set to {} in the kustomization", changes.len(), ctx.tag),
    }));
    c
}

/// A Helm test environment: the project's image tags in its values file (written where
/// it sets none), and the chart's `appVersion`, in the form the image tags take.
fn values_patch(ctx: &Brief, v: &helm::Values, project: &ProjectImages) -> Contribution {
    let mut c = Contribution::default();
    let sites = v.sites();
    let old = |repo: &str| {
        sites
            .iter()
            .find(|s| s.repository == repo)
            .and_then(helm::Site::tag_value)
    };
    let wants: Vec<kustomize::Want> = v
        .repositories()
        .into_iter()
        .filter(|r| ImageRef::parse(r).is_ok_and(|i| project.contains(&i)))
        .map(|repository| kustomize::Want {
            tag: project.tag_for(old(&repository).as_deref(), ctx.tag),
            repository,
            digest: None,
        })
        .collect();
    let (text, changes) = match helm::set(&v.text, v.base.as_ref(), &wants) {
        Ok(done) => done,
        Err(e) => {
            c.problems.push(e.problem(&v.file));
            return c;
        }
    };
    if !changes.is_empty() {
        c.steps.push(Box::new(WriteFile {
            path: v.file.clone(),
            preview: patch::text_diff(&v.file, &v.text, &text),
            content: text.into_bytes(),
            why: format!("{} image tag(s) set to {} in the values", changes.len(), ctx.tag),
        }));
    }
    let app = wants.first().map_or_else(|| ctx.next.to_string(), |w| w.tag.clone());
    match chart_patch(ctx, v, &app) {
        Ok(Some(step)) => c.steps.push(Box::new(step)),
        Ok(None) => {}
        Err(p) => c.problems.push(p),
    }
    c.notices.push(format!(
        "{}: a Helm chart is not rendered here (that needs helm); its values and appVersion are set",
        v.chart.display()
    ));
    c
}

/// `Chart.yaml` with `appVersion` set to `app`, and (`chart: { bump_version: true }`) its
/// own `version` raised by the release's level.
fn chart_patch(ctx: &Brief, v: &helm::Values, app: &str) -> Result<Option<WriteFile>, Problem> {
    let chart = v.chart.join("Chart.yaml");
    let text = std::fs::read_to_string(ctx.facts.repo.root.join(&chart)).unwrap_or_default();
    let invalid = |e: yaml::SyntaxError| e.problem(&chart);
    let mut new = helm::set_app_version(&text, app).map_err(invalid)?;
    let mut why = vec![format!("appVersion set to {app}")];
    if ctx.facts.config.chart.bump_version {
        let prev = ctx.facts.versions.current().map(|t| &t.version);
        let level = crate::version::level_between(prev, ctx.next);
        let base = new.clone().unwrap_or_else(|| text.clone());
        if let Some((bumped, version)) = helm::bump_chart_version(&base, level).map_err(invalid)? {
            why.push(format!("chart version {version}"));
            new = Some(bumped);
        }
    }
    Ok(new.map(|new| WriteFile {
        path: chart.clone(),
        preview: patch::text_diff(&chart, &text, &new),
        content: new.into_bytes(),
        why: why.join(", "),
    }))
}

/// `file:line` of the image values a release changes with a note (a floating tag pinned).
type Pinned = std::collections::HashSet<String>;

/// The test environment's files with the new tag, as write steps (or why not).
fn patches(ctx: &Brief, layout: &Layout) -> (Contribution, Pinned) {
    let mut c = Contribution::default();
    let mut pinned = Pinned::new();
    let project = to_set(ctx, layout, &mut c);
    let (overlay, values) = (layout.overlay("test"), layout.values("test"));
    if (overlay.is_some() || values.is_some()) && ctx.facts.built.is_none() && ctx.facts.config.images.is_empty() {
        // A kustomization or values file pins third-party images as often as the
        // project's: without knowing which are the project's, nothing is set.
        c.notices.push(format!(
            "{}: no Dockerfile here builds an image and .release.yml lists none, so which images are the project's is unknown: nothing was set (list them: `images: [{{ repository: org/api }}]`)",
            layout.test.label()
        ));
        return (c, pinned);
    }
    if let Some(o) = overlay {
        c.absorb(overlay_patch(ctx, layout, o, &project));
        return (c, pinned);
    }
    if let Some(v) = values {
        c.absorb(values_patch(ctx, v, &project));
        return (c, pinned);
    }
    let opts = patch::Options {
        // A release exists to replace floating tags with versions: pinned by default.
        replace_floating: !ctx.facts.config.manifests.keep_floating
            || ctx.facts.config.manifests.replace_floating
            || ctx.options.flag(REPLACE_LATEST),
        schemes: None,
    };
    match patch::plan(&layout.test, &project, ctx.tag, opts) {
        Ok(patches) => {
            if patches.is_empty() && !layout.project.repos.is_empty() {
                c.notices.push(format!(
                    "{}: no image of the project needed a new tag",
                    layout.test.label()
                ));
            }
            for p in patches {
                for e in &p.edits {
                    if let Some(n) = &e.note {
                        let at = format!("{}:{}", p.path.display(), e.line);
                        c.notices.push(format!("{at}: {n}"));
                        pinned.insert(at);
                    }
                }
                let n = p.edits.len();
                c.steps.push(Box::new(WriteFile {
                    path: p.path.clone(),
                    content: p.new_text.clone().into_bytes(),
                    why: format!("{n} image tag(s) set to {}", ctx.tag),
                    preview: patch::diff(&p),
                }));
            }
        }
        Err(refusals) => c.problems.extend(refusals.into_iter().map(|r| r.problem())),
    }
    (c, pinned)
}
