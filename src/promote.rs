//! `release promote [VERSION]`: set kubernetes/prod to exactly the images kubernetes/test
//! runs, commit `chore(deploy): promote X to prod` and push, with the release's
//! transaction and rollback.

use crate::error::refused;
use crate::images::registry::Found;
use crate::manifests::imageref::{ImageRef, TagKind};
use crate::manifests::model::{Object, pair};
use crate::manifests::{Layout, patch};
use crate::manifests::{helm, kustomize};
use crate::project::problem::Problem;
use crate::release::preflight;
use crate::transaction::git_steps::{Commit, PushGit, WriteFile};
use crate::transaction::{Intent, Options, Plan, Step, execute};
use crate::ui;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The version test runs, from its project images' tags.
fn test_version(layout: &Layout) -> Result<String> {
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let schemes = patch::Schemes::of(layout.test.objects(), &layout.project);
    for u in layout.tag_uses(&layout.test) {
        let floating = u.image.digest.is_none() && schemes.kind(&u.image) == TagKind::Floating;
        if u.image.has_placeholder() || floating {
            return Err(refused(format!(
                "{}: test runs `{}`, which names no fixed version: release a version first (release patch), then promote it",
                u.at, u.value
            )));
        }
        let tag = u.image.tag.as_deref().unwrap_or_default();
        tags.entry(layout.project.version_of(tag).to_string())
            .or_default()
            .push(format!("{} {}", u.at, u.value));
    }
    match tags.len() {
        0 => Err(refused(format!(
            "{} runs none of the project's images: nothing to promote",
            layout.test.label()
        ))),
        1 => Ok(tags.into_keys().next().unwrap_or_default()),
        _ => {
            let list: Vec<String> = tags.values().flatten().cloned().collect();
            Err(refused(format!(
                "test does not run one version, so there is no single thing to promote:\n  {}\n  fix: run a release (it sets them all), or make them agree",
                list.join("\n  ")
            )))
        }
    }
}

/// Prod's version when it is above `running` (both read as semantic versions).
fn prod_above(layout: &Layout, running: &str) -> Option<String> {
    let parse = |t: &str| semver::Version::parse(t.trim_start_matches(['v', 'V'])).ok();
    let test = parse(running)?;
    layout
        .tag_uses(&layout.prod)
        .into_iter()
        .filter_map(|u| u.image.tag.as_deref().map(|t| layout.project.version_of(t).to_string()))
        .filter(|t| parse(t).is_some_and(|v| v.cmp_precedence(&test).is_gt()))
        .max_by(|a, b| parse(a).cmp(&parse(b)))
}

fn same_version(a: &str, b: &str) -> bool {
    a.trim_start_matches('v') == b.trim_start_matches('v')
}

/// Both folders must exist: one to take the tested images from, one to put them in.
fn require_envs(layout: &Layout) -> Result<()> {
    for (env, other, what) in [
        (&layout.test, &layout.prod, "the tested images"),
        (&layout.prod, &layout.test, "the images to promote"),
    ] {
        if !env.exists {
            return Err(refused(format!(
                "no {} manifests ({} has none), so there is nowhere to take {what} {}.\n  fix: `release init` builds them from {} (names, labels, hosts and nodePorts its own); commit them, then promote",
                env.name,
                env.label(),
                if env.name == "test" { "from" } else { "to" },
                other.label()
            )));
        }
    }
    Ok(())
}

/// Objects without a partner: those carrying project images block (promotion cannot tell
/// where their image goes); the rest are notes.
fn lonely(
    layout: &Layout,
    test: &[&Object],
    prod: &[&Object],
    t_alone: &[usize],
    p_alone: &[usize],
) -> Result<Vec<String>> {
    let carries = |o: &Object| {
        o.images
            .iter()
            .filter_map(|s| s.scalar.as_ref())
            .any(|s| layout.is_project(&s.value))
    };
    let (mut missing, mut notices) = (Vec::new(), Vec::new());
    let all = t_alone
        .iter()
        .map(|&i| (test[i], &layout.prod))
        .chain(p_alone.iter().map(|&j| (prod[j], &layout.test)));
    for (o, other) in all {
        let line = format!(
            "{} `{}` ({}:{}) has no partner in {}",
            o.kind,
            o.name,
            o.file.display(),
            o.line,
            other.label()
        );
        if carries(o) {
            missing.push(line)
        } else {
            notices.push(line)
        }
    }
    if !missing.is_empty() {
        return Err(refused(format!(
            "test and prod do not have the same workloads, so promotion cannot tell where each image goes:\n  {}\n  fix: add the missing objects (release check lists every difference)",
            missing.join("\n  ")
        )));
    }
    Ok(notices)
}

