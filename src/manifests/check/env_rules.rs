//! Rules that look at one environment at a time.

use super::{EnvView, Hits, contains, identity, is_workload, ns, ns_said, show};
use crate::manifests::imageref::{ImageRef, TagKind};
use crate::manifests::model::Object;
use std::path::Path;

pub fn yaml(v: &EnvView, out: &mut Hits) {
    for f in &v.env.files {
        if let Some(e) = &f.error {
            out.add(
                (&f.path, e.line),
                format!("the YAML does not parse: {}", e.message),
                "fix the syntax at that line (indent with spaces; quote values with `: ` or `#` in them)",
            );
        }
    }
}

pub fn empty_file(v: &EnvView, out: &mut Hits) {
    for f in v.env.files.iter().filter(|f| f.error.is_none() && f.empty) {
        out.add(
            (&f.path, 1),
            "the file has no objects".into(),
            "remove it, or fill it in",
        );
    }
}

pub fn kind_vs_filename(v: &EnvView, out: &mut Hits) {
    for f in &v.env.files {
        if let [o] = f.objects.as_slice()
            && let Some(hint) = kind_hint(&f.path)
            && hint != o.kind
        {
            out.add(
                (&f.path, o.line),
                format!("the file name says {hint} but it holds a {} (`{}`)", o.kind, o.name),
                "rename the file after what it holds, or check that the right content was pasted",
            );
        }
    }
}

/// The kind a file name suggests (`api-service.yml` -> Service).
fn kind_hint(path: &Path) -> Option<&'static str> {
    let stem = path.file_stem()?.to_str()?.to_ascii_lowercase();
    let tokens: Vec<&str> = stem.split(['-', '_', '.']).collect();
    let has = |w: &[&str]| tokens.iter().any(|t| w.contains(t));
    if has(&["pvc", "claim"]) {
        Some("PersistentVolumeClaim")
    } else if has(&["deployment", "deploy"]) {
        Some("Deployment")
    } else if has(&["ingress"]) {
        Some("Ingress")
    } else if has(&["service", "svc", "nodeport"]) {
        Some("Service")
    } else {
        None
    }
}

/// The same kind and name twice in one namespace of one environment: the second apply
/// replaces the first.
pub fn duplicate(v: &EnvView, out: &mut Hits) {
    // Sorted by identity rather than hashed: a 50 MB manifest's map of a quarter of a
    // million keys was the peak of `check`'s memory; an index vector is 4 bytes a name.
    let named: Vec<&Object> = v.objects.iter().copied().filter(|o| !o.name.is_empty()).collect();
    let mut order: Vec<u32> = (0..named.len() as u32).collect();
    let key = |i: u32| identity(named[i as usize], v.project);
    order.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    let mut twice: Vec<(u32, u32)> = Vec::new();
    for group in order.chunk_by(|&a, &b| key(a) == key(b)) {
        twice.extend(group[1..].iter().map(|&later| (later, group[0])));
    }
    twice.sort_unstable();
    for (later, first) in twice {
        let (o, a) = (named[later as usize], named[first as usize]);
        out.add(
            (&o.file, o.name_line),
            format!(
                "{} `{}` is defined twice in {} ({}:{} and here), both in {}: applying it, the second replaces the first",
                o.kind,
                o.name,
                v.env.label(),
                a.file.display(),
                a.name_line,
                ns_said(o, v.project)
            ),
            "remove one of them, or give each its own name",
        );
    }
}

pub fn wrong_env_name(v: &EnvView, out: &mut Hits) {
    let other_word = &v.other.name;
    for o in &v.objects {
        let mut words = std::iter::once(o.name.as_str())
            .chain(o.labels.values())
            .flat_map(|s| s.split(['-', '_', '.']));
        if words.any(|w| w.eq_ignore_ascii_case(other_word)) {
            out.add(
                (&o.file, o.name_line),
                format!(
                    "{} `{}` is in {} but its name or labels say `{other_word}` (a copy-paste slip?)",
                    o.kind,
                    o.name,
                    v.env.label()
                ),
                format!("rename it and its labels for {}", v.env.name),
            );
        }
    }
}

pub fn selector_matches_nothing(v: &EnvView, out: &mut Hits) {
    if v.unreadable {
        return;
    }
    for o in v
        .objects
        .iter()
        .filter(|o| o.kind == "Service" && !o.selector.is_empty())
    {
        if v.pods.first_match(&o.selector).is_none() {
            out.add(
                (&o.file, o.selector_line),
                format!(
                    "Service `{}` selects {{{}}} but no pod in {} has those labels",
                    o.name,
                    show(&o.selector),
                    v.env.label()
                ),
                "make the selector equal to the pod template labels of the Deployment it serves",
            );
        }
    }
}

