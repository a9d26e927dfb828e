//! Set the project's image tags in an environment's manifests, changing nothing else:
//! compute edits from the model, splice only the bytes of each image value, re-parse, and
//! verify that only the intended values changed.

use super::imageref::{ImageRef, TagKind};
use super::model::{Env, ManifestFile};
use super::yaml::{self, Scalar};
use crate::version::ComponentTag;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Which repositories are the project's own (compared in canonical form), and how their
/// component tags are written.
#[derive(Debug, Clone, Default)]
pub struct ProjectImages {
    pub repos: BTreeSet<String>,
    pub component_tag: ComponentTag,
    /// The namespace objects that name none are applied in (`deploy: { namespace }`);
    /// `None`: the cluster's default one.
    pub namespace: Option<String>,
    /// `manifests: { image_tag: "v{version}" }`: the form every new image tag takes;
    /// `None`: the form the tag it replaces has.
    pub image_tag: Option<String>,
}

impl ProjectImages {
    /// The image tag for release tag `tag` where an image said `old`: the configured form,
    /// else `old`'s (`1.2.0` where it said `1.1.0` though git says `v1.2.0`).
    pub fn tag_for(&self, old: Option<&str>, tag: &str) -> String {
        match &self.image_tag {
            Some(form) => {
                let bare = tag
                    .strip_prefix('v')
                    .filter(|b| b.starts_with(|c: char| c.is_ascii_digit()));
                form.replace("{version}", bare.unwrap_or(tag))
            }
            None => super::imageref::in_form_of(old, tag),
        }
    }

    /// These repositories, with the default component tag (`api-0.2.0`).
    pub fn new(repos: BTreeSet<String>) -> ProjectImages {
        ProjectImages {
            repos,
            component_tag: ComponentTag::default(),
            namespace: None,
            image_tag: None,
        }
    }

    pub fn contains(&self, r: &ImageRef) -> bool {
        self.repos.contains(&r.canonical_repository())
    }

    /// The version a project image's tag stands for (`api-0.2.0` -> `0.2.0`).
    pub fn version_of<'t>(&self, tag: &'t str) -> &'t str {
        super::imageref::version_part(tag, &self.component_tag)
    }
}

/// The tag schemes of the project's repositories: the word tags a repository carries more
/// than one of (`u/app:api` and `u/app:wrk`: one repository, a tag per component).
#[derive(Debug, Clone, Default)]
pub struct Schemes(std::collections::HashMap<String, Vec<String>>, ComponentTag);

impl Schemes {
    pub fn of<'a>(objects: impl Iterator<Item = &'a super::model::Object>, project: &ProjectImages) -> Schemes {
        let mut words: std::collections::HashMap<String, BTreeSet<String>> = std::collections::HashMap::new();
        for site in objects.flat_map(|o| &o.images) {
            let Some(r) = site.scalar.as_ref().and_then(|s| ImageRef::parse(&s.value).ok()) else {
                continue;
            };
            if let Some(t) = r
                .tag
                .as_deref()
                .filter(|t| project.contains(&r) && super::imageref::is_word(t))
                && !super::imageref::FLOATING_TAGS.contains(&t.to_ascii_lowercase().as_str())
            {
                words.entry(r.canonical_repository()).or_default().insert(t.to_string());
            }
        }
        Schemes(
            words
                .into_iter()
                .filter(|(_, w)| w.len() > 1)
                .map(|(k, w)| (k, w.into_iter().collect()))
                .collect(),
            project.component_tag.clone(),
        )
    }

    /// What the tag of `r` (a project image) says.
    pub fn kind(&self, r: &ImageRef) -> TagKind {
        let words: Vec<&str> = self
            .0
            .get(&r.canonical_repository())
            .map(|w| w.iter().map(String::as_str).collect())
            .unwrap_or_default();
        super::imageref::tag_kind(r.tag.as_deref(), &words, &self.1)
    }
}

