//! Pure: semantic versions from tag names, the current version, and the next one.
//!
//! No I/O here: callers hand in the tags (name, and whether HEAD reaches them).

use semver::{BuildMetadata, Prerelease, Version};
use std::cmp::Ordering;
use std::fmt;

/// A tag as git knows it.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub name: String,
    /// True when the tagged commit is HEAD or one of its ancestors.
    pub reachable: bool,
}

/// A tag whose name is a semantic version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTag {
    pub name: String,
    pub prefix: String,
    pub version: Version,
    pub reachable: bool,
    /// A short tag (`1.0`, `v2`) read as `1.0.0`, because the project has no full ones.
    pub short: bool,
}

/// A release level, as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Patch,
    Minor,
    Major,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        })
    }
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bump {
    /// `release major|minor|patch [--pre LABEL]`
    Level(Level, Option<String>),
    /// `release final`: the current pre-release without its label.
    Final,
    /// Exactly this version (`release resume` finishing an interrupted release); it must
    /// be above the current one.
    Exact(Version),
}

/// Why no next version could be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    InvalidLabel(String),
    NotPrerelease(Version),
    NotAbove { next: Version, current: Version },
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::InvalidLabel(l) => write!(
                f,
                "`{l}` is not a valid pre-release label: use letters, digits and `-`, starting with a letter (for example `rc`, `beta`, `alpha-2`)"
            ),
            VersionError::NotPrerelease(v) => write!(
                f,
                "the current version {v} is not a pre-release, so there is nothing to make final: use `release major|minor|patch`"
            ),
            VersionError::NotAbove { next, current } => write!(
                f,
                "{next} would not be above the current version {current}; to finish the pre-release run `release final`, or pick a higher level"
            ),
        }
    }
}

/// Every tag, sorted into semantic versions and the names that are not.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    /// Semver tags, highest first (by precedence; build metadata never decides).
    pub tags: Vec<VersionTag>,
    /// Tag names that are not semantic versions (`nightly`, `1.0`, `latest`, ...).
    pub ignored: Vec<String>,
    /// Before the first release tag: the version the project already uses (its images'
    /// tags) or the one `initial_version:` names.
    pub seed: Option<Seed>,
}

/// Where the first release counts from when no tag says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    pub version: Version,
    /// The prefix it was written with (`v1.3.0` -> `v`).
    pub prefix: String,
    /// Said to the user: `image tag 1.0 at kubernetes/test/api.yml:22`.
    pub from: String,
    /// `initial_version:`: the first release is exactly this version.
    pub exact: bool,
}

/// A version as projects write it anywhere (a tag or an image tag): `1.2.3`, `v1.2.3`,
/// `1.0`, `v2`.
pub fn parse_loose(name: &str) -> Option<(String, Version)> {
    parse_tag(name, None).or_else(|| parse_short(name))
}

/// Splits `v1.2.3` / `1.2.3` / `<prefix>1.2.3` into prefix and version.
pub fn parse_tag(name: &str, configured_prefix: Option<&str>) -> Option<(String, Version)> {
    let mut prefixes: Vec<&str> = vec!["", "v", "V"];
    if let Some(p) = configured_prefix {
        prefixes.push(p);
    }
    prefixes
        .into_iter()
        .filter_map(|p| name.strip_prefix(p).map(|rest| (p, rest)))
        .find_map(|(p, rest)| Version::parse(rest).ok().map(|v| (p.to_string(), v)))
}

/// `1.0`, `v1.0`, `2` -> (prefix, 1.0.0): the short versions course projects tag with.
fn parse_short(name: &str) -> Option<(String, Version)> {
    let (prefix, rest) = match name.strip_prefix(['v', 'V']) {
        Some(r) => (&name[..1], r),
        None => ("", name),
    };
    let parts: Vec<&str> = rest.split('.').collect();
    if parts.is_empty()
        || parts.len() > 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u64>().ok());
    Some((prefix.to_string(), Version::new(n(0)?, n(1)?, 0)))
}

fn by_precedence(a: &Version, b: &Version) -> Ordering {
    a.cmp_precedence(b)
}

