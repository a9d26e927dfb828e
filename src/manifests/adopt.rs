//! Pure: the missing environment built from the one a project has (`release init` where
//! only prod, or only test, exists). File for file and object for object, as the seed's
//! one-to-one correspondence asks; only values change, spliced into the original bytes:
//! names, labels and selectors carry the new environment's word (consistently, so every
//! selector still matches), claims follow their PVCs, Ingress hosts and nodePorts become
//! the environment's own. Image references are kept as they are.

use super::places::{Place, swap_words};
use super::yaml::{self, Node, Scalar};
use crate::project::problem::Problem;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub path: PathBuf,
    pub from: PathBuf,
    pub text: String,
}

/// What `adopt` decided.
#[derive(Debug, Default)]
pub struct Adoption {
    pub files: Vec<NewFile>,
    /// Said to the user (a nodePort chosen, a file that names no environment).
    pub notes: Vec<String>,
}

/// Label keys whose values name the app part, and so differ per environment.
const NAMING_LABELS: &[&str] = &[
    "app",
    "component",
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
];

/// Keys whose values are never renamed.
const KEEP: &[&str] = &[
    "image",
    "apiVersion",
    "kind",
    "imagePullPolicy",
    "mountPath",
    "pathType",
    "protocol",
];

/// How the values change.
struct Renamer<'a> {
    to: &'static str,
    names: BTreeSet<String>,
    /// The Services of the source environment, with the role their name gives.
    services: Vec<(String, super::model::Role)>,
    ports: Vec<u16>,
    taken: BTreeSet<u16>,
    notes: &'a mut Vec<String>,
}

impl Renamer<'_> {
    /// `gene-prod-api` -> `gene-test-api`; `redis-data-pvc` -> `redis-data-pvc-test`.
    fn rename(&self, value: &str) -> String {
        swap_words(value, self.to).unwrap_or_else(|| format!("{value}-{}", self.to))
    }

    fn host(&self, host: &str) -> String {
        let (first, rest) = host.split_once('.').unwrap_or((host, ""));
        let first = self.rename(first);
        if rest.is_empty() {
            first
        } else {
            format!("{first}.{rest}")
        }
    }

    fn node_port(&mut self, old: &str) -> String {
        let port = if self.ports.is_empty() {
            let start = old.parse::<u16>().unwrap_or(30000);
            let free = (start.saturating_add(1)..=32767)
                .chain(30000..start)
                .find(|p| !self.taken.contains(p));
            let p = free.unwrap_or(start);
            self.notes.push(format!(
                "nodePort {p} chosen for the {} copy of nodePort {old} (give --nodeport-{} to pick it)",
                self.to, self.to
            ));
            p
        } else {
            self.ports.remove(0)
        };
        self.taken.insert(port);
        port.to_string()
    }

    fn value(&mut self, key: &str, value: &str) -> Option<String> {
        let new = match key {
            k if KEEP.contains(&k) => return None,
            "nodePort" => self.node_port(value),
            "host" => self.host(value),
            k if self.names.contains(value) || NAMING_LABELS.contains(&k) => self.rename(value),
            _ => swap_words(value, self.to)?,
        };
        (new != value).then_some(new)
    }
}

/// Where the new files go: beside the old ones with the environment's word swapped, or,
/// when both environments are folders (`environments:` names them), into the other folder.
#[derive(Debug, Clone, Copy)]
pub struct Into<'a> {
    pub to: &'static str,
    /// (the source folder, the target folder) when both are whole folders.
    pub folders: Option<(&'a Path, &'a Path)>,
}