/// Why an image value cannot be set: a template's example, or a placeholder a template
/// step fills in.
fn template_left(r: &ImageRef, value: &str) -> Option<String> {
    if r.is_example() {
        return Some(format!(
            "`{value}` is a template's example, not an image: write your image's repository and a version tag (USER/APP-api:0.1.0); the release keeps the tag current from then on"
        ));
    }
    r.has_placeholder().then(|| {
        format!(
            "`{value}` is a placeholder filled in by a template step (envsubst, helm): the release cannot know what it becomes. Write a real tag (the release keeps it current from then on), or set `manifests: {{ patch: false }}` in .release.yml to leave these files to your template"
        )
    })
}

/// How to treat references that name no fixed version.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Turn `u/app:latest` and `u/app` into `u/app:VERSION` instead of refusing.
    pub replace_floating: bool,
    /// The tag schemes in use (none: only versions and commit ids are fixed builds).
    pub schemes: Option<&'a Schemes>,
}

/// One image value to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub line: usize,
    pub bytes: Range<usize>,
    pub old: String,
    pub new: String,
    /// Said in the plan (a dropped digest, a replaced `latest`).
    pub note: Option<String>,
}

/// A file and its new text.
#[derive(Debug, Clone)]
pub struct FilePatch {
    pub path: PathBuf,
    pub old_text: String,
    pub new_text: String,
    pub edits: Vec<Edit>,
}

