//! Pure: the environment's documents as one stream in the order a cluster needs them:
//! Namespaces, storage (PersistentVolumes and their claims), ConfigMaps and Secrets,
//! Services, then workloads, then everything else (Ingress, ...). Each document's bytes are
//! kept as written.

/// Where a kind goes in the apply order (lower first).
pub fn rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "PersistentVolume" | "PersistentVolumeClaim" | "StorageClass" => 1,
        "ConfigMap" | "Secret" | "ServiceAccount" => 2,
        "Service" => 3,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod" => 4,
        _ => 5,
    }
}

/// The documents of one YAML file (split at `---` lines), without empty ones.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare.starts_with("---#") {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// A document's `kind:` (top level), if it has one.
fn kind_of(doc: &str) -> &str {
    doc.lines()
        .find_map(|l| l.strip_prefix("kind:"))
        .map(|k| k.split('#').next().unwrap_or("").trim().trim_matches(['"', '\'']))
        .unwrap_or("")
}

/// Every document of `files` (name, text), ordered by [`rank`] and then as written, joined
/// into one stream for `kubectl apply -f -`.
pub fn stream(files: &[(String, String)]) -> String {
    let mut docs: Vec<(u8, usize, String)> = files
        .iter()
        .flat_map(|(_, text)| documents(text))
        .enumerate()
        .map(|(i, d)| (rank(kind_of(&d)), i, d))
        .collect();
    docs.sort_by_key(|(r, i, _)| (*r, *i));
    let mut out = String::new();
    for (_, _, d) in docs {
        out.push_str("---\n");
        out.push_str(&d);
        if !d.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_before_services_before_workloads() {
        let files = vec![
            (
                "a.yml".into(),
                "kind: Deployment\nmetadata: {name: api}\n---\nkind: Service\nmetadata: {name: api}\n".into(),
            ),
            (
                "b.yml".into(),
                "# the claim\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n---\n".into(),
            ),
            ("c.yml".into(), "kind: Ingress\nmetadata: {name: web}".into()),
        ];
        let s = stream(&files);
        let kinds: Vec<&str> = s.split("---\n").filter(|d| !d.is_empty()).map(kind_of).collect();
        assert_eq!(kinds, ["PersistentVolumeClaim", "Service", "Deployment", "Ingress"]);
        assert!(s.contains("# the claim\nkind: PersistentVolumeClaim"), "{s}");
    }
}
