//! Pure: which images a release builds. Each `docker/Dockerfile.<role>` (or a lone
//! `Dockerfile`) maps to the image repository the matching objects in the manifests use,
//! matched by role (api/flask, wrk/worker, ...). `images:` in `.release.yml` overrides.
//! Ambiguity or no match is an error that lists what was found and the config to write.

use super::evidence::Evidence;
use crate::config::ImageConfig;
use crate::manifests::imageref::ImageRef;
use crate::manifests::model::{Role, role_from_words};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One image to build and push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The repository as written (`user/app-api`, `localhost:5000/u/app`).
    pub repository: String,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub build_args: BTreeMap<String, String>,
    /// The platform `images:` asks for, if any.
    pub platform: Option<String>,
    /// How the mapping was found, in words.
    pub source: String,
    /// One repository for several components (`u/app:api`, `u/app:wrk`): this one's word;
    /// its tags are `api-0.2.0`.
    pub component: Option<String>,
}

/// An image: its repository and, in the component scheme, its component.
type Key = (String, Option<String>);

impl Used {
    fn key(&self) -> Key {
        (self.repository.clone(), self.component.clone())
    }
}

impl ImageSpec {
    fn key(&self) -> Key {
        (self.repository.clone(), self.component.clone())
    }

    /// The tag a release gives it: the version, or `<component>-<version>`.
    pub fn tag_for(&self, version_tag: &str) -> String {
        match &self.component {
            Some(c) => format!("{c}-{version_tag}"),
            None => version_tag.to_string(),
        }
    }

    /// `user/app`, or `user/app (api)` in the component scheme.
    pub fn name(&self) -> String {
        match &self.component {
            Some(c) => format!("{}:{c}-*", self.repository),
            None => self.repository.clone(),
        }
    }
}

/// A repository the manifests use, and the role of the object using it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Used {
    pub repository: String,
    pub role: Role,
    /// `kubernetes/test/api-deployment.yml:21`
    pub at: String,
    /// The manifest that uses it (`kubernetes/test/api-deployment.yml`).
    pub file: PathBuf,
    /// Its tag names a component of one shared repository (`u/app:api`).
    pub component: Option<String>,
}

pub use super::evidence::DOCKER_DIRS;

/// The role a Dockerfile's name gives: `Dockerfile.api`, `Dockerfile_api`, `Dockerfile-api`,
/// `api.Dockerfile` (any case) -> api; a plain `Dockerfile` in a component folder
/// (`worker/Dockerfile`, `src/worker/dockerfile`) -> the folder; otherwise none.
pub fn dockerfile_role(path: &Path) -> Option<(String, Role)> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let word = if let Some(rest) = lower.strip_prefix("dockerfile") {
        match rest.chars().next() {
            Some('.' | '_' | '-') => name[11..].to_string(),
            _ => component(path)?,
        }
    } else {
        name[..lower.strip_suffix(".dockerfile")?.len()].to_string()
    };
    Some((word.clone(), role_from_words(&[word])))
}

/// The component folder a plain Dockerfile sits in (not `docker/` and the like).
fn component(path: &Path) -> Option<String> {
    let parent = path.parent()?.to_str()?;
    let last = parent.rsplit('/').next()?;
    (!DOCKER_DIRS.contains(&parent) && !last.is_empty()).then(|| last.to_string())
}

/// The `source` of an image `.release.yml` names (its context is the user's word).
pub const FROM_CONFIG: &str = "images: in .release.yml";

/// Repository and Dockerfile pairs to suggest in a config snippet.
type Pairs = Vec<(String, PathBuf)>;

fn snippet(pairs: &[(String, PathBuf)]) -> String {
    let mut s = String::from("images:\n");
    for (r, d) in pairs {
        s.push_str(&format!("  - repository: {r}\n    dockerfile: {}\n", d.display()));
    }
    s
}

fn explain(dockerfiles: &[PathBuf], used: &[Used]) -> String {
    let mut s = String::from("found Dockerfiles:");
    if dockerfiles.is_empty() {
        s.push_str(" none");
    }
    for d in dockerfiles {
        s.push_str(&format!("\n    {}", d.display()));
    }
    s.push_str("\n  found image repositories in the manifests:");
    if used.is_empty() {
        s.push_str(" none");
    }
    for u in used {
        s.push_str(&format!("\n    {} ({} at {})", u.repository, role_name(u.role), u.at));
    }
    s
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Api => "api",
        Role::Worker => "worker",
        Role::Db => "db",
        Role::Debug => "debug",
        Role::Other => "other",
    }
}