/// Why an image cannot be patched: `file:line` and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Refusal {
    /// The refusal as a problem that blocks a release, with the way around it.
    pub fn problem(&self) -> crate::project::problem::Problem {
        crate::project::problem::Problem::new(
            &self.message,
            "write the image as a plain `repository:tag` string as the message says, or release without patching (`manifests: { patch: false }` in .release.yml)",
        )
        .at_line(&self.path, self.line)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Sets every project image in `env` to `tag`. Files with nothing to change are left out.
pub fn plan(env: &Env, project: &ProjectImages, tag: &str, opts: Options) -> Result<Vec<FilePatch>, Vec<Refusal>> {
    let mut patches = Vec::new();
    let mut refusals = Vec::new();
    let schemes = Schemes::of(env.objects(), project);
    let opts = Options {
        schemes: Some(&schemes),
        ..opts
    };
    for file in &env.files {
        let target = |_, _, r: &ImageRef| {
            let kind = schemes.kind(r);
            let tag = match kind {
                TagKind::Version => project.tag_for(r.tag.as_deref(), tag),
                _ => tag.to_string(),
            };
            Some(r.with_tag(&super::imageref::next_tag(&kind, &tag, &project.component_tag)))
        };
        match edits_for(file, project, target, opts) {
            Ok(edits) if edits.is_empty() => {}
            Ok(edits) => match apply(file, edits) {
                Ok(p) => patches.push(p),
                Err(r) => refusals.push(r),
            },
            Err(mut r) => refusals.append(&mut r),
        }
    }
    if refusals.is_empty() {
        Ok(patches)
    } else {
        Err(refusals)
    }
}

/// The edits for one file: `target(object index, image index, current reference)` gives the
/// new full reference for a project image (`None`: leave it).
pub fn edits_for(
    file: &ManifestFile,
    project: &ProjectImages,
    target: impl Fn(usize, usize, &ImageRef) -> Option<String>,
    opts: Options,
) -> Result<Vec<Edit>, Vec<Refusal>> {
    let refuse = |line: usize, message: String| Refusal {
        path: file.path.clone(),
        line,
        message,
    };
    let mut edits = Vec::new();
    let mut refusals = Vec::new();
    for (oi, obj) in file.objects.iter().enumerate() {
        for (si, site) in obj.images.iter().enumerate() {
            let Some(scalar) = &site.scalar else {
                refusals.push(refuse(site.line, format!(
                    "{} (container `{}`): the release cannot tell which image this is, so it cannot set its tag; write the image as a plain string",
                    site.unpatchable.as_deref().unwrap_or("the image is not a string"),
                    site.container
                )));
                continue;
            };
            let Ok(r) = ImageRef::parse(&scalar.value) else {
                continue;
            };
            if !project.contains(&r) {
                continue;
            }
            let Some(new) = target(oi, si, &r) else { continue };
            if let Some(why) = &site.unpatchable {
                refusals.push(refuse(site.line, format!("`{}`: {why}", scalar.value)));
                continue;
            }
            if let Some(why) = template_left(&r, &scalar.value) {
                refusals.push(refuse(site.line, why));
                continue;
            }
            let mut note = None;
            if floating(&r, project, opts.schemes) {
                if !opts.replace_floating {
                    refusals.push(refuse(site.line, format!(
                        "`{}` names no fixed build ({}), so nobody can tell which release runs, and `manifests: {{ keep_floating: true }}` asks to keep it: pin it with --replace-latest once, or remove keep_floating",
                        scalar.value,
                        r.tag.as_deref().map_or("no tag".to_string(), |t| format!("tag `{t}`"))
                    )));
                    continue;
                }
                note = Some(format!("`{}` -> `{new}`, was floating", scalar.value));
            }
            if r.digest.is_some() {
                // Pinned again (promote --pin-digest) or dropped with the old tag.
                note = Some(if new.contains('@') {
                    format!("`{}` is pinned to the new tag's digest", scalar.value)
                } else {
                    format!(
                        "the digest in `{}` belonged to the old tag and is dropped",
                        scalar.value
                    )
                });
            }
            if new == scalar.value {
                continue;
            }
            match check_bytes(&file.text, scalar) {
                Ok(()) => edits.push(Edit {
                    line: site.line,
                    bytes: scalar.bytes.clone(),
                    old: scalar.value.clone(),
                    new,
                    note,
                }),
                Err(why) => refusals.push(refuse(site.line, format!("{why:#}"))),
            }
        }
    }
    if refusals.is_empty() { Ok(edits) } else { Err(refusals) }
}

/// A project image that names no fixed build (no digest; a tag that is no version,
/// component tag or build id).
fn floating(r: &ImageRef, project: &ProjectImages, schemes: Option<&Schemes>) -> bool {
    let kind = schemes.map_or_else(
        || super::imageref::tag_kind(r.tag.as_deref(), &[], &project.component_tag),
        |s| s.kind(r),
    );
    r.digest.is_none() && kind == TagKind::Floating
}

/// The file's bytes at the scalar must be exactly its value (no escapes, no folding).
fn check_bytes(text: &str, s: &Scalar) -> anyhow::Result<()> {
    match text.get(s.bytes.clone()) {
        Some(b) if b == s.value => Ok(()),
        _ => Err(anyhow::anyhow!(
            "`{}` is written with escapes or over several lines; write it as one plain string so it can be changed exactly",
            s.value
        )),
    }
}

/// Splices `edits` into the file and verifies the result.
pub fn apply(file: &ManifestFile, mut edits: Vec<Edit>) -> Result<FilePatch, Refusal> {
    if let Some(why) = &file.outside {
        return Err(Refusal {
            path: file.path.clone(),
            line: 1,
            message: format!("{why}; nothing is patched through a link"),
        });
    }
    if let Some(line) = file.bad_utf8 {
        return Err(Refusal {
            path: file.path.clone(),
            line,
            message: "the file is not valid UTF-8 from this line on, so setting a tag would change bytes the tool cannot read; save it as UTF-8".into(),
        });
    }
    edits.sort_by_key(|e| e.bytes.start);
    let new_text = splice(&file.text, &edits);
    verify(&file.text, &new_text, &edits).map_err(|e| Refusal {
        path: file.path.clone(),
        line: edits.first().map_or(1, |e| e.line),
        message: format!("{e:#}"),
    })?;
    Ok(FilePatch {
        path: file.path.clone(),
        old_text: file.text.clone(),
        new_text,
        edits,
    })
}

/// Replaces each edit's bytes with its new value (edits sorted, not overlapping).
pub fn splice(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 16 * edits.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.bytes.start]);
        out.push_str(&e.new);
        at = e.bytes.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Re-parses both texts: every scalar must be the same (value, style, line) except the
