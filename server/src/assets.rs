//! The built bundle (WASM, JS, CSS) under a versioned path,
//! `/pkg/<version>/…`, so it can be cached for a year: a new build has a
//! new version and so new URLs, and pages are never cached. Each file is
//! also served brotli- or gzip-compressed, compressed once per build in
//! the background and kept beside the bundle (`<site root>/compressed/
//! <version>/`, or under the data dir if the site is read-only), so every
//! server started from one build shares the work.

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::files::hex;

/// The bundle's files that browsers load.
const KINDS: &[&str] = &[".js", ".wasm", ".css"];

/// This build's bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// A hash of the bundle's files: part of every asset URL.
    pub version: String,
    /// The URL prefix without slashes: `pkg/<version>`.
    pub prefix: String,
    /// The asset file names.
    pub files: Vec<String>,
    /// Where cargo-leptos put them.
    built: PathBuf,
    /// Where the compressed copies go.
    cache: PathBuf,
}

impl Bundle {
    /// Reads the bundle in `site_root/pkg_dir`.
    pub fn scan(site_root: &Path, pkg_dir: &str, data_dir: &Path) -> Self {
        let beside = site_root.join("compressed");
        let cache_root = if std::fs::create_dir_all(&beside).is_ok() {
            beside
        } else {
            data_dir.join("assets")
        };
        let built = site_root.join(pkg_dir);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&built)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|entry| {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        let wanted = KINDS.iter().any(|k| name.ends_with(k));
                        wanted.then(|| Some((name, std::fs::read(entry.path()).ok()?)))?
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let mut hasher = Sha256::new();
        for (name, bytes) in &files {
            hasher.update(name.as_bytes());
            hasher.update(Sha256::digest(bytes));
        }
        let version = hex(&hasher.finalize()[..6]);
        Self {
            prefix: format!("{pkg_dir}/{version}"),
            cache: cache_root.join(&version),
            files: files.into_iter().map(|(name, _)| name).collect(),
            version,
            built,
        }
    }

    /// The URLs of the bundle's files.
    pub fn urls(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|name| format!("/{}/{name}", self.prefix))
            .collect()
    }

    /// Writes the compressed copies, unless an earlier start did. Until
    /// they exist, files are served uncompressed.
    pub fn precompress(&self) {
        let bundle = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = bundle.compress_all() {
                tracing::warn!(%error, "compressing the bundle; serving it uncompressed");
            }
        });
    }

    fn compress_all(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.cache)?;
        if self
            .files
            .iter()
            .all(|name| self.cache.join(name).is_file())
        {
            return Ok(());
        }
        // One server compresses; others started from the same build at the
        // same time (tests start dozens) serve uncompressed meanwhile. A
        // lock left by a crash expires.
        let lock = self.cache.join("compressing.lock");
        let stale = std::fs::metadata(&lock)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > std::time::Duration::from_secs(600));
        if stale {
            let _ = std::fs::remove_file(&lock);
        }
        if std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_err()
        {
            return Ok(());
        }
        let result = self.compress_files();
        let _ = std::fs::remove_file(&lock);
        result
    }

    fn compress_files(&self) -> std::io::Result<()> {
        for name in &self.files {
            let plain = self.cache.join(name);
            if plain.is_file() {
                continue;
            }
            let bytes = std::fs::read(self.built.join(name))?;
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gzip.write_all(&bytes)?;
            write_atomic(&self.cache.join(format!("{name}.gz")), &gzip.finish()?)?;
            let mut brotli = Vec::new();
            // The best compression for release bundles (about 1 MB, a few
            // seconds once per build); debug bundles are ten times larger
            // and get a quicker setting.
            let quality = if bytes.len() <= 2 << 20 { 11 } else { 5 };
            let params = brotli::enc::BrotliEncoderParams {
                quality,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &bytes[..], &mut brotli, &params)?;
            write_atomic(&self.cache.join(format!("{name}.br")), &brotli)?;
            // Last: its presence means the compressed copies are complete.
            write_atomic(&plain, &bytes)?;
        }
        tracing::info!(version = %self.version, "bundle compressed");
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = path.with_extension(format!("tmp{:08x}", rand::random::<u32>()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

/// `GET /pkg/{version}/{file}`: this build's files, compressed when the
/// browser accepts it, cacheable for a year.
pub async fn serve(
    State(bundle): State<std::sync::Arc<Bundle>>,
    UrlPath((version, file)): UrlPath<(String, String)>,
    request: Request,
) -> Response {
    // Only this build's files, by exact name: nothing else is reachable.
    if version != bundle.version || !bundle.files.contains(&file) {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    }
    let (parts, body) = request.into_parts();
    let mut request = Request::from_parts(parts, body);
    *request.uri_mut() = match format!("/{file}").parse() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    // Compressed copies appear once the background compression is done.
    let compressed = tokio::fs::metadata(bundle.cache.join(&file))
        .await
        .is_ok_and(|m| m.is_file());
    let served = if compressed {
        ServeDir::new(&bundle.cache)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(request)
            .await
    } else {
        ServeDir::new(&bundle.built).oneshot(request).await
    };
    let mut response = match served {
        Ok(response) => response.map(Body::new),
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    response
}
