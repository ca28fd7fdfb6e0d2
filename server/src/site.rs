//! The built site embedded in the release binary (the `embed-site`
//! feature; `build.rs` lists the files, `main.rs` holds their bytes), so a
//! `chatdrop` copied alone to a machine serves everything. At start it is
//! unpacked into the data dir, once per build (`site/<version>/`), and the
//! file-serving code reads it from there exactly as it reads a checkout's
//! `target/site`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use leptos::config::LeptosOptions;
use sha2::{Digest, Sha256};

use crate::files::hex;

/// The embedded files: path under the site root, bytes.
pub type Files = &'static [(&'static str, &'static [u8])];

/// Marks a folder whose every file was written.
const COMPLETE: &str = ".complete";

/// Unpacks `files` into `data_dir/site/<version>` unless a complete copy
/// is there already, removes other versions' copies, and returns the
/// folder.
pub fn unpack(files: Files, data_dir: &Path) -> anyhow::Result<PathBuf> {
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let version = hex(&hasher.finalize()[..8]);
    let sites = data_dir.join("site");
    let dir = sites.join(&version);
    if !dir.join(COMPLETE).is_file() {
        // Written aside and renamed: a server that dies halfway, or a
        // second one starting at once, never sees a partial site.
        let temp = sites.join(format!(".{version}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&temp);
        for (name, bytes) in files {
            let path = temp.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes).with_context(|| format!("unpacking {name}"))?;
        }
        std::fs::write(temp.join(COMPLETE), b"")?;
        if std::fs::rename(&temp, &dir).is_err() {
            // Another server unpacked the same build first.
            let _ = std::fs::remove_dir_all(&temp);
        }
        if !dir.join(COMPLETE).is_file() {
            anyhow::bail!("could not unpack the site into {}", dir.display());
        }
        tracing::info!(dir = %dir.display(), "unpacked the built site");
    }
    if let Ok(entries) = std::fs::read_dir(&sites) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name != version.as_str() && !name.to_string_lossy().starts_with('.') {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(dir)
}

/// Where the site is: as `--leptos-config` says if it names a file (a
/// checkout, the tests), else the site built into the binary, unpacked
/// into the data dir.
pub fn options(
    leptos_config: &Path,
    embedded: Option<Files>,
    data_dir: &Path,
) -> anyhow::Result<LeptosOptions> {
    let Some(files) = embedded.filter(|_| !leptos_config.is_file()) else {
        return leptos_options(leptos_config);
    };
    let root = unpack(files, data_dir)?;
    Ok(LeptosOptions::builder()
        .output_name("chatdrop")
        .site_root(root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .env(leptos_config::Env::PROD)
        .build())
}

/// Reads `Leptos.toml`, resolving a relative site root against the file's
/// folder so the binary runs from any working directory.
fn leptos_options(path: &Path) -> anyhow::Result<LeptosOptions> {
    let text = path
        .to_str()
        .context("the Leptos config path is not UTF-8")?;
    let mut options = leptos_config::get_configuration(Some(text))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| {
            format!(
                "reading {}: run chatdrop from the repository root or pass --leptos-config",
                path.display()
            )
        })?
        .leptos_options;
    let site_root = Path::new(&*options.site_root);
    if site_root.is_relative() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            options.site_root = dir.join(site_root).to_string_lossy().into_owned().into();
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: Files = &[("pkg/app.js", b"js"), ("favicon.svg", b"<svg/>")];

    #[test]
    fn a_site_is_unpacked_once_per_build_and_older_builds_go() {
        let data = tempfile::tempdir().unwrap();
        let old = data.path().join("site/0123456789abcdef");
        std::fs::create_dir_all(&old).unwrap();
        let dir = unpack(FILES, data.path()).unwrap();
        assert_eq!(std::fs::read(dir.join("pkg/app.js")).unwrap(), b"js");
        assert_eq!(std::fs::read(dir.join("favicon.svg")).unwrap(), b"<svg/>");
        assert!(!old.exists(), "another build's copy is removed");
        std::fs::write(dir.join("pkg/app.js"), b"kept").unwrap();
        assert_eq!(unpack(FILES, data.path()).unwrap(), dir);
        assert_eq!(
            std::fs::read(dir.join("pkg/app.js")).unwrap(),
            b"kept",
            "not rewritten"
        );
    }
}