/// edited ones, which must now hold exactly their new value. The two texts are read side by
/// side, one document at a time (a 50 MB file is never held as two trees).
pub fn verify(old: &str, new: &str, edits: &[Edit]) -> anyhow::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Scalar>>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            yaml::each_document(new, |d| {
                let mut v = Vec::new();
                d.iter().for_each(|d| d.scalars(&mut v));
                // The other side stops listening after a finding; the rest is still parsed.
                let _ = tx.send(v.into_iter().cloned().collect());
            })
        });
        let mut side = SideBySide::new(rx, edits);
        let old_docs = yaml::each_document(old, |d| {
            let mut v = Vec::new();
            d.iter().for_each(|d| d.scalars(&mut v));
            side.old_document(&v);
        });
        let left = side.finish();
        let new_docs = reader.join().expect("the reader does not panic");
        let parsed = |r: Result<(), yaml::SyntaxError>| {
            r.map_err(|e| anyhow::anyhow!("the patched file does not parse (line {}): {}", e.line, e.message))
        };
        parsed(old_docs)?;
        parsed(new_docs)?;
        left
    })
}

/// The comparison of [`verify`]: the old text's scalars against the new text's, as they
/// come; the verdict keeps `verify`'s order (shape first, then the first changed value).
struct SideBySide<'e> {
    rx: Option<std::sync::mpsc::Receiver<Vec<Scalar>>>,
    pending: std::collections::VecDeque<Scalar>,
    expected: std::iter::Peekable<std::slice::Iter<'e, Edit>>,
    docs: (usize, usize),
    scalars: (usize, usize),
    first: Option<anyhow::Error>,
}

impl<'e> SideBySide<'e> {
    fn new(rx: std::sync::mpsc::Receiver<Vec<Scalar>>, edits: &'e [Edit]) -> SideBySide<'e> {
        SideBySide {
            rx: Some(rx),
            pending: Default::default(),
            expected: edits.iter().peekable(),
            docs: (0, 0),
            scalars: (0, 0),
            first: None,
        }
    }

    /// The next scalar of the new text, receiving its next document when needed.
    fn next_new(&mut self) -> Option<Scalar> {
        while self.pending.is_empty() {
            let doc = self.rx.as_ref()?.recv().ok()?;
            self.docs.1 += 1;
            self.scalars.1 += doc.len();
            self.pending.extend(doc);
        }
        self.pending.pop_front()
    }

    fn old_document(&mut self, old: &[&Scalar]) {
        self.docs.0 += 1;
        self.scalars.0 += old.len();
        for x in old {
            let Some(y) = self.next_new() else { continue };
            if self.first.is_none() {
                self.first = self.compare(x, &y).err();
            }
        }
    }

    fn compare(&mut self, x: &Scalar, y: &Scalar) -> anyhow::Result<()> {
        let edited = self.expected.peek().is_some_and(|e| e.bytes.start == x.bytes.start);
        if edited {
            let e = self.expected.next().expect("peeked");
            if y.value != e.new || y.style != x.style {
                anyhow::bail!(
                    "line {}: the new value reads back as `{}`, not `{}`; nothing was written",
                    e.line,
                    y.value,
                    e.new
                );
            }
        } else if x.value != y.value || x.style != y.style || x.line != y.line {
            anyhow::bail!(
                "line {}: `{}` would change to `{}`; nothing was written",
                x.line,
                x.value,
                y.value
            );
        }
        Ok(())
    }

    /// The verdict, once the old text is read: the rest of the new one is counted.
    fn finish(mut self) -> anyhow::Result<()> {
        while self.next_new().is_some() {}
        self.rx = None;
        if self.scalars.0 != self.scalars.1 || self.docs.0 != self.docs.1 {
            anyhow::bail!("the patched file has a different shape than the original; nothing was written");
        }
        if let Some(e) = self.first {
            return Err(e);
        }
        if self.expected.next().is_some() {
            anyhow::bail!("an edit did not land on an image value; nothing was written");
        }
        Ok(())
    }
}

/// A unified diff of a patch, for `--dry-run`.
pub fn diff(p: &FilePatch) -> String {
    text_diff(&p.path, &p.old_text, &p.new_text)
}

/// A unified diff of one file's old and new text.
pub fn text_diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests;
