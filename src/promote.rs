//! `release promote [VERSION]`: set kubernetes/prod to exactly the images kubernetes/test
//! runs, commit `chore(deploy): promote X to prod` and push, with the release's
//! transaction and rollback.

use crate::error::refused;
use crate::manifests::imageref::ImageRef;
use crate::manifests::model::{Object, pair};
use crate::manifests::{Layout, patch};
use crate::release::plan::{Plan, Step, render_steps};
use crate::release::{Options, execute, preflight, problems_text};
use crate::ui;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The version test runs, from its project images' tags.
fn test_version(layout: &Layout) -> Result<String> {
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in layout.project_refs(&layout.test) {
        if p.image.has_placeholder() || p.image.is_floating() {
            return Err(refused(format!(
                "{}:{}: test runs `{}`, which names no fixed version: release a version first (release patch), then promote it",
                p.object.file.display(),
                p.line,
                p.value
            )));
        }
        tags.entry(p.image.tag.clone().unwrap_or_default())
            .or_default()
            .push(format!("{}:{} {}", p.object.file.display(), p.line, p.value));
    }
    match tags.len() {
        0 => Err(refused(format!(
            "{} runs none of the project's images: nothing to promote",
            layout.test.dir.display()
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

fn same_version(a: &str, b: &str) -> bool {
    a.trim_start_matches('v') == b.trim_start_matches('v')
}

pub fn run(dir: &Path, version: Option<&str>, opts: &Options) -> Result<()> {
    let facts = preflight::gather(dir)?;
    let layout = Layout::load(&facts.repo.root, &facts.config)?;
    for (env, what) in [
        (&layout.test, "the tested images"),
        (&layout.prod, "the images to promote"),
    ] {
        if !env.exists {
            return Err(refused(format!(
                "there is no {} folder, so there is nowhere to take {what} {}: create it (release init writes a sample)",
                env.dir.display(),
                if env.name == "test" { "from" } else { "to" }
            )));
        }
    }
    let test: Vec<&Object> = layout.test.objects().collect();
    let prod: Vec<&Object> = layout.prod.objects().collect();
    let running = test_version(&layout)?;
    if let Some(v) = version
        && !same_version(v, &running)
    {
        return Err(refused(format!(
            "test runs {running}, not {v}: promote what was tested (release promote {running})"
        )));
    }
    let carries = |o: &Object| {
        o.images
            .iter()
            .filter_map(|s| s.scalar.as_ref())
            .any(|s| layout.is_project(&s.value))
    };
    let (pairs, t_alone, p_alone) = pair(&test, &prod);
    let mut missing = Vec::new();
    let mut notices = Vec::new();
    let lonely = t_alone
        .iter()
        .map(|&i| (test[i], &layout.prod))
        .chain(p_alone.iter().map(|&j| (prod[j], &layout.test)));
    for (o, other) in lonely {
        let line = format!(
            "{} `{}` ({}:{}) has no partner in {}",
            o.kind,
            o.name,
            o.file.display(),
            o.line,
            other.dir.display()
        );
        if carries(o) {
            missing.push(line);
        } else {
            notices.push(line);
        }
    }
    if !missing.is_empty() {
        return Err(refused(format!(
            "test and prod do not have the same workloads, so promotion cannot tell where each image goes:\n  {}\n  fix: add the missing objects (release check lists every difference)",
            missing.join("\n  ")
        )));
    }
    // prod file -> (object index within the file, image index) -> new reference
    let mut targets: BTreeMap<std::path::PathBuf, BTreeMap<(String, usize), String>> = BTreeMap::new();
    for (i, j) in pairs {
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
                targets
                    .entry(p.file.clone())
                    .or_default()
                    .insert((p.name.clone(), k), ts.value.clone());
            }
        }
    }
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    for file in &layout.prod.files {
        let Some(t) = targets.get(&file.path) else { continue };
        let opts_p = patch::Options { replace_floating: true };
        let res = patch::edits_for(
            file,
            &layout.project,
            |oi, si, _| t.get(&(file.objects[oi].name.clone(), si)).cloned(),
            opts_p,
        )
        .and_then(|edits| {
            if edits.is_empty() {
                Ok(None)
            } else {
                patch::apply(file, edits).map(Some).map_err(|r| vec![r])
            }
        });
        match res {
            Ok(Some(p)) => {
                steps.push(Step::WriteFile {
                    path: p.path.clone(),
                    content: p.new_text.clone().into_bytes(),
                    why: format!("{} image(s) set to what test runs", p.edits.len()),
                    preview: patch::diff(&p),
                });
            }
            Ok(None) => {}
            Err(rs) => problems.extend(rs.into_iter().map(|r| r.to_string())),
        }
    }
    if !opts.skip_images {
        registry_check(&layout, &mut problems, &mut notices);
    }
    let mut all_problems = facts.problems.clone();
    all_problems.extend(problems.into_iter().map(|p| preflight::Problem {
        what: p,
        fix: String::new(),
    }));
    if !all_problems.is_empty() {
        return Err(refused(problems_text(&all_problems)));
    }
    if steps.is_empty() {
        ui::success(&format!(
            "{} already runs what test runs ({running}); nothing to promote",
            layout.prod.dir.display()
        ));
        return Ok(());
    }
    steps.push(Step::Commit {
        message: format!("chore(deploy): promote {running} to prod"),
    });
    steps.push(Step::PushGit {
        remote: facts.config.remote.clone(),
        branch: facts.branch.clone(),
        tag: None,
    });
    let plan = Plan {
        from: None,
        to: running.clone(),
        tag: running.clone(),
        branch: facts.branch.clone(),
        remote: facts.config.remote.clone(),
        commits: Vec::new(),
        steps,
        notices,
    };
    ui::say(&format!(
        "Promote {running} from {} to {}\n{}",
        layout.test.dir.display(),
        layout.prod.dir.display(),
        render_steps(&plan.steps, &plan.notices)
    ));
    if execute(&facts, &plan, opts, "promote", &format!("Promote {running} to prod?"))? {
        ui::success(&format!(
            "promoted {running} to {} ({} on {})",
            layout.prod.dir.display(),
            plan.branch,
            plan.remote
        ));
    }
    Ok(())
}

/// Every project image test runs must be in its registry before prod may run it. Without a
/// Docker engine here (kube-2 often has none) this says what it could not check.
fn registry_check(layout: &Layout, problems: &mut Vec<String>, notices: &mut Vec<String>) {
    let refs: BTreeSet<String> = layout.project_refs(&layout.test).map(|p| p.value.to_string()).collect();
    let checked = crate::images::engine::block_on(async {
        let engine = crate::images::engine::Engine::connect().await?;
        let mut missing = Vec::new();
        for r in &refs {
            let Ok(parsed) = ImageRef::parse(r) else { continue };
            let host = crate::images::credentials::registry_host(&parsed);
            let creds = crate::images::credentials::lookup(&host)?;
            match engine.registry_digest(r, &host, creds.as_ref()).await {
                Ok(Some(_)) => {}
                Ok(None) => missing.push(format!(
                    "{r} is not in {host}: release it (or push it) before promoting it"
                )),
                Err(e) => missing.push(e),
            }
        }
        Ok::<Vec<String>, String>(missing)
    });
    match checked {
        Ok(Ok(missing)) => problems.extend(missing),
        Ok(Err(e)) | Err(e) => notices.push(format!(
            "could not check that the images are in their registry ({}): make sure {} exist before you apply prod",
            e.lines().next().unwrap_or(&e),
            refs.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}
