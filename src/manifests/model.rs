//! The manifests as objects: every document of every `*.yml`/`*.yaml` in the environment
//! folders, classified by content (kind, name, labels, the role it plays), and test
//! objects paired with their prod partners by kind and role, never by file name alone.

use super::places::{Holds, Place};
use super::yaml::{self, Node, Scalar, SyntaxError};
use compact_str::CompactString;
use std::path::{Path, PathBuf};

/// Labels or a selector: `key: value` pairs sorted by key. A sorted boxed slice of small
/// strings, not a `BTreeMap`: an object has four of them with a label or two each, and a
/// 50 MB manifest has a quarter of a million objects. Keys and values up to 24 bytes live
/// inline (`CompactString`), so most labels need no allocation of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(Box<[(CompactString, CompactString)]>);

impl Labels {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, v)| v.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<K: Into<CompactString>, V: Into<CompactString>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Labels {
        let mut v: Vec<(CompactString, CompactString)> = it.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        v.reverse(); // a later duplicate key wins, as in a map
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        Labels(v.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (CompactString, CompactString)>,
        fn(&'a (CompactString, CompactString)) -> (&'a str, &'a str),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl std::ops::Index<&str> for Labels {
    type Output = str;
    fn index(&self, key: &str) -> &str {
        self.get(key).expect("no such label")
    }
}

/// The part an object plays in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Api,
    Worker,
    Db,
    Debug,
    Other,
}

/// One `image:` of a container, where it sits in its file.
#[derive(Debug, Clone)]
pub struct ImageSite {
    pub container: CompactString,
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    /// The scalar; `None` when the value is not a plain or quoted string (alias, block, map).
    pub scalar: Option<Scalar>,
    pub line: usize,
    /// Why the value cannot be patched safely, if it cannot.
    pub unpatchable: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Object {
    /// Shared by every object of the file (a manifest can hold many thousands).
    pub file: std::sync::Arc<Path>,
    pub line: usize,
    pub kind: CompactString,
    pub name: CompactString,
    pub name_line: usize,
    /// `metadata.namespace`, when the object names one.
    pub namespace: Option<CompactString>,
    pub labels: Labels,
    pub role: Role,
    /// Service `spec.selector`.
    pub selector: Labels,
    /// The line of `spec.selector` (a Service's, or a workload's `matchLabels`), else the object's.
    pub selector_line: usize,
    /// Workload `spec.selector.matchLabels`.
    pub match_labels: Labels,
    /// Pod template labels (a Pod's own labels).
    pub pod_labels: Labels,
    pub images: Box<[ImageSite]>,
    /// What few objects have (a Service's type, volume claims, Ingress hosts), boxed so
    /// that the many objects without them stay small.
    pub rare: Option<Box<Rare>>,
    /// Ports, backends, env values and secret-looking keys (most objects have none).
    pub wiring: Option<super::wiring::Wiring>,
}

/// The fields few objects have.
#[derive(Debug, Clone, Default)]
pub struct Rare {
    /// Service `spec.type` (`ClusterIP` when absent).
    pub service_type: Option<CompactString>,
    /// `persistentVolumeClaim.claimName`s of the pod's volumes, with their lines.
    pub claims: Vec<(String, usize)>,
    /// Ingress rule hosts, with their lines.
    pub hosts: Vec<(String, usize)>,
}

/// One manifest file.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub path: PathBuf,
    pub text: String,
    pub error: Option<SyntaxError>,
    pub objects: Vec<Object>,
    /// The file has no document with content.
    pub empty: bool,
    /// The line of the first bytes that are not UTF-8 (read lossily for `check`; never patched).
    pub bad_utf8: Option<usize>,
    /// Why writing it would leave the repository (a symbolic link on the way); never patched.
    pub outside: Option<String>,
}

/// One environment's manifests (`kubernetes/test`, or the `*-prod-*` files of `kubes/`).
#[derive(Debug, Clone)]
pub struct Env {
    pub name: String,
    /// Where its files are; `place.label` names it to a person.
    pub place: Place,
    pub exists: bool,
    pub files: Vec<ManifestFile>,
}

impl Object {
    /// Service `spec.type` (`ClusterIP` when absent); `None` for other kinds.
    pub fn service_type(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.service_type.as_deref())
    }
    /// The volume claims the pod mounts, with their lines.
    pub fn claims(&self) -> &[(String, usize)] {
        self.rare.as_ref().map_or(&[], |r| &r.claims)
    }
    /// An Ingress's rule hosts, with their lines.
    pub fn hosts(&self) -> &[(String, usize)] {
        self.rare.as_ref().map_or(&[], |r| &r.hosts)
    }
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
    /// A Service's nodePorts and their lines.
    pub fn node_ports(&self) -> impl Iterator<Item = (i64, usize)> + '_ {
        self.wiring
            .iter()
            .flat_map(|w| w.ports())
            .filter_map(|p| p.node_port.map(|n| (i64::from(n), p.node_port_line as usize)))
    }
}