/// Checks a repository name the way Docker does (lower case, no placeholder).
pub fn validate_repository(r: &str) -> anyhow::Result<()> {
    let parsed = ImageRef::parse(r).map_err(|e| anyhow::anyhow!("image repository {e}"))?;
    if parsed.has_placeholder() {
        return Err(anyhow::anyhow!(
            "image repository `{r}` is a template placeholder: write the real name in .release.yml images:"
        ));
    }
    if parsed.path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(anyhow::anyhow!(
            "image repository `{r}` has capital letters, which Docker refuses: use `{}`",
            parsed.registry.map(|h| format!("{h}/")).unwrap_or_default() + &parsed.path.to_ascii_lowercase()
        ));
    }
    if parsed.tag.is_some() || parsed.digest.is_some() {
        return Err(anyhow::anyhow!(
            "image repository `{r}` has a tag or digest: give the repository only (the release sets the tag)"
        ));
    }
    Ok(())
}

/// What the build files say, for the repositories the manifests use: compose's
/// `build:` + `image:` first (its context wins), then Makefile `docker build` lines.
fn from_evidence(repos: &[&Used], evidence: &[Evidence]) -> Vec<ImageSpec> {
    let mut out: Vec<ImageSpec> = Vec::new();
    for u in repos.iter().filter(|u| u.component.is_none()) {
        let canonical = |r: &str| ImageRef::parse(r).map(|r| r.canonical_repository()).ok();
        if let Some(e) = evidence
            .iter()
            .find(|e| canonical(&e.repository) == canonical(&u.repository))
        {
            let mut s = spec(u, &e.dockerfile, format!("{} -> {}", e.source, u.at));
            s.context = e.context.clone();
            out.push(s);
        }
    }
    out
}

/// Decides the images. `dockerfiles` are relative paths that exist; `used` the project
/// repositories in the manifests (test first); `config` the `images:` section;
/// `evidence` what compose files and the Makefile say.
pub fn map(
    dockerfiles: &[PathBuf],
    used: &[Used],
    config: &[ImageConfig],
    evidence: &[Evidence],
) -> anyhow::Result<Vec<ImageSpec>> {
    if !config.is_empty() {
        return config.iter().map(|c| from_config(c, dockerfiles, used)).collect();
    }
    if dockerfiles.is_empty() {
        return Ok(Vec::new());
    }
    // distinct repositories, first use wins for the role
    let mut seen = HashSet::new();
    let mut repos: Vec<&Used> = used.iter().filter(|u| seen.insert(u.key())).collect();
    let fail = |why: String, pairs: Vec<(String, PathBuf)>| unclear(dockerfiles, used, evidence, why, pairs);
    if repos.is_empty() {
        return Err(fail(
            "there are Dockerfiles but no image of the project in the manifests to name them".into(),
            evidence
                .iter()
                .map(|e| (e.repository.clone(), e.dockerfile.clone()))
                .collect(),
        ));
    }
    let mut out = from_evidence(&repos, evidence);
    let taken: HashSet<Key> = out.iter().map(ImageSpec::key).collect();
    repos.retain(|u| !taken.contains(&u.key()));
    let claimed: HashSet<&Path> = out.iter().map(|s| s.dockerfile.as_path()).collect();
    let roled: Vec<(&PathBuf, String, Role)> = dockerfiles
        .iter()
        .filter(|d| !claimed.contains(d.as_path()))
        .filter_map(|d| dockerfile_role(d).map(|(w, r)| (d, w, r)))
        .collect();
    let plain: Vec<&PathBuf> = dockerfiles
        .iter()
        .filter(|d| dockerfile_role(d).is_none() && !claimed.contains(d.as_path()))
        .collect();
    let mut unused = None;
    for (d, word, role) in &roled {
        let pick = match pick(d, word, *role, &repos) {
            Ok(p) => p,
            // A Dockerfile no manifest uses (a test runner): not built, said by the plan.
            Err((why, guess)) if why.contains("matches no image") => {
                unused.get_or_insert((why, guess));
                continue;
            }
            Err((why, guess)) => return Err(fail(why, guess)),
        };
        validate_repository(&pick.repository)?;
        out.push(spec(pick, d, format!("{} -> role {word} -> {}", d.display(), pick.at)));
    }
    if let Some((why, guess)) = unused.filter(|_| out.is_empty() && plain.is_empty()) {
        return Err(fail(why, guess));
    }
    // A lone Dockerfile builds every repository no named Dockerfile took.
    if let [d] = plain.as_slice() {
        lone_builds_the_rest(d, &repos, &mut out)?;
    } else if plain.len() > 1 && roled.is_empty() {
        return Err(fail(
            "there are several Dockerfiles without a role in their name".into(),
            vec![],
        ));
    }
    let out = one_per_image(out, used).map_err(|(why, pairs)| fail(why.clone(), pairs))?;
    no_cross_role(&out, dockerfiles, used).map_err(|(why, pairs)| fail(why, pairs))?;
    Ok(out)
}