pub fn selector_matches_other_env(v: &EnvView, out: &mut Hits) {
    for o in v
        .objects
        .iter()
        .filter(|o| o.kind == "Service" && !o.selector.is_empty())
    {
        // A Service selects pods of its own namespace only.
        let here = ns(o, v.project);
        if let Some(w) = v
            .other_pods
            .first_match(&o.selector)
            .filter(|w| ns(w, v.project) == here)
        {
            out.add(
                (&o.file, o.selector_line),
                format!(
                    "Service `{}` in {} also selects pods of {} `{}` in {}: traffic would cross environments",
                    o.name,
                    v.env.label(),
                    w.kind,
                    w.name,
                    v.other.label()
                ),
                format!(
                    "give the pods of each environment their own label (for example `env: {}`) and select it",
                    v.env.name
                ),
            );
        }
    }
}

pub fn matchlabels_not_in_template(v: &EnvView, out: &mut Hits) {
    for o in &v.objects {
        if is_workload(o) && o.kind != "Pod" && !o.match_labels.is_empty() && !contains(&o.pod_labels, &o.match_labels)
        {
            out.add(
                (&o.file, o.selector_line),
                format!(
                    "{} `{}`: selector.matchLabels {{{}}} are not all in the pod template labels {{{}}}",
                    o.kind,
                    o.name,
                    show(&o.match_labels),
                    show(&o.pod_labels)
                ),
                "copy the matchLabels into spec.template.metadata.labels",
            );
        }
    }
}

pub fn nodeport_range(v: &EnvView, out: &mut Hits) {
    for o in &v.objects {
        for (port, line) in o.node_ports().filter(|(p, _)| !(30000..=32767).contains(p)) {
            out.add(
                (&o.file, line),
                format!("nodePort {port} is outside the range Kubernetes allows (30000-32767)"),
                "pick a free port between 30000 and 32767, or leave nodePort out to get one",
            );
        }
    }
}

pub fn claim_missing(v: &EnvView, out: &mut Hits) {
    if v.unreadable {
        return;
    }
    let pvcs: std::collections::HashSet<&str> = v
        .objects
        .iter()
        .filter(|o| o.kind == "PersistentVolumeClaim")
        .map(|o| o.name.as_str())
        .collect();
    let dir = v.env.label();
    for o in &v.objects {
        for (claim, line) in o.claims().iter().filter(|(c, _)| !pvcs.contains(&c.as_str())) {
            out.add(
                (&o.file, *line),
                format!("claimName `{claim}` has no PersistentVolumeClaim in {dir}"),
                format!("add a PVC named `{claim}` to {dir}, or fix the name"),
            );
        }
    }
}

/// Every image value in the environment that is a string, with where it is.
fn images<'a>(v: &'a EnvView) -> impl Iterator<Item = (&'a Path, usize, &'a str)> + 'a {
    v.objects.iter().flat_map(|o| {
        o.images
            .iter()
            .filter_map(move |site| Some((&*o.file, site.line, site.scalar.as_ref()?.value.as_str())))
    })
}

pub fn image_invalid(v: &EnvView, out: &mut Hits) {
    for (file, line, value) in images(v).filter(|(_, _, s)| ImageRef::parse(s).is_err()) {
        out.add(
            (file, line),
            format!("`{value}` is not an image reference"),
            "write it as user/app:1.2.3",
        );
    }
}

pub fn placeholder(v: &EnvView, out: &mut Hits) {
    for (file, line, value) in images(v) {
        match ImageRef::parse(value) {
            Ok(r) if r.is_example() => out.add(
                (file, line),
                format!("`{value}` is a template's example, not an image: the release cannot set it, and the cluster cannot pull it"),
                "write your image's repository and a version tag (USER/APP-api:0.1.0); release keeps the tag current from then on",
            ),
            Ok(r) if r.has_placeholder() => out.add(
                (file, line),
                format!("`{value}` is a template placeholder: the file cannot be applied as it is"),
                "let release write real tags (it keeps them current), or keep the template step",
            ),
            _ => {}
        }
    }
    for o in &v.objects {
        for (host, line) in o.hosts().iter().filter(|(h, _)| example_host(h)) {
            out.add(
                (&o.file, *line),
                format!("Ingress host `{host}` in `{}` is a template's example domain", o.name),
                "write the host name your DNS really points at this cluster",
            );
        }
    }
}

/// `example.com`, `foo.example.org`, `yourdomain.com`, `app.example`: template domains.
fn example_host(host: &str) -> bool {
    let h = host.trim_start_matches("*.").to_ascii_lowercase();
    let labels: Vec<&str> = h.split('.').collect();
    let reserved = ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")));
    reserved
        || labels.last() == Some(&"example")
        || labels
            .iter()
            .any(|l| l.starts_with("yourdomain") || *l == "your-domain")
}

pub fn floating_tag(v: &EnvView, out: &mut Hits) {
    let floating = |r: &ImageRef| {
        if v.project.contains(r) {
            r.digest.is_none() && v.schemes.kind(r) == TagKind::Floating
        } else {
            r.is_floating()
        }
    };
    for (file, line, value) in images(v) {
        if ImageRef::parse(value).is_ok_and(|r| !r.has_placeholder() && floating(&r)) {
            out.add(
                (file, line),
                format!("`{value}` names no fixed build, so nobody can tell which version runs"),
                "pin a version tag (release sets your own images' tags; --replace-latest does it once)",
            );
        }
    }
}