/// The registry digest of each test image reference, when prod is pinned by digest.
pub type Pins = std::collections::HashMap<String, String>;

/// Image references to write, by prod file, keyed by (object name, image index).
type Targets = BTreeMap<PathBuf, BTreeMap<(String, usize), String>>;

/// The test image each prod image slot gets: same container name, else same position.
fn targets(layout: &Layout, pairs: &[(usize, usize)], (test, prod): (&[&Object], &[&Object]), pins: &Pins) -> Targets {
    let mut out = Targets::new();
    for &(i, j) in pairs {
        let (t, p) = (test[i], prod[j]);
        for (k, ps) in p.images.iter().enumerate() {
            let twin = t
                .images
                .iter()
                .find(|ts| ts.container == ps.container && ts.list == ps.list)
                .or_else(|| {
                    let same_list: Vec<_> = t.images.iter().filter(|ts| ts.list == ps.list).collect();
                    let pos = p
                        .images
                        .iter()
                        .filter(|x| x.list == ps.list)
                        .position(|x| std::ptr::eq(x, ps));
                    pos.and_then(|n| same_list.get(n).copied())
                });
            if let Some(ts) = twin.and_then(|ts| ts.scalar.as_ref())
                && layout.is_project(&ts.value)
            {
                // Pinned: exactly what the registry holds for test's tag (`repo:0.2.0@sha256:...`).
                let value = match pins.get(&ts.value) {
                    Some(digest) => format!("{}@{digest}", ts.value),
                    None => ts.value.clone(),
                };
                out.entry(p.file.to_path_buf())
                    .or_default()
                    .insert((p.name.to_string(), k), value);
            }
        }
    }
    out
}

/// The byte-exact writes that give prod the targets; refusals become problems.
fn writes(layout: &Layout, targets: &Targets) -> (Vec<Box<dyn Step>>, Vec<Problem>) {
    let (mut steps, mut problems): (Vec<Box<dyn Step>>, Vec<Problem>) = (Vec::new(), Vec::new());
    for file in &layout.prod.files {
        let Some(t) = targets.get(&file.path) else { continue };
        let res = patch::edits_for(
            file,
            &layout.project,
            |oi, si, _| t.get(&(file.objects[oi].name.to_string(), si)).cloned(),
            patch::Options {
                replace_floating: true,
                schemes: None,
            },
        )
        .and_then(|edits| {
            if edits.is_empty() {
                Ok(None)
            } else {
                patch::apply(file, edits).map(Some).map_err(|r| vec![r])
            }
        });
        match res {
            Ok(Some(p)) => steps.push(Box::new(WriteFile {
                path: p.path.clone(),
                content: p.new_text.clone().into_bytes(),
                why: format!("{} image(s) set to what test runs", p.edits.len()),
                preview: patch::diff(&p),
            })),
            Ok(None) => {}
            Err(rs) => problems.extend(rs.iter().map(|r| r.problem())),
        }
    }
    (steps, problems)
}

/// A kustomize prod overlay: its kustomization's entries set to the tags test runs (and
/// their digests, when pinned), an entry added for an image it has none for.
fn overlay_writes(layout: &Layout, o: &kustomize::Overlay, pins: &Pins) -> Vec<Box<dyn Step>> {
    let tested = tested(layout);
    let mut repos = crate::manifests::overlay_env::project_repositories(&layout.prod, o, &layout.project);
    for p in layout.project_refs(&layout.test) {
        if !repos
            .iter()
            .any(|r| ImageRef::parse(r).is_ok_and(|r| r.canonical_repository() == p.image.canonical_repository()))
        {
            repos.push(p.image.repository());
        }
    }
    let wants: Vec<kustomize::Want> = repos
        .into_iter()
        .filter_map(|repository| {
            let canonical = ImageRef::parse(&repository).ok()?.canonical_repository();
            let (tag, value) = tested.get(&canonical)?;
            Some(kustomize::Want {
                repository,
                tag: tag.clone(),
                digest: pins.get(value).cloned(),
            })
        })
        .collect();
    let (text, changes) = kustomize::set(&o.text, &o.images, &wants);
    if changes.is_empty() {
        return Vec::new();
    }
    vec![Box::new(WriteFile {
        path: o.file.clone(),
        preview: patch::text_diff(&o.file, &o.text, &text),
        content: text.into_bytes(),
        why: format!("{} image(s) set to what test runs, in the kustomization", changes.len()),
    })]
}