impl Versions {
    pub fn from_tags(tags: &[TagInfo], configured_prefix: Option<&str>) -> Versions {
        let mut out = Versions::default();
        for t in tags {
            match parse_tag(&t.name, configured_prefix) {
                Some((prefix, version)) => out.tags.push(VersionTag {
                    name: t.name.clone(),
                    prefix,
                    version,
                    reachable: t.reachable,
                    short: false,
                }),
                None => out.ignored.push(t.name.clone()),
            }
        }
        if out.tags.is_empty() {
            // A project that tagged `1.0` / `v1.0` keeps counting from there (1.0 -> 1.0.0).
            for t in tags {
                if let Some((prefix, version)) = parse_short(&t.name) {
                    out.ignored.retain(|n| n != &t.name);
                    out.tags.push(VersionTag {
                        name: t.name.clone(),
                        prefix,
                        version,
                        reachable: t.reachable,
                        short: true,
                    });
                }
            }
        }
        out.tags
            .sort_by(|a, b| by_precedence(&b.version, &a.version).then_with(|| a.name.cmp(&b.name)));
        out.ignored.sort();
        out
    }

    /// The release tags from the top down to the current stable release only, asking
    /// `reached` which of a batch HEAD reaches: what a release needs, without deciding the
    /// reachability of every older tag. `names` are all tag names.
    pub fn near_head(
        names: &[String],
        configured_prefix: Option<&str>,
        mut reached: impl FnMut(&[&str]) -> anyhow::Result<std::collections::HashSet<String>>,
    ) -> anyhow::Result<Versions> {
        let infos: Vec<TagInfo> = names
            .iter()
            .map(|n| TagInfo {
                name: n.clone(),
                reachable: false,
            })
            .collect();
        let mut all = Versions::from_tags(&infos, configured_prefix);
        let mut end = 0;
        while end < all.tags.len() {
            // The next batch: down to (and with) the next stable release.
            let stop = all.tags[end..]
                .iter()
                .position(|t| t.version.pre.is_empty())
                .map_or(all.tags.len(), |p| end + p + 1);
            let batch: Vec<&str> = all.tags[end..stop].iter().map(|t| t.name.as_str()).collect();
            let yes = reached(&batch)?;
            for t in &mut all.tags[end..stop] {
                t.reachable = yes.contains(&t.name);
            }
            end = stop;
            if all.tags[end - 1].reachable && all.tags[end - 1].version.pre.is_empty() {
                break;
            }
        }
        all.tags.truncate(end);
        Ok(all)
    }

    /// The highest semver tag reachable from HEAD.
    pub fn current(&self) -> Option<&VersionTag> {
        self.tags.iter().find(|t| t.reachable)
    }

    /// The highest reachable release that is not a pre-release.
    pub fn current_stable(&self) -> Option<&VersionTag> {
        self.tags.iter().find(|t| t.reachable && t.version.pre.is_empty())
    }

    /// Tags above the current version that HEAD does not reach (a common surprise).
    pub fn unreachable_above(&self) -> Vec<&VersionTag> {
        let cur = self.current().map(|c| &c.version);
        self.tags
            .iter()
            .filter(|t| !t.reachable && cur.is_none_or(|c| by_precedence(&t.version, c) == Ordering::Greater))
            .collect()
    }

    /// Any tag (reachable or not) that names exactly this version.
    pub fn find(&self, v: &Version) -> Option<&VersionTag> {
        self.tags
            .iter()
            .find(|t| by_precedence(&t.version, v) == Ordering::Equal)
    }

    /// The prefix for a new tag: the configured one, else the one the current version's tag
    /// uses, else the one most tags use, else none (`0.1.0`, as the course does it).
    pub fn prefix_for_new(&self, configured: Option<&str>) -> String {
        if let Some(p) = configured {
            return p.to_string();
        }
        if let Some(c) = self.current() {
            return c.prefix.clone();
        }
        if self.tags.is_empty()
            && let Some(s) = &self.seed
        {
            return s.prefix.clone();
        }
        let v = self.tags.iter().filter(|t| t.prefix == "v").count();
        if v * 2 > self.tags.len() {
            "v".into()
        } else {
            String::new()
        }
    }

