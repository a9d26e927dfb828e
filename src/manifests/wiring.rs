//! What ties objects to each other by name and port: a Service's ports, an Ingress's
//! backends, the env values that name hosts, and the keys that hold secrets. An object has
//! one kind of them at most, kept in one boxed slice (a 50 MB manifest holds 100,000s).

use super::yaml::Node;

/// One entry of a Service's `spec.ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub port: Option<i32>,
    pub name: Option<Box<str>>,
    /// The nodePort as written (out of range ones too) and its line.
    pub node_port: Option<i32>,
    pub node_port_line: u32,
}

/// The port an Ingress backend asks for, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendPort {
    Number(i64),
    Name(String),
    /// Neither a number nor a port name (`31294 <YourPortHere>`).
    Bad(String),
    Missing,
}

/// One Ingress backend: the Service it routes to and the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    pub service: String,
    pub port: BackendPort,
    pub line: usize,
}

/// A container's `env` entry with a literal `value:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// What one object ties to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wiring {
    /// A Service's `spec.ports`.
    Ports(Box<[ServicePort]>),
    /// An Ingress's backends.
    Backends(Box<[Backend]>),
    /// A workload's env values.
    Env(Box<[EnvValue]>),
    /// A ConfigMap's `data` keys with a non-empty value, and their lines.
    DataKeys(Box<[(String, usize)]>),
}

impl Wiring {
    /// What `doc` (an object of `kind`) ties to; `None` when nothing.
    pub fn read(kind: &str, doc: &Node, pod_spec: Option<&Node>) -> Option<Wiring> {
        let w = match (kind, pod_spec) {
            ("Service", _) => Wiring::Ports(service_ports(doc).into()),
            ("Ingress", _) => Wiring::Backends(backends(doc).into()),
            ("ConfigMap", _) => Wiring::DataKeys(data_keys(doc).into()),
            (_, Some(spec)) => Wiring::Env(env_values(spec).into()),
            _ => return None,
        };
        let empty = w.ports().is_empty() && w.backends().is_empty() && w.env().is_empty() && w.data_keys().is_empty();
        (!empty).then_some(w)
    }

    pub fn ports(&self) -> &[ServicePort] {
        match self {
            Wiring::Ports(p) => p,
            _ => &[],
        }
    }

    pub fn backends(&self) -> &[Backend] {
        match self {
            Wiring::Backends(b) => b,
            _ => &[],
        }
    }

    pub fn env(&self) -> &[EnvValue] {
        match self {
            Wiring::Env(e) => e,
            _ => &[],
        }
    }

    pub fn data_keys(&self) -> &[(String, usize)] {
        match self {
            Wiring::DataKeys(d) => d,
            _ => &[],
        }
    }
}

fn int(n: Option<&Node>) -> Option<i32> {
    n.and_then(Node::as_str).and_then(|s| s.trim().parse().ok())
}

fn service_ports(doc: &Node) -> Vec<ServicePort> {
    doc.path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|p| ServicePort {
            port: int(p.get("port")),
            name: p.get("name").and_then(Node::as_str).map(Box::from),
            node_port: int(p.get("nodePort")),
            node_port_line: p.get("nodePort").map_or(0, |n| n.line() as u32),
        })
        .collect()
}

/// `networking.k8s.io/v1` (`service: {name, port: {number|name}}`) and the older
/// `serviceName`/`servicePort`, in rules and the default backend.
fn backends(doc: &Node) -> Vec<Backend> {
    let mut nodes: Vec<&Node> = Vec::new();
    for key in ["defaultBackend", "backend"] {
        nodes.extend(doc.path(&["spec", key]));
    }
    for rule in doc.path(&["spec", "rules"]).map(Node::items).unwrap_or(&[]) {
        for p in rule.path(&["http", "paths"]).map(Node::items).unwrap_or(&[]) {
            nodes.extend(p.get("backend"));
        }
    }
    nodes.into_iter().filter_map(backend).collect()
}

fn backend(b: &Node) -> Option<Backend> {
    let (name, port) = match b.get("service") {
        Some(s) => (
            s.get("name")?,
            s.get("port")
                .map(|p| p.get("number").or_else(|| p.get("name")).unwrap_or(p)),
        ),
        None => (b.get("serviceName")?, b.get("servicePort")),
    };
    let port = match port.and_then(Node::as_str) {
        None => BackendPort::Missing,
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) => BackendPort::Number(n),
            Err(_) if is_port_name(text) => BackendPort::Name(text.to_string()),
            Err(_) => BackendPort::Bad(text.to_string()),
        },
    };
    Some(Backend {
        service: name.as_str()?.to_string(),
        port,
        line: name.line(),
    })
}

/// An IANA service name as Kubernetes takes it: lower-case letters, digits, `-`.
fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
}

fn env_values(spec: &Node) -> Vec<EnvValue> {
    let mut out = Vec::new();
    for list in ["containers", "initContainers"] {
        for c in spec.get(list).map(Node::items).unwrap_or(&[]) {
            for e in c.get("env").map(Node::items).unwrap_or(&[]) {
                let (Some(name), Some(value)) = (e.get("name").and_then(Node::as_str), e.get("value")) else {
                    continue;
                };
                if let Some(v) = value.as_str() {
                    out.push(EnvValue {
                        name: name.to_string(),
                        value: v.to_string(),
                        line: value.line(),
                    });
                }
            }
        }
    }
    out
}

fn data_keys(doc: &Node) -> Vec<(String, usize)> {
    doc.get("data")
        .map(Node::pairs)
        .unwrap_or(&[])
        .iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        .filter_map(|(k, _)| Some((k.as_str()?.to_string(), k.line())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Wiring {
        let doc = super::super::yaml::parse(text).unwrap().remove(0).unwrap();
        let kind = doc.get("kind").and_then(Node::as_str).unwrap().to_string();
        let spec = doc.path(&["spec", "template", "spec"]);
        Wiring::read(&kind, &doc, spec).unwrap()
    }

    #[test]
    fn backends_in_both_api_versions_and_a_bad_port() {
        let w = read(
            "kind: Ingress\nspec:\n  rules:\n    - http:\n        paths:\n          - backend:\n              service:\n                name: api\n                port:\n                  number: 31294 <YourPortHere>\n          - backend:\n              serviceName: old\n              servicePort: 5000\n",
        );
        assert_eq!(w.backends()[0].service, "api");
        assert_eq!(w.backends()[0].port, BackendPort::Bad("31294 <YourPortHere>".into()));
        assert_eq!(w.backends()[0].line, 8);
        assert_eq!(w.backends()[1].port, BackendPort::Number(5000));
    }

    #[test]
    fn env_values_and_config_keys() {
        let w = read(
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          env:\n            - name: REDIS_IP\n              value: redis-svc\n            - name: FROM\n              valueFrom: {}\n",
        );
        assert_eq!(
            w.env(),
            [EnvValue {
                name: "REDIS_IP".into(),
                value: "redis-svc".into(),
                line: 9
            }]
        );
        let c = read("kind: ConfigMap\ndata:\n  POSTGRES_PASSWORD: hunter2\n  EMPTY: ''\n");
        assert_eq!(c.data_keys(), [("POSTGRES_PASSWORD".to_string(), 3)]);
    }
}