impl Env {
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.files.iter().flat_map(|f| f.objects.iter())
    }

    /// How to name it to a person: `k8s/test`.
    pub fn label(&self) -> &str {
        &self.place.label
    }
}

/// Reads every manifest of an environment (nested component folders included).
pub fn load_env(root: &Path, name: &str, place: &Place, keep_text: bool) -> std::io::Result<Env> {
    let paths = place.files(root);
    let mut env = Env {
        name: name.to_string(),
        place: place.clone(),
        exists: !paths.is_empty() || (place.holds == Holds::All && root.join(&place.dir).is_dir()),
        files: Vec::new(),
    };
    for rel in paths {
        let bytes = std::fs::read(root.join(&rel))?;
        let bad = crate::fs::first_bad_utf8_line(&bytes);
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let mut file = read_file(rel, text);
        file.bad_utf8 = bad;
        file.outside = crate::fs::inside(root, &file.path).err().map(|e| format!("{e:#}"));
        if !keep_text {
            file.text = String::new();
        }
        env.files.push(file);
    }
    Ok(env)
}

/// Parses one file's text into objects.
pub fn read_file(path: PathBuf, text: String) -> ManifestFile {
    // One object per document at most: reserving for them all keeps a doubling vector from
    // holding twice the objects at its peak.
    let documents = text.matches("\n---").count() + 1;
    let (mut objects, mut empty) = (Vec::with_capacity(documents), true);
    let shared: std::sync::Arc<Path> = std::sync::Arc::from(path.as_path());
    let parsed = yaml::each_document(&text, |d| {
        if let Some(d) = d {
            empty = false;
            objects.extend(object(&shared, &d));
        }
    });
    objects.shrink_to_fit();
    match parsed {
        Err(e) => ManifestFile {
            path,
            text,
            error: Some(e),
            objects: Vec::new(),
            empty: false,
            bad_utf8: None,
            outside: None,
        },
        Ok(()) => ManifestFile {
            path,
            text,
            error: None,
            objects,
            empty,
            bad_utf8: None,
            outside: None,
        },
    }
}

