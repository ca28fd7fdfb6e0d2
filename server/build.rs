//! With the `embed-site` feature, the built site (`target/site`: WASM, JS,
//! CSS, icons, manifest) goes into the `chatdrop` binary, so that binary
//! alone serves everything (`src/site.rs` unpacks it at start). The list
//! of files is generated here; the bytes are `include_bytes!`d by the
//! binary's `main.rs` only, so the test binaries don't carry them.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    println!("cargo:rerun-if-changed={}", site.display());
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_EMBED_SITE");
    let mut files = Vec::new();
    if std::env::var_os("CARGO_FEATURE_EMBED_SITE").is_some() {
        collect(&site, &site, &mut files);
        if !files.iter().any(|(name, _)| name.ends_with(".wasm")) {
            println!(
                "cargo:warning=embed-site: no built site in {}; build the frontend first \
                 (cargo leptos build --release does)",
                site.display()
            );
        }
    }
    files.sort();
    let mut code = String::from("&[\n");
    for (name, path) in &files {
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display()
        );
    }
    code.push(']');
    std::fs::write(out.join("site.rs"), code).expect("writing site.rs");
}

/// Every file under `dir`, named relative to `root`, but the compressed
/// copies servers make at run time.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if name == "compressed" || name.ends_with(".br") || name.ends_with(".gz") {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push((name, std::fs::canonicalize(&path).unwrap_or(path)));
        }
    }
}