    /// The version that `bump` leads to.
    pub fn next(&self, bump: &Bump) -> Result<Version, VersionError> {
        let current = self.current().map(|t| &t.version);
        let next = match bump {
            Bump::Exact(v) => v.clone(),
            Bump::Final => match current {
                Some(c) if !c.pre.is_empty() => Version::new(c.major, c.minor, c.patch),
                Some(c) => return Err(VersionError::NotPrerelease(c.clone())),
                None => self.first(Level::Minor),
            },
            Bump::Level(level, pre) => {
                let mut target = match self.current_stable() {
                    None => self.first(*level),
                    Some(s) => bump_level(&s.version, *level),
                };
                // A pre-release line in progress (0.2.0-rc.1) is continued or finished,
                // never undercut: `release patch` on it gives 0.2.0, not 0.1.1.
                if let Some(c) = current.filter(|c| !c.pre.is_empty()) {
                    let base = Version::new(c.major, c.minor, c.patch);
                    if by_precedence(&base, &target) == Ordering::Greater {
                        target = base;
                    }
                }
                match pre {
                    None => target,
                    Some(label) => {
                        validate_label(label)?;
                        let n = self.highest_pre_number(&target, label) + 1;
                        let mut v = target;
                        v.pre = Prerelease::new(&format!("{label}.{n}"))
                            .map_err(|_| VersionError::InvalidLabel(label.clone()))?;
                        v
                    }
                }
            }
        };
        let floor = current.or(self.seed.as_ref().filter(|s| !s.exact).map(|s| &s.version));
        if let Some(c) = floor
            && by_precedence(&next, c) != Ordering::Greater
        {
            return Err(VersionError::NotAbove {
                next,
                current: c.clone(),
            });
        }
        Ok(next)
    }

    /// The first release at `level`: `initial_version:`, else one level above what the
    /// project already uses, else 0.1.0.
    fn first(&self, level: Level) -> Version {
        match &self.seed {
            Some(s) if s.exact => s.version.clone(),
            Some(s) => bump_level(&s.version, level),
            None => Version::new(0, 1, 0),
        }
    }

    fn highest_pre_number(&self, base: &Version, label: &str) -> u64 {
        self.tags
            .iter()
            .filter(|t| (t.version.major, t.version.minor, t.version.patch) == (base.major, base.minor, base.patch))
            .filter_map(|t| {
                let (l, n) = t.version.pre.as_str().rsplit_once('.')?;
                (l == label).then(|| n.parse::<u64>().ok()).flatten()
            })
            .max()
            .unwrap_or(0)
    }
}

/// How a component and a version make one tag in the component scheme:
/// `{component}-{version}` (the default) or any other order and separator
/// (`manifests: { component_tag: "{version}_{component}" }`).
#[derive(Debug, Clone)]
pub struct ComponentTag {
    template: String,
    pattern: regex::Regex,
}

impl Default for ComponentTag {
    fn default() -> ComponentTag {
        ComponentTag::new("{component}-{version}").expect("the default template is valid")
    }
}

impl ComponentTag {
    /// A template with `{component}` and `{version}` once each, and only the characters a
    /// tag may hold around them.
    pub fn new(template: &str) -> anyhow::Result<ComponentTag> {
        let once = |p: &str| template.matches(p).count() == 1;
        let rest = template.replace("{component}", "").replace("{version}", "");
        if !once("{component}")
            || !once("{version}")
            || rest.is_empty()
            || !rest.chars().all(|c| "-_.".contains(c) || c.is_ascii_alphanumeric())
        {
            anyhow::bail!(
                "component_tag `{template}` must hold {{component}} and {{version}} once each, with a separator (`-`, `_`, `.`) between them, e.g. {{component}}-{{version}}"
            );
        }
        let re = regex::escape(template)
            .replace(r"\{component\}", "(?P<c>[A-Za-z_]+)")
            .replace(r"\{version\}", r"(?P<v>[vV]?[0-9][0-9A-Za-z.+\-]*)");
        Ok(ComponentTag {
            template: template.to_string(),
            pattern: regex::Regex::new(&format!("^{re}$"))?,
        })
    }