/// The tag (and the reference as written) test runs of each project image, by canonical
/// repository.
fn tested(layout: &Layout) -> BTreeMap<String, (String, String)> {
    layout
        .tag_uses(&layout.test)
        .into_iter()
        .filter_map(|u| Some((u.image.canonical_repository(), (u.image.tag.clone()?, u.value))))
        .collect()
}

/// A Helm chart: prod's values set to the tags test's values set (written where prod sets
/// none, so prod never follows `appVersion`).
fn values_writes(layout: &Layout, (test, prod): (&helm::Values, &helm::Values)) -> Result<Vec<Box<dyn Step>>> {
    let tested = tested(layout);
    let wants: Vec<kustomize::Want> = test
        .repositories()
        .into_iter()
        .chain(prod.repositories())
        .filter_map(|repository| {
            let (tag, _) = tested.get(&kustomize::canonical(&repository)?)?;
            Some(kustomize::Want {
                tag: tag.clone(),
                repository,
                digest: None,
            })
        })
        .collect();
    let (text, changes) =
        helm::set(&prod.text, prod.base.as_ref(), &wants).map_err(|e| refused(e.problem(&prod.file).to_string()))?;
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Box::new(WriteFile {
        path: prod.file.clone(),
        preview: patch::text_diff(&prod.file, &prod.text, &text),
        content: text.into_bytes(),
        why: format!("{} image tag(s) set to what test runs, in the values", changes.len()),
    })])
}

/// A decided promotion: the version and the plan, or the problems that stop it.
pub struct Promotion {
    pub version: String,
    pub plan: Plan,
    pub problems: Vec<Problem>,
}

impl Promotion {
    fn of(running: String, steps: Vec<Box<dyn Step>>, notices: Vec<String>, problems: Vec<Problem>) -> Promotion {
        Promotion {
            version: running.clone(),
            plan: Plan {
                intent: Intent {
                    kind: "promote",
                    version: running,
                    tag: None,
                },
                steps,
                notices,
                hooks: Default::default(),
            },
            problems,
        }
    }
}

/// Pure: what promoting test to prod changes (no commit or push steps yet).
pub fn plan(layout: &Layout, version: Option<&str>, allow_downgrade: bool, pins: &Pins) -> Result<Promotion> {
    require_envs(layout)?;
    let test: Vec<&Object> = layout.test.objects().collect();
    let prod: Vec<&Object> = layout.prod.objects().collect();
    let running = test_version(layout)?;
    if let Some(v) = version
        && !same_version(v, &running)
    {
        return Err(refused(format!(
            "test runs {running}, not {v}: promote what was tested (release promote {running})"
        )));
    }
    if let Some(higher) = prod_above(layout, &running).filter(|_| !allow_downgrade) {
        return Err(refused(format!(
            "prod runs {higher}, which is higher than test's {running}: promoting would lower prod; release a higher version to test first, or go back on purpose with --allow-downgrade"
        )));
    }
    let (pairs, t_alone, p_alone) = pair(&test, &prod);
    let notices = lonely(layout, &test, &prod, &t_alone, &p_alone)?;
    let (steps, problems) = match (layout.overlay("prod"), layout.values("test").zip(layout.values("prod"))) {
        (Some(o), _) => (overlay_writes(layout, o, pins), Vec::new()),
        (_, Some(values)) => (values_writes(layout, values)?, Vec::new()),
        _ => writes(layout, &targets(layout, &pairs, (&test, &prod), pins)),
    };
    Ok(Promotion::of(running, steps, notices, problems))
}

/// `release promote [VERSION]`: plan, check the registry, show, ask, apply.
/// How a promote goes beyond its default.
#[derive(Debug, Clone, Copy, Default)]
pub struct How {
    /// Promote even when that lowers prod's version.
    pub allow_downgrade: bool,
    /// Write prod's references as `repo:0.2.0@sha256:...`, the registry's digest for the tag.
    pub pin_digest: bool,
}