/// Builds environment `into.to` from the files of the other one. `ports` are the nodePorts
/// to give, in file order (`--nodeport-test`, `~/portinfo`); the rest are chosen free ones.
pub fn adopt(files: &[(PathBuf, String)], into: Into, ports: Vec<u16>) -> Result<Adoption, Vec<Problem>> {
    let to = into.to;
    let mut out = Adoption::default();
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    for (path, text) in files {
        match yaml::parse(text) {
            Ok(d) => docs.push((path, text, d)),
            Err(e) => problems.push(
                Problem::new(
                    format!("the YAML does not parse: {}", e.message),
                    "fix this file first: the new environment is copied from it",
                )
                .at_line(path, e.line),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut names = BTreeSet::new();
    let mut taken = BTreeSet::new();
    let mut services = Vec::new();
    for node in docs.iter().flat_map(|(_, _, d)| d.iter().flatten()) {
        collect(node, &mut names, &mut taken);
        if node.get("kind").and_then(Node::as_str) == Some("Service")
            && let Some(n) = node.path(&["metadata", "name"]).and_then(Node::as_str)
        {
            services.push((n.to_string(), super::model::role_from_words(&[n.to_string()])));
        }
    }
    let mut r = Renamer {
        to,
        names,
        services,
        ports,
        taken,
        notes: &mut out.notes,
    };
    let mut written = Vec::new();
    for (path, text, d) in docs {
        let mut edits = Vec::new();
        for node in d.iter().flatten() {
            edits_in(node, &mut r, &mut edits);
        }
        let target = target_path(path, into, r.notes);
        written.push(NewFile {
            path: target,
            from: path.clone(),
            text: splice(text, edits),
        });
    }
    out.files = written;
    Ok(out)
}

/// Object names and claim names (renamed wherever they appear), and the nodePorts in use.
fn collect(node: &Node, names: &mut BTreeSet<String>, ports: &mut BTreeSet<u16>) {
    for (k, v) in node.pairs() {
        match (k.as_str(), v) {
            (Some("metadata"), m) => names.extend(m.get("name").and_then(Node::as_str).map(str::to_string)),
            (Some("claimName"), Node::Scalar(s)) => {
                names.insert(s.value.clone());
            }
            (Some("nodePort"), Node::Scalar(s)) => ports.extend(s.value.parse::<u16>().ok()),
            _ => {}
        }
        collect(v, names, ports);
    }
    for item in node.items() {
        collect(item, names, ports);
    }
}

/// An env entry (`name: REDIS_IP`, `value: "10.111.152.210"`) that holds a hard-coded
/// address: the new environment must not reach the old one's Service through it, so it
/// names the new environment's Service of that role instead, and says so.
fn address(node: &Node, r: &mut Renamer, out: &mut Vec<(std::ops::Range<usize>, String)>) -> bool {
    let Some(var) = node.get("name").and_then(Node::as_str) else {
        return false;
    };
    let Some(Node::Scalar(v)) = node.get("value") else {
        return false;
    };
    let upper = var.to_ascii_uppercase();
    let names_host = ["_IP", "_HOST", "_ADDR", "_ADDRESS"].iter().any(|s| upper.ends_with(s));
    if !names_host || v.value.trim().parse::<std::net::Ipv4Addr>().is_err() {
        return false;
    }
    let role = super::model::role_from_words(&[var.to_string()]);
    let matching: Vec<&String> = r
        .services
        .iter()
        .filter(|(_, sr)| *sr == role && role != super::model::Role::Other)
        .map(|(n, _)| n)
        .collect();
    match matching.as_slice() {
        [one] => {
            let new = r.rename(one);
            r.notes.push(format!(
                "{var}: the other environment's address {} is replaced by {}'s own Service `{new}` (a Service's name never changes; its address does)",
                v.value, r.to
            ));
            out.push((v.bytes.clone(), new));
        }
        _ => r.notes.push(format!(
            "{var} keeps the address {}, which is the other environment's: point it at {}'s own Service by name",
            v.value, r.to
        )),
    }
    true
}

/// Every mapping value that changes, as (bytes, new text).
fn edits_in(node: &Node, r: &mut Renamer, out: &mut Vec<(std::ops::Range<usize>, String)>) {
    if address(node, r, out) {
        return;
    }
    for (k, v) in node.pairs() {
        match v {
            Node::Scalar(s) if plain_text(s) => {
                if let Some(new) = k.as_str().and_then(|key| r.value(key, &s.value)) {
                    out.push((s.bytes.clone(), new));
                }
            }
            other => edits_in(other, r, out),
        }
    }
    for item in node.items() {
        edits_in(item, r, out);
    }
}

fn plain_text(s: &Scalar) -> bool {
    use saphyr_parser::ScalarStyle::*;
    matches!(s.style, Plain | SingleQuoted | DoubleQuoted) && !s.value.contains(['\'', '"', '\\', '\n'])
}

fn splice(text: &str, mut edits: Vec<(std::ops::Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut s = text.to_string();
    for (range, new) in edits {
        if s.get(range.clone()).is_some() {
            s.replace_range(range, &new);
        }
    }
    s
}

/// The new file's path: the other environment's word swapped (inside the target folder
/// when both are folders), or `to-` put before the name of a file that names no
/// environment.
fn target_path(from: &Path, into: Into, notes: &mut Vec<String>) -> PathBuf {
    let to = into.to;
    if let Some((src, dst)) = into.folders
        && let Ok(inner) = from.strip_prefix(src)
    {
        return dst.join(Place::counterpart(inner, to).unwrap_or_else(|| inner.to_path_buf()));
    }
    if let Some(p) = Place::counterpart(from, to) {
        return p;
    }
    let name = from.file_name().and_then(|n| n.to_str()).unwrap_or("manifest.yml");
    let p = from.with_file_name(format!("{to}-{name}"));
    let own = if to == "test" { "prod" } else { "test" };
    notes.push(format!(
        "{} names no environment, so with both it counts as shared by them; to keep it {own}'s: git mv {} {}",
        from.display(),
        from.display(),
        from.with_file_name(format!("{own}-{name}")).display()
    ));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beside(to: &'static str) -> Into<'static> {
        Into { to, folders: None }
    }

    #[test]
    fn into_named_folders_whatever_their_names() {
        let folders = Some((Path::new("k8s/dev"), Path::new("k8s/live")));
        let a = adopt(
            &[(PathBuf::from("k8s/dev/api/x-test-api.yml"), "kind: Service\n".into())],
            Into { to: "prod", folders },
            vec![],
        )
        .unwrap();
        assert_eq!(a.files[0].path, PathBuf::from("k8s/live/api/x-prod-api.yml"));
        assert!(a.notes.is_empty());
    }

    const PROD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gene-prod-flask\n  labels:\n    app: flask-app\n    username: ann\n    env: prod\nspec:\n  selector:\n    matchLabels:\n      app: flask-app\n  template:\n    metadata:\n      labels:\n        app: flask-app\n    spec:\n      containers:\n        - name: flask\n          image: ann/gene-prod:1.0   # kept\n          env:\n            - name: REDIS_IP\n              value: \"gene-prod-redis\"\n      volumes:\n        - name: d\n          persistentVolumeClaim:\n            claimName: data-pvc\n---\nkind: Service\nmetadata:\n  name: gene-prod-redis\nspec:\n  type: NodePort\n  selector:\n    app: flask-app\n  ports:\n    - port: 5000\n      nodePort: 30312\n---\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-pvc\n---\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n    - host: ann.example.org\n";

    #[test]
    fn names_labels_claims_hosts_and_ports_become_the_new_environments() {
        let a = adopt(
            &[(PathBuf::from("kubes/gene-prod-all.yml"), PROD.to_string())],
            beside("test"),
            vec![],
        )
        .unwrap();
        let f = &a.files[0];
        assert_eq!(f.path, PathBuf::from("kubes/gene-test-all.yml"));
        let want = PROD
            .replace("gene-prod-flask", "gene-test-flask")
            .replace("app: flask-app", "app: flask-app-test")
            .replace("env: prod", "env: test")
            .replace("\"gene-prod-redis\"", "\"gene-test-redis\"")
            .replace("name: gene-prod-redis", "name: gene-test-redis")
            .replace("data-pvc", "data-pvc-test")
            .replace("nodePort: 30312", "nodePort: 30313")
            .replace("ann.example.org", "ann-test.example.org")
            .replace("  name: ing\n", "  name: ing-test\n");
        assert_eq!(f.text, want);
        assert!(
            f.text.contains("image: ann/gene-prod:1.0   # kept"),
            "images are never touched"
        );
        assert!(a.notes[0].contains("nodePort 30313 chosen"), "{:?}", a.notes);
        let given = adopt(
            &[(PathBuf::from("k/prod/x.yml"), PROD.to_string())],
            beside("test"),
            vec![31000],
        )
        .unwrap();
        assert!(given.files[0].text.contains("nodePort: 31000") && given.notes.is_empty());
        assert_eq!(given.files[0].path, PathBuf::from("k/test/x.yml"));
    }

    #[test]
    fn a_broken_file_is_named_and_nothing_is_built() {
        let e = adopt(
            &[(PathBuf::from("p/a.yml"), "y---\nkind: x\n  bad: [\n".into())],
            beside("test"),
            vec![],
        )
        .unwrap_err();
        assert_eq!(e[0].at.as_ref().unwrap().to_string().split(':').next(), Some("p/a.yml"));
    }
}