fn string_map(n: Option<&Node>) -> Labels {
    n.map(|n| {
        n.pairs()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

fn object(path: &std::sync::Arc<Path>, doc: &Node) -> Option<Object> {
    let kind = doc.get("kind")?.as_str()?.to_string();
    let name_node = doc.path(&["metadata", "name"]);
    let name = name_node.and_then(Node::as_str).unwrap_or("").to_string();
    let mut o = Object {
        file: std::sync::Arc::clone(path),
        line: doc.line(),
        name_line: name_node.map_or(doc.line(), Node::line),
        namespace: doc
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
            .map(CompactString::from),
        labels: string_map(doc.path(&["metadata", "labels"])),
        kind: kind.into(),
        name: name.into(),
        role: Role::Other,
        selector: Labels::default(),
        selector_line: 0,
        match_labels: Labels::default(),
        pod_labels: Labels::default(),
        images: Box::default(),
        rare: None,
        wiring: None,
    };
    let (template, pod_spec) = match o.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            (doc.path(&["spec", "template"]), doc.path(&["spec", "template", "spec"]))
        }
        "CronJob" => (
            doc.path(&["spec", "jobTemplate", "spec", "template"]),
            doc.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        ),
        "Pod" => (Some(doc), doc.get("spec")),
        _ => (None, None),
    };
    if let Some(t) = template {
        o.pod_labels = string_map(t.path(&["metadata", "labels"]));
        o.match_labels = string_map(doc.path(&["spec", "selector", "matchLabels"]));
    }
    if let Some(spec) = pod_spec {
        o.images = ["containers", "initContainers", "ephemeralContainers"]
            .into_iter()
            .flat_map(|list| {
                let items = spec.get(list).map(Node::items).unwrap_or(&[]);
                items
                    .iter()
                    .filter_map(move |c| Some(image_site(c, c.get("image")?, list)))
            })
            .collect();
        for v in spec.get("volumes").map(Node::items).unwrap_or(&[]) {
            if let Some(c) = v.path(&["persistentVolumeClaim", "claimName"]) {
                o.rare_mut()
                    .claims
                    .push((c.as_str().unwrap_or("").to_string(), c.line()));
            }
        }
    }
    o.selector_line = doc
        .path(&["spec", "selector", "matchLabels"])
        .or_else(|| doc.path(&["spec", "selector"]))
        .map_or(o.line, |n| n.line());
    if o.kind == "Service" {
        service_fields(&mut o, doc);
    }
    if o.kind == "Ingress" {
        for r in doc.path(&["spec", "rules"]).map(Node::items).unwrap_or(&[]) {
            if let Some(h) = r.get("host") {
                o.rare_mut()
                    .hosts
                    .push((h.as_str().unwrap_or("").to_string(), h.line()));
            }
        }
    }
    o.wiring = super::wiring::Wiring::read(&o.kind, doc, pod_spec);
    o.role = role_of(&o);
    Some(o)
}

/// A Service's selector, type and nodePorts.
fn service_fields(o: &mut Object, doc: &Node) {
    o.selector = string_map(doc.path(&["spec", "selector"]));
    o.rare_mut().service_type = Some(
        doc.path(&["spec", "type"])
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP")
            .into(),
    );
}

fn image_site(container: &Node, img: &Node, list: &'static str) -> ImageSite {
    let name = container.get("name").and_then(Node::as_str).unwrap_or("").to_string();
    let mut site = ImageSite {
        container: name.into(),
        list,
        scalar: None,
        line: img.line(),
        unpatchable: None,
    };
    match img {
        Node::Scalar(s) if s.anchored => {
            site.unpatchable = Some("the image value carries an anchor (&name) that other places may reuse".into());
            site.scalar = Some(s.clone());
        }
        Node::Scalar(s) => {
            use saphyr_parser::ScalarStyle::*;
            match s.style {
                Plain | SingleQuoted | DoubleQuoted => {}
                _ => site.unpatchable = Some("the image is a block scalar (| or >); write it on one line".into()),
            }
            site.scalar = Some(s.clone());
        }
        Node::Alias(_) => {
            site.unpatchable = Some("the image is an alias (*name) of a value defined elsewhere".into());
        }
        _ => site.unpatchable = Some("the image is not a string".into()),
    }
    site
}

/// Words in names, labels, container names and images; the first family found decides.
fn role_of(o: &Object) -> Role {
    let mut bag = vec![o.name.to_string()];
    bag.extend(o.labels.values().map(str::to_string));
    bag.extend(o.selector.values().map(str::to_string));
    bag.extend(o.pod_labels.values().map(str::to_string));
    for i in &o.images {
        bag.push(i.container.to_string());
        if let Some(s) = &i.scalar {
            bag.push(
                s.value
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string(),
            );
        }
    }
    bag.extend(o.claims().iter().map(|c| c.0.clone()));
    role_from_words(&bag)
}

/// The role named by words (`flask-api` -> api, `worker2` -> worker, `redis` -> db); the
/// first family found decides: debug, worker, db, api.
pub fn role_from_words(words: &[String]) -> Role {
    let tokens: Vec<String> = words
        .iter()
        .flat_map(|s| {
            s.split(|c: char| !c.is_ascii_alphanumeric())
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    let has = |words: &[&str]| tokens.iter().any(|t| words.iter().any(|w| t.starts_with(w)));
    if has(&["debug"]) {
        Role::Debug
    } else if has(&["wrk", "worker"]) {
        Role::Worker
    } else if has(&["redis", "db", "database", "postgres", "mongo", "mysql"]) {
        Role::Db
    } else if has(&["api", "flask", "web", "frontend", "server", "app"]) {
        Role::Api
    } else {
        Role::Other
    }
}

/// The name without environment words: `hello-test-api` and `hello-prod-api` both give
/// `hello-api`.
pub fn base_name(name: &str) -> String {
    name.to_ascii_lowercase()
        .split(['-', '_', '.'])
        .filter(|t| !matches!(*t, "test" | "prod" | "production" | "staging" | "stage" | "dev"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Pairs test objects with prod objects. Returns (pairs, test-only, prod-only), as indexes
/// into the order of `Env::objects()`. First the objects whose names match apart from env
/// words, then the rest by class (kind, role, NodePort) when each side has exactly one
/// left. Linear in the number of objects (hash maps, no rescans).
pub fn pair(test: &[&Object], prod: &[&Object]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    use std::collections::{HashMap, VecDeque};
    type Class<'a> = (&'a str, Role, bool);
    fn class(o: &Object) -> Class<'_> {
        (o.kind.as_str(), o.role, o.service_type() == Some("NodePort"))
    }
    let mut by_name: HashMap<(Class, String), VecDeque<usize>> = HashMap::new();
    for (j, p) in prod.iter().enumerate() {
        by_name.entry((class(p), base_name(&p.name))).or_default().push_back(j);
    }
    let mut used = vec![false; prod.len()];
    let mut pairs = Vec::new();
    let mut pending = Vec::new();
    for (i, t) in test.iter().enumerate() {
        match by_name
            .get_mut(&(class(t), base_name(&t.name)))
            .and_then(VecDeque::pop_front)
        {
            Some(j) => {
                used[j] = true;
                pairs.push((i, j));
            }
            None => pending.push(i),
        }
    }
    let mut free_prod: HashMap<Class, Vec<usize>> = HashMap::new();
    for j in (0..prod.len()).filter(|&j| !used[j]) {
        free_prod.entry(class(prod[j])).or_default().push(j);
    }
    let mut left_in_test: HashMap<Class, usize> = HashMap::new();
    for &i in &pending {
        *left_in_test.entry(class(test[i])).or_default() += 1;
    }
    let mut alone = Vec::new();
    for i in pending {
        let c = class(test[i]);
        let free = free_prod.entry(c).or_default();
        let left = left_in_test.entry(c).or_default();
        if free.len() == 1 && *left == 1 {
            let j = free.remove(0);
            used[j] = true;
            *left -= 1;
            pairs.push((i, j));
        } else {
            alone.push(i);
        }
    }
    let prod_alone = (0..prod.len()).filter(|&j| !used[j]).collect();
    pairs.sort();
    (pairs, alone, prod_alone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objs(text: &str) -> Vec<Object> {
        read_file(PathBuf::from("k/x.yml"), text.to_string()).objects
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: NAME\n  labels:\n    app: NAME\nspec:\n  selector:\n    matchLabels:\n      app: NAME\n  template:\n    metadata:\n      labels:\n        app: NAME\n    spec:\n      initContainers:\n        - name: init\n          image: busybox:1\n      containers:\n        - name: main\n          image: IMAGE\n      volumes:\n        - name: d\n          persistentVolumeClaim:\n            claimName: data\n";

    #[test]
    fn reads_workloads_services_and_ingresses() {
        let text = DEPLOY
            .replace("NAME", "hello-test-api")
            .replace("IMAGE", "u/hello-api:0.1.0")
            + "---\nkind: Service\nmetadata:\n  name: hello-test-api\nspec:\n  type: NodePort\n  selector:\n    app: hello-test-api\n  ports:\n    - port: 5000\n      nodePort: 30081\n---\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n    - host: a.example.com\n";
        let o = objs(&text);
        assert_eq!(o.len(), 3);
        assert_eq!((o[0].kind.as_str(), o[0].role), ("Deployment", Role::Api));
        assert_eq!(o[0].images.len(), 2);
        assert_eq!(o[0].images[1].list, "initContainers");
        assert_eq!(o[0].images[0].scalar.as_ref().unwrap().value, "u/hello-api:0.1.0");
        assert_eq!(o[0].images[0].line, 21);
        assert_eq!(o[0].claims(), [("data".to_string(), 25)]);
        assert_eq!(&o[0].match_labels["app"], "hello-test-api");
        assert_eq!(o[1].node_ports().collect::<Vec<_>>(), vec![(30081, 36)]);
        assert_eq!(o[1].service_type(), Some("NodePort"));
        assert_eq!(o[2].hosts()[0].0, "a.example.com");
    }

    #[test]
    fn cronjob_and_pod_images() {
        let cron = "kind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: w\n              image: u/wrk:1\n";
        assert_eq!(objs(cron)[0].images[0].scalar.as_ref().unwrap().value, "u/wrk:1");
        let pod =
            "kind: Pod\nmetadata:\n  name: p\nspec:\n  ephemeralContainers:\n    - name: dbg\n      image: u/dbg:1\n";
        assert_eq!(objs(pod)[0].images[0].list, "ephemeralContainers");
    }

    #[test]
    fn unpatchable_images_say_why() {
        let t = "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: &img u/a:1\n    - name: b\n      image: *img\n    - name: c\n      image: |\n        u/c:1\n";
        let o = &objs(t)[0];
        assert!(o.images[0].unpatchable.as_ref().unwrap().contains("anchor"));
        assert!(o.images[1].unpatchable.as_ref().unwrap().contains("alias"));
        assert!(o.images[2].unpatchable.as_ref().unwrap().contains("block scalar"));
    }

    #[test]
    fn roles_and_pairing_by_content() {
        let mk = |name: &str, img: &str| objs(&DEPLOY.replace("NAME", name).replace("IMAGE", img)).remove(0);
        let t = [
            mk("app-test-deployment-flask", "u/api:1"),
            mk("app-prod-deployment-worker", "u/wrk:1"),
            mk("redis-test", "redis:7"),
        ];
        let p = [
            mk("redis-prod", "redis:7"),
            mk("app-prod-deployment-worker", "u/wrk:1"),
            mk("app-prod-deployment-flask", "u/api:1"),
            mk("debug", "python:3"),
        ];
        assert_eq!(
            t.iter().map(|o| o.role).collect::<Vec<_>>(),
            vec![Role::Api, Role::Worker, Role::Db]
        );
        let tr: Vec<&Object> = t.iter().collect();
        let pr: Vec<&Object> = p.iter().collect();
        let (pairs, t_alone, p_alone) = pair(&tr, &pr);
        assert_eq!(pairs, vec![(0, 2), (1, 1), (2, 0)]);
        assert!(t_alone.is_empty());
        assert_eq!(p_alone, vec![3]);
        assert_eq!(base_name("hello-test-api"), "hello-api");
        assert_eq!(base_name("test-api-deployment"), "api-deployment");
    }

    #[test]
    fn syntax_errors_and_empty_files() {
        let f = read_file(PathBuf::from("k/bad.yml"), "kind: [\n".into());
        assert!(f.error.is_some());
        let f = read_file(PathBuf::from("k/empty.yml"), "# nothing\n".into());
        assert!(f.empty && f.objects.is_empty());
        let f = read_file(PathBuf::from("k/empty.yml"), String::new());
        assert!(f.empty);
    }
}
#[cfg(test)]
mod size {
    /// A 50 MB manifest holds a quarter of a million objects: a field that grows `Object`
    /// grows `check`'s memory by that many times (the rare ones go in `Rare`).
    #[test]
    fn an_object_stays_small() {
        assert!(
            std::mem::size_of::<super::Object>() <= 232,
            "{}",
            std::mem::size_of::<super::Object>()
        );
        assert!(std::mem::size_of::<super::Labels>() <= 16);
    }
}
