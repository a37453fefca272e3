//! Fingerprints the crate's sources so a circuit cached on disk is used
//! only by the code that built it (`zksettle_circuits::SOURCE_DIGEST`).

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        file.to_string_lossy().hash(&mut hasher);
        fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    fs::read("Cargo.toml").unwrap_or_default().hash(&mut hasher);
    println!(
        "cargo:rustc-env=ZKSETTLE_CIRCUIT_SOURCE_DIGEST={:016x}",
        hasher.finish()
    );
}