/// The role a Dockerfile's name gives, when it names one.
fn role_of(d: &Path) -> Option<Role> {
    dockerfile_role(d).map(|(_, r)| r).filter(|r| *r != Role::Other)
}

/// The guarantee: no container is set to an image built from another role's Dockerfile.
/// An image built from the Dockerfile of one role, run by a workload of a role that has a
/// Dockerfile of its own, is a question; so is a role Dockerfile that builds nothing while
/// a workload of its role runs a project image (it is never dropped without a word).
fn no_cross_role(specs: &[ImageSpec], dockerfiles: &[PathBuf], used: &[Used]) -> Result<(), (String, Pairs)> {
    let roled: Vec<(Role, &PathBuf)> = dockerfiles.iter().filter_map(|d| role_of(d).map(|r| (r, d))).collect();
    for s in specs.iter().filter(|s| s.source != FROM_CONFIG) {
        let Some(built_as) = role_of(&s.dockerfile) else {
            continue;
        };
        let runs = used
            .iter()
            .filter(|u| u.repository == s.repository && u.component == s.component && u.role != built_as);
        for u in runs {
            if let Some((_, own)) = roled.iter().find(|(r, _)| *r == u.role) {
                let why = format!(
                    "{} would build {}, but the {} workload at {} runs it too, and {} is the {} Dockerfile: a release would run the {} image there. Two images want two repositories or a component tag each ({}:{}-1.0); one image for both wants it said",
                    s.dockerfile.display(),
                    s.name(),
                    role_name(u.role),
                    u.at,
                    own.display(),
                    role_name(u.role),
                    role_name(built_as),
                    s.repository,
                    role_name(u.role)
                );
                return Err((why, vec![(s.repository.clone(), s.dockerfile.clone())]));
            }
        }
    }
    for (role, d) in &roled {
        if specs.iter().any(|s| role_of(&s.dockerfile) == Some(*role)) {
            continue;
        }
        if let Some(u) = used.iter().find(|u| u.role == *role) {
            let why = format!(
                "{} builds nothing, though the {} workload at {} runs the project image {}: say which image it builds",
                d.display(),
                role_name(*role),
                u.at,
                u.repository
            );
            return Err((why, vec![(u.repository.clone(), (*d).clone())]));
        }
    }
    Ok(())
}

/// Two Dockerfiles for one image (`Dockerfile.api` and `app/Dockerfile.api`): the one
/// nearest the manifests that use the image builds it; equally near is a question.
fn one_per_image(specs: Vec<ImageSpec>, used: &[Used]) -> Result<Vec<ImageSpec>, (String, Pairs)> {
    let shared = |a: &Path, b: &Path| a.components().zip(b.components()).take_while(|(x, y)| x == y).count();
    let mut out: Vec<ImageSpec> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for s in specs {
        let Some(&i) = index.get(&s.key()) else {
            index.insert(s.key(), out.len());
            out.push(s);
            continue;
        };
        let near = |spec: &ImageSpec| {
            let dir = spec.dockerfile.parent().unwrap_or(Path::new(""));
            used.iter()
                .filter(|u| u.repository == spec.repository)
                .map(|u| shared(dir, &u.file))
                .max()
                .unwrap_or(0)
        };
        match near(&s).cmp(&near(&out[i])) {
            std::cmp::Ordering::Greater => out[i] = s,
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                let why = format!(
                    "{} and {} could both build {}",
                    out[i].dockerfile.display(),
                    s.dockerfile.display(),
                    s.repository
                );
                let pairs = vec![
                    (s.repository.clone(), out[i].dockerfile.clone()),
                    (s.repository.clone(), s.dockerfile),
                ];
                return Err((why, pairs));
            }
        }
    }
    Ok(out)
}

/// The only plain Dockerfile builds every repository nothing else took.
fn lone_builds_the_rest(d: &Path, repos: &[&Used], out: &mut Vec<ImageSpec>) -> anyhow::Result<()> {
    let taken: HashSet<Key> = out.iter().map(ImageSpec::key).collect();
    for u in repos.iter().filter(|u| !taken.contains(&u.key())) {
        validate_repository(&u.repository)?;
        let source = format!("the only plain Dockerfile, {} -> {}", d.display(), u.at);
        out.push(spec(u, d, source));
    }
    Ok(())
}

/// A spec built from the root context with no build arguments.
fn spec(used: &Used, dockerfile: &Path, source: String) -> ImageSpec {
    ImageSpec {
        component: used.component.clone(),
        repository: used.repository.clone(),
        dockerfile: dockerfile.to_path_buf(),
        context: PathBuf::from("."),
        build_args: BTreeMap::new(),
        platform: None,
        source,
    }
}