    /// `api-0.2.0` -> (`api`, `0.2.0`), when the version part is one.
    pub fn split<'t>(&self, tag: &'t str) -> Option<(&'t str, &'t str)> {
        let m = self.pattern.captures(tag)?;
        let (c, v) = (m.name("c")?.as_str(), m.name("v")?.as_str());
        // `build-123` is no component scheme: a version here has a dot (`1.0`, `0.2.0`)
        (v.contains('.') && crate::version::parse_loose(v).is_some()).then_some((c, v))
    }

    pub fn make(&self, component: &str, version: &str) -> String {
        self.template
            .replace("{component}", component)
            .replace("{version}", version)
    }
}

/// `1.4.2` + minor = `1.5.0`. Pre-release and build metadata are dropped.
/// The level that took `prev` to `next` (a patch when there was no `prev`).
pub fn level_between(prev: Option<&Version>, next: &Version) -> Level {
    match prev {
        Some(p) if p.major != next.major => Level::Major,
        Some(p) if p.minor != next.minor => Level::Minor,
        _ => Level::Patch,
    }
}

pub fn bump_level(v: &Version, level: Level) -> Version {
    match level {
        Level::Major => Version::new(v.major + 1, 0, 0),
        Level::Minor => Version::new(v.major, v.minor + 1, 0),
        Level::Patch => Version::new(v.major, v.minor, v.patch + 1),
    }
}

/// A pre-release label: one identifier of letters, digits and `-`, starting with a letter.
pub fn validate_label(label: &str) -> Result<(), VersionError> {
    let ok = label.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(VersionError::InvalidLabel(label.to_string()))
    }
}

/// The version without build metadata, as tags are written.
pub fn tag_name(prefix: &str, v: &Version) -> String {
    let mut v = v.clone();
    v.build = BuildMetadata::EMPTY;
    format!("{prefix}{v}")
}

#[cfg(test)]
mod short_tag_tests {
    use super::*;

    #[test]
    fn short_tags_seed_the_version_when_there_are_no_full_ones() {
        let tags = |names: &[&str]| -> Vec<TagInfo> {
            names
                .iter()
                .map(|n| TagInfo {
                    name: n.to_string(),
                    reachable: true,
                })
                .collect()
        };
        let v = Versions::from_tags(&tags(&["1.0", "v0.9", "final", "latest"]), None);
        assert_eq!(v.current().unwrap().name, "1.0");
        assert_eq!(v.next(&Bump::Level(Level::Minor, None)).unwrap(), Version::new(1, 1, 0));
        assert_eq!(v.ignored, ["final", "latest"]);
        let v = Versions::from_tags(&tags(&["1.0", "0.2.0"]), None);
        assert_eq!(v.current().unwrap().name, "0.2.0", "full tags win");
    }

    #[test]
    fn a_seed_counts_from_the_images_and_initial_version_is_exact() {
        let seed = |v: &str, exact| Seed {
            version: Version::parse(v).unwrap(),
            prefix: "v".into(),
            from: "x".into(),
            exact,
        };
        let mut v = Versions {
            seed: Some(seed("1.3.0", false)),
            ..Versions::default()
        };
        assert_eq!(v.next(&Bump::Level(Level::Minor, None)).unwrap(), Version::new(1, 4, 0));
        assert_eq!(v.next(&Bump::Level(Level::Patch, None)).unwrap(), Version::new(1, 3, 1));
        assert_eq!(v.prefix_for_new(None), "v");
        assert!(
            v.next(&Bump::Exact(Version::new(1, 3, 0))).is_err(),
            "not below what runs"
        );
        v.seed = Some(seed("2.0.0", true));
        assert_eq!(v.next(&Bump::Level(Level::Minor, None)).unwrap(), Version::new(2, 0, 0));
        assert_eq!(parse_loose("v1.0").unwrap().1, Version::new(1, 0, 0));
        assert_eq!(parse_loose("latest"), None);
    }
}

#[cfg(test)]
mod near_head_tests {
    use super::*;

