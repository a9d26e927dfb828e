//! The demo's last chapter, when `release demo --kubeconfig PATH` names a cluster: a
//! namespace and two PersistentVolumes of the demo's own are created there, the sample's
//! Redis image is pushed beside the app's (so a node can pull it offline), and kube-2 then
//! deploys test, ISP promotes, and kube-2 deploys prod.

use crate::proc::{self, LOCAL_TIMEOUT};
use anyhow::{Result, bail};
use std::path::Path;

/// Where the demo deploys: the kubeconfig and the namespace it made.
pub struct Cluster {
    pub kubeconfig: String,
    pub namespace: String,
}

fn kubectl(kc: &str, args: &[&str], input: Option<&str>) -> Result<String> {
    let mut argv = vec!["--kubeconfig", kc];
    argv.extend_from_slice(args);
    let out = proc::run_with_input(
        "kubectl",
        &argv,
        Path::new("/"),
        LOCAL_TIMEOUT,
        input.map(str::as_bytes),
    )?;
    if !out.success {
        bail!("kubectl {}: {}", args.join(" "), crate::deploy::kubectl::said(&out));
    }
    Ok(out.stdout)
}

/// Prepares the cluster and the sample for it; `images` is the demo's `registry/namespace`.
pub fn prepare(isp: &Path, kubeconfig: &str, images: &str) -> Result<Cluster> {
    kubectl(kubeconfig, &["get", "--raw", "/readyz"], None)?;
    let id = images.rsplit('/').next().unwrap_or("demo").to_string();
    let namespace = format!("release-demo-{id}");
    kubectl(kubeconfig, &["create", "namespace", &namespace], None)?;
    for env in ["test", "prod"] {
        let pv = format!(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {namespace}-{env}\n  labels: {{release-demo: \"{id}\"}}\nspec:\n  storageClassName: cinder-csi\n  capacity: {{storage: 1Gi}}\n  accessModes: [ReadWriteOnce]\n  claimRef: {{namespace: {namespace}, name: hello-{env}-redis-data}}\n  hostPath: {{path: /tmp/{namespace}-{env}}}\n"
        );
        kubectl(kubeconfig, &["apply", "-f", "-"], Some(&pv))?;
    }
    redis_image(isp, images)?;
    // nodePorts are cluster-wide: the demo's own, from its id.
    let n = id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 800; // 31000..=32599: in range, apart from the tests' 30100..=30199
    for (env, old) in [("test", 30081), ("prod", 30082)] {
        let p = isp.join("kubernetes").join(env).join("api-service.yml");
        let new = 31000 + n * 2 + if env == "prod" { 1 } else { 0 };
        let t = std::fs::read_to_string(&p)?.replace(&format!("nodePort: {old}"), &format!("nodePort: {new}"));
        std::fs::write(&p, t)?;
    }
    // The redis stand-in sits in the same registry: name the project's own images.
    let deploy = format!(
        "images:\n  - repository: {images}/hello-api\n  - repository: {images}/hello-wrk\ndeploy:\n  via: kube-2\n  kubeconfig: {kubeconfig}\n  namespace: {namespace}\n  timeout: 60\n"
    );
    let config = std::fs::read_to_string(isp.join(".release.yml"))? + &deploy;
    std::fs::write(isp.join(".release.yml"), config)?;
    Ok(Cluster {
        kubeconfig: kubeconfig.to_string(),
        namespace,
    })
}

/// A `FROM scratch` stand-in for redis in the demo's registry, and the manifests use it.
fn redis_image(isp: &Path, images: &str) -> Result<()> {
    let dir = isp.join("docker/redis");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("Dockerfile"),
        "# demo stand-in for redis: FROM scratch so it runs offline\nFROM scratch\nCOPY README /README\n",
    )?;
    std::fs::write(dir.join("README"), "the demo's redis stand-in\n")?;
    let image = format!("{images}/redis:7");
    let d = dir.to_string_lossy();
    for args in [vec!["build", "-q", "-t", &image, &d], vec!["push", "-q", &image]] {
        let out = proc::run("docker", &args, isp, crate::proc::network_timeout())?;
        if !out.success {
            bail!("docker {}: {}", args.join(" "), out.complaint());
        }
    }
    std::fs::remove_dir_all(&dir)?;
    for env in ["test", "prod"] {
        let p = isp.join("kubernetes").join(env).join("db-deployment.yml");
        let t = std::fs::read_to_string(&p)?.replace("image: redis:7", &format!("image: {image}"));
        std::fs::write(&p, t)?;
    }
    Ok(())
}

/// How to clean up afterwards.
pub fn cleanup_hint(c: &Cluster) -> String {
    format!(
        "kubectl --kubeconfig {} delete namespace {ns}; kubectl --kubeconfig {} delete pv {ns}-test {ns}-prod",
        c.kubeconfig,
        c.kubeconfig,
        ns = c.namespace
    )
}