/// One `images:` entry of the config; its Dockerfile by name when it gives none.
fn from_config(c: &ImageConfig, dockerfiles: &[PathBuf], used: &[Used]) -> anyhow::Result<ImageSpec> {
    validate_repository(&c.repository)?;
    let dockerfile = match (&c.dockerfile, dockerfiles) {
        (Some(d), _) => d.clone(),
        (None, [only]) => only.clone(),
        (None, _) => {
            let words: Vec<String> = vec![c.repository.rsplit('/').next().unwrap_or("").to_string()];
            let role = role_from_words(&words);
            let hits: Vec<&PathBuf> = dockerfiles
                .iter()
                .filter(|d| dockerfile_role(d).is_some_and(|(_, r)| r == role))
                .collect();
            match hits.as_slice() {
                [one] => (*one).clone(),
                _ => anyhow::bail!(
                    "images: `{}` in .release.yml has no dockerfile, and none matches it by name\n  {}\n  fix: add `dockerfile:` to that entry",
                    c.repository,
                    explain(dockerfiles, used)
                ),
            }
        }
    };
    Ok(ImageSpec {
        repository: c.repository.clone(),
        dockerfile,
        context: c.context.clone().unwrap_or_else(|| PathBuf::from(".")),
        build_args: c.build_args.clone(),
        platform: c.platform.clone(),
        source: FROM_CONFIG.into(),
        component: c.component.clone(),
    })
}

/// The repository a role Dockerfile builds: the one use of its role, else of its word in
/// the name. Otherwise why not, and the pairs to suggest.
fn pick<'u>(d: &Path, word: &str, role: Role, repos: &[&'u Used]) -> Result<&'u Used, (String, Pairs)> {
    let by_role: Vec<&Used> = repos
        .iter()
        .copied()
        .filter(|u| u.role == role && role != Role::Other)
        .collect();
    let word = word.to_ascii_lowercase();
    let by_name: Vec<&Used> = repos
        .iter()
        .copied()
        .filter(|u| {
            let last = u.repository.rsplit('/').next().unwrap_or("");
            match &u.component {
                Some(c) => c.eq_ignore_ascii_case(&word),
                None => last.to_ascii_lowercase().contains(&word),
            }
        })
        .collect();
    match (by_role.as_slice(), by_name.as_slice()) {
        ([one], _) | (_, [one]) => Ok(one),
        ([], []) => Err((
            format!(
                "{} matches no image in the manifests (by role `{word}` or by name)",
                d.display()
            ),
            // No guess: pairing it with another role's image would build the wrong thing.
            Vec::new(),
        )),
        (many, _) => {
            let names: Vec<&str> = many.iter().map(|u| u.repository.as_str()).collect();
            Err((
                format!("{} could build any of {}", d.display(), names.join(", ")),
                many.iter().map(|r| (r.repository.clone(), d.to_path_buf())).collect(),
            ))
        }
    }
}

/// The error for a mapping that must be asked: what was found and the config to write,
/// filled with the repositories and Dockerfiles found (never a made-up name).
fn unclear(
    dockerfiles: &[PathBuf],
    used: &[Used],
    evidence: &[Evidence],
    why: String,
    pairs: Vec<(String, PathBuf)>,
) -> anyhow::Error {
    let found = explain(dockerfiles, used);
    let said: Vec<String> = evidence
        .iter()
        .map(|e| {
            format!(
                "\n    {} builds {} from {}",
                e.source,
                e.repository,
                e.dockerfile.display()
            )
        })
        .collect();
    if pairs.is_empty() {
        let files: Vec<String> = dockerfiles.iter().map(|d| d.display().to_string()).collect();
        let mut repos: Vec<&str> = used.iter().map(|u| u.repository.as_str()).collect();
        repos.dedup();
        let fix = if repos.is_empty() {
            format!(
                "no manifest, compose file or Makefile names an image repository for {}; add `images:` to .release.yml with your registry repository for each (`- repository: <your Docker Hub name>/<image>` and `dockerfile:`)",
                files.join(", ")
            )
        } else {
            format!(
                "add `images:` to .release.yml giving, for each repository the manifests use ({}), the Dockerfile that builds it (found: {})",
                repos.join(", "),
                files.join(", ")
            )
        };
        return anyhow::anyhow!("{why}\n  {found}{}\n  fix: {fix}", said.concat());
    }
    anyhow::anyhow!(
        "{why}\n  {found}{}\n  fix: say which is which in .release.yml:\n{}",
        said.concat(),
        snippet(&pairs)
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

#[cfg(test)]
mod tests;