    #[test]
    fn stops_at_the_first_reachable_stable_release() {
        let names: Vec<String> = ["0.1.0", "0.2.0-rc.1", "0.3.0", "0.0.9", "latest"]
            .map(String::from)
            .into();
        let mut asked = Vec::new();
        let v = Versions::near_head(&names, None, |batch| {
            asked.push(batch.join(" "));
            Ok(batch.iter().filter(|n| **n != "0.3.0").map(|n| n.to_string()).collect())
        })
        .unwrap();
        assert_eq!(asked, ["0.3.0", "0.2.0-rc.1 0.1.0"]);
        assert_eq!(v.current().unwrap().name, "0.2.0-rc.1");
        assert_eq!(v.current_stable().unwrap().name, "0.1.0");
        assert_eq!(v.unreachable_above()[0].name, "0.3.0");
        assert_eq!(v.ignored, ["latest"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_between_two_versions() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(level_between(Some(&v("1.2.3")), &v("2.0.0")), Level::Major);
        assert_eq!(level_between(Some(&v("1.2.3")), &v("1.3.0")), Level::Minor);
        assert_eq!(level_between(Some(&v("1.2.3")), &v("1.2.4")), Level::Patch);
        assert_eq!(level_between(None, &v("0.1.0")), Level::Patch);
    }

    fn vs(tags: &[(&str, bool)]) -> Versions {
        let infos: Vec<TagInfo> = tags
            .iter()
            .map(|(n, r)| TagInfo {
                name: n.to_string(),
                reachable: *r,
            })
            .collect();
        Versions::from_tags(&infos, None)
    }
    fn next(tags: &[(&str, bool)], bump: Bump) -> String {
        vs(tags)
            .next(&bump)
            .map(|v| v.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }
    fn level(l: Level) -> Bump {
        Bump::Level(l, None)
    }
    fn pre(l: Level, label: &str) -> Bump {
        Bump::Level(l, Some(label.into()))
    }

    #[test]
    fn no_tags_starts_at_0_1_0_whatever_the_level() {
        assert_eq!(next(&[], level(Level::Major)), "0.1.0");
        assert_eq!(next(&[], level(Level::Minor)), "0.1.0");
        assert_eq!(next(&[], level(Level::Patch)), "0.1.0");
        assert_eq!(next(&[], pre(Level::Minor, "rc")), "0.1.0-rc.1");
    }

    #[test]
    fn plain_and_v_prefixed_tags_are_understood() {
        assert_eq!(next(&[("0.1.0", true)], level(Level::Minor)), "0.2.0");
        assert_eq!(next(&[("v0.1.0", true)], level(Level::Minor)), "0.2.0");
        assert_eq!(next(&[("v1.4.2", true)], level(Level::Patch)), "1.4.3");
        assert_eq!(next(&[("v1.4.2", true)], level(Level::Major)), "2.0.0");
        assert_eq!(vs(&[("v0.1.0", true)]).prefix_for_new(None), "v");
        assert_eq!(vs(&[("0.1.0", true)]).prefix_for_new(None), "");
        assert_eq!(vs(&[]).prefix_for_new(None), "");
        assert_eq!(vs(&[("v0.1.0", true)]).prefix_for_new(Some("rel-")), "rel-");
    }

    #[test]
    fn configured_prefix_is_parsed() {
        let t = vec![TagInfo {
            name: "release-1.2.0".into(),
            reachable: true,
        }];
        let v = Versions::from_tags(&t, Some("release-"));
        assert_eq!(v.current().unwrap().version.to_string(), "1.2.0");
        assert!(Versions::from_tags(&t, None).current().is_none());
    }

    #[test]
    fn non_semver_tags_are_ignored() {
        let v = vs(&[
            ("nightly", true),
            ("1.0", true),
            ("latest", true),
            ("final-project", true),
            ("0.3.0", true),
        ]);
        assert_eq!(v.ignored, vec!["1.0", "final-project", "latest", "nightly"]);
        assert_eq!(v.current().unwrap().name, "0.3.0");
        // Changed on purpose (issue "Real projects as they are"): with no full tags, a short
        // `1.0` is the project's own version, so the next minor is 1.1.0, not 0.1.0.
        let only_short = vs(&[("latest", true), ("1.0", true)]);
        assert_eq!(only_short.current().unwrap().name, "1.0");
        assert_eq!(only_short.next(&level(Level::Minor)).unwrap().to_string(), "1.1.0");
        let only_junk = vs(&[("latest", true), ("final", true)]);
        assert!(only_junk.current().is_none());
        assert_eq!(only_junk.next(&level(Level::Minor)).unwrap().to_string(), "0.1.0");
    }

    #[test]
    fn current_is_highest_reachable_and_unreachable_higher_is_reported() {
        let v = vs(&[("0.1.0", true), ("0.3.0", false), ("0.2.0", true)]);
        assert_eq!(v.current().unwrap().name, "0.2.0");
        let above: Vec<_> = v.unreachable_above().iter().map(|t| t.name.clone()).collect();
        assert_eq!(above, vec!["0.3.0"]);
        // The next minor from 0.2.0 is 0.3.0, which exists (unreachable): found by name.
        assert_eq!(v.find(&Version::new(0, 3, 0)).unwrap().name, "0.3.0");
    }

    #[test]
    fn prerelease_counts_up_and_final_drops_the_label() {
        assert_eq!(next(&[("0.1.0", true)], pre(Level::Minor, "rc")), "0.2.0-rc.1");
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.1", true)], pre(Level::Minor, "rc")),
            "0.2.0-rc.2"
        );
        assert_eq!(
            next(
                &[("0.1.0", true), ("0.2.0-rc.1", true), ("0.2.0-rc.2", true)],
                Bump::Final
            ),
            "0.2.0"
        );
        // beta sorts below rc in semver: going "back" to beta is refused, alpha->beta is fine.
        let r = next(&[("0.1.0", true), ("0.2.0-rc.2", true)], pre(Level::Minor, "beta"));
        assert!(r.starts_with("error: 0.2.0-beta.1 would not be above"), "{r}");
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-alpha.3", true)], pre(Level::Minor, "beta")),
            "0.2.0-beta.1"
        );
        // rc.10 sorts above rc.9 (numeric identifiers compare as numbers)
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.9", true)], pre(Level::Minor, "rc")),
            "0.2.0-rc.10"
        );
        // No stable release yet: the pre-release's own base is the target.
        assert_eq!(next(&[("0.2.0-rc.1", true)], level(Level::Minor)), "0.2.0");
        assert_eq!(next(&[("0.2.0-rc.1", true)], pre(Level::Patch, "rc")), "0.2.0-rc.2");
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.1", true)], level(Level::Minor)),
            "0.2.0"
        );
    }

    #[test]
    fn final_of_a_stable_version_is_refused() {
        assert!(
            next(&[("0.2.0", true)], Bump::Final).starts_with("error: the current version 0.2.0 is not a pre-release")
        );
    }

    #[test]
    fn a_prerelease_line_is_continued_not_undercut() {
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.1", true)], pre(Level::Patch, "rc")),
            "0.2.0-rc.2"
        );
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.1", true)], level(Level::Patch)),
            "0.2.0"
        );
        assert_eq!(
            next(&[("0.1.0", true), ("0.2.0-rc.1", true)], pre(Level::Major, "rc")),
            "1.0.0-rc.1"
        );
    }

    #[test]
    fn final_with_no_tags_is_0_1_0_and_never_below_current() {
        assert_eq!(next(&[], Bump::Final), "0.1.0");
        let e = Versions {
            tags: vec![],
            ignored: vec![],
            seed: None,
        };
        assert!(e.current().is_none());
    }

    #[test]
    fn invalid_labels_are_refused() {
        for bad in ["", "1rc", "rc.1", "r c", "rc+1", "ünï"] {
            assert!(next(&[], pre(Level::Minor, bad)).starts_with("error: `"), "{bad}");
        }
        assert!(validate_label("alpha-2").is_ok());
    }

    #[test]
    fn build_metadata_never_decides_order() {
        let v = vs(&[("1.0.0+zzz", true), ("1.0.0+aaa", true), ("0.9.0", true)]);
        // Equal precedence: ties are broken by name only, and the next version ignores build.
        assert_eq!(v.current().unwrap().name, "1.0.0+aaa");
        assert_eq!(v.next(&level(Level::Patch)).unwrap().to_string(), "1.0.1");
        assert_eq!(tag_name("", &Version::parse("1.0.0+abc").unwrap()), "1.0.0");
        // 1.0.0+build counts as the same version as 1.0.0 for "already exists".
        assert!(v.find(&Version::new(1, 0, 0)).is_some());
    }
}
