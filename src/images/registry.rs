//! What a registry holds for an image tag, asked the way the push will ask it: with the
//! credentials the docker CLI would use for that registry. The release's tag check and
//! promote's checks both go through here.

use super::credentials;
use super::engine::{self, Engine};
use crate::manifests::imageref::ImageRef;
use crate::project::problem::Problem;

/// The registry's digest for `image` (`repo:tag`) at `registry`: `None` when the tag is
/// not there, or why it could not be asked, with the fix.
pub async fn tag_digest(engine: &Engine, image: &str, registry: &str) -> Result<Option<String>, Problem> {
    let login = format!("fix ~/.docker/config.json, or log in again: docker login {registry}");
    let creds = credentials::lookup(registry).map_err(|e| Problem::new(format!("{e:#}"), &login))?;
    engine
        .registry_digest(image, registry, creds.as_ref())
        .await
        .map_err(|e| {
            Problem::new(
                format!("{e:#}"),
                format!("check that {registry} answers and that you may push there"),
            )
        })
}

/// One reference, its registry, and what [`tag_digest`] said of it.
pub type Found = (String, String, Result<Option<String>, Problem>);

/// [`tag_digest`] for each of `refs` (references that do not parse are left out), on one
/// engine connection. `Err`: no engine to ask at all.
pub fn look_up<'a>(refs: impl IntoIterator<Item = &'a str>) -> anyhow::Result<Vec<Found>> {
    engine::block_on(async {
        let engine = Engine::connect().await?;
        let mut out = Vec::new();
        for r in refs {
            let Ok(parsed) = ImageRef::parse(r) else { continue };
            let host = credentials::registry_host(&parsed);
            let found = tag_digest(&engine, r, &host).await;
            out.push((r.to_string(), host, found));
        }
        Ok(out)
    })?
}