pub fn run(dir: &Path, version: Option<&str>, opts: &Options, how: How) -> Result<()> {
    let _lock = crate::transaction::lock::hold(crate::git::open(dir)?.git_dir(), opts.dry_run)?;
    // The project is read once: preflight and the plan share the manifests.
    let root = crate::git::project_root(dir);
    let layout = Layout::load(&root, &crate::config::Config::load(&root)?)?;
    let facts = preflight::gather(dir, false, &layout)?;
    let pin = how.pin_digest || facts.config.promote.pin_digest;
    if pin && layout.values("prod").is_some() {
        return Err(refused(
            "prod is a Helm chart's values: there is no place for a digest that every chart reads, so --pin-digest (promote: { pin_digest }) works with manifests and kustomize overlays only",
        ));
    }
    if pin && crate::images::skipped(opts) {
        return Err(refused(
            "--pin-digest reads each image's digest from its registry, so it cannot be combined with --skip-images",
        ));
    }
    let pins = if pin {
        pins(&layout).map_err(|p| refused(crate::project::problem::list(&p)))?
    } else {
        Pins::new()
    };
    let Promotion {
        version: running,
        mut plan,
        mut problems,
    } = plan(&layout, version, how.allow_downgrade, &pins)?;
    if !crate::images::skipped(opts) && !pin {
        registry_check(&layout, &mut problems, &mut plan.notices);
    }
    let mut all = facts.problems.clone();
    all.extend(problems);
    if !all.is_empty() {
        return Err(refused(crate::project::problem::list(&all)));
    }
    let (test_dir, prod_dir) = (layout.test.label(), layout.prod.label());
    if plan.steps.is_empty() {
        ui::success(&format!(
            "{prod_dir} already runs what test runs ({running}); nothing to promote"
        ));
        return Ok(());
    }
    let h = &facts.config.hooks.release;
    plan.hooks = crate::transaction::hooks::Hooks::new(&h.pre_promote, &h.post_promote, &running, "", "");
    plan.steps.push(Box::new(Commit {
        message: format!("chore(deploy): promote {running} to prod"),
    }));
    plan.steps.push(Box::new(PushGit {
        remote: facts.config.remote.clone(),
        branch: facts.branch.clone(),
        tag: None,
    }));
    ui::say(&format!(
        "Promote {running} from {test_dir} to {prod_dir}\n{}",
        plan.render_steps()
    ));
    if execute(
        facts.target(),
        &plan,
        opts,
        "promote",
        &format!("Promote {running} to prod?"),
    )? {
        ui::success(&format!(
            "promoted {running} to {prod_dir} ({} on {})",
            facts.branch, facts.config.remote
        ));
    }
    Ok(())
}

/// What the registries say of every project image test runs, asked once with the same
/// credentials as the image push (the images' own registry check). `Err`: no engine to
/// ask at all.
fn look_up(layout: &Layout) -> anyhow::Result<Vec<Found>> {
    let refs: BTreeSet<String> = layout.project_refs(&layout.test).map(|p| p.value.to_string()).collect();
    crate::images::registry::look_up(refs.iter().map(String::as_str))
}

/// The problems of a lookup: a tag the registry lacks, or a registry that did not answer.
fn missing(lookup: &[Found], why: &str, fix: &str) -> Vec<Problem> {
    lookup
        .iter()
        .filter_map(|(r, host, found)| match found {
            Ok(Some(_)) => None,
            Ok(None) => Some(Problem::new(format!("{r} is not in {host}{why}"), fix)),
            Err(p) => Some(p.clone().at_place(r.as_str())),
        })
        .collect()
}

/// The registry's digest for every project image test runs; a tag the registry lacks is a
/// problem, never a guess.
fn pins(layout: &Layout) -> std::result::Result<Pins, Vec<Problem>> {
    let lookup = look_up(layout).map_err(|e| {
        vec![Problem::new(
            format!("cannot read the images' digests: {e:#}"),
            "prod is pinned by digest from the registry: start the Docker engine, or promote without --pin-digest",
        )]
    })?;
    let problems = missing(
        &lookup,
        ": prod cannot be pinned to a digest the registry does not have",
        "release (or push) that image before promoting it",
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(lookup
        .into_iter()
        .filter(|(r, _, _)| !r.contains('@'))
        .filter_map(|(r, _, found)| Some((r, found.ok()??)))
        .collect())
}

/// Every project image test runs must be in its registry before prod may run it. Without a
/// Docker engine here (kube-2 often has none) this says what it could not check.
fn registry_check(layout: &Layout, problems: &mut Vec<Problem>, notices: &mut Vec<String>) {
    match look_up(layout) {
        Ok(lookup) => problems.extend(missing(&lookup, "", "release it (or push it) before promoting it")),
        Err(e) => {
            let refs: BTreeSet<String> = layout.project_refs(&layout.test).map(|p| p.value.to_string()).collect();
            let refs: Vec<String> = refs.into_iter().collect();
            notices.push(format!(
                "could not check that the images are in their registry ({}): make sure {} exist before you apply prod (`--skip-images` skips this check)",
                format!("{e:#}").lines().next().unwrap_or(""),
                refs.join(", ")
            ))
        }
    }
}
