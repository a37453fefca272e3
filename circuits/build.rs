//! Fingerprints every source the circuits compile from, so a circuit cached
//! on disk is used only by the code that built it
//! (`zksettle_circuits::SOURCE_DIGEST`): this crate's and the verifier
//! crate's sources and manifests, and the locked version and checksum of
//! every plonky2 crate.

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

/// The `[[package]]` entries of the lockfile whose name starts with `plonky2`.
fn plonky2_packages(lock: &str) -> Vec<&str> {
    lock.split("[[package]]")
        .filter(|entry| entry.trim_start().starts_with("name = \"plonky2"))
        .collect()
}

fn main() {
    let roots = ["src", "../verifier/src"];
    let manifests = ["Cargo.toml", "../verifier/Cargo.toml"];
    for path in roots.iter().chain(&manifests).chain(&["../Cargo.lock"]) {
        println!("cargo:rerun-if-changed={path}");
    }
    let mut files = Vec::new();
    for root in roots {
        sources(Path::new(root), &mut files);
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files.iter().chain(
        manifests
            .iter()
            .map(PathBuf::from)
            .collect::<Vec<_>>()
            .iter(),
    ) {
        file.to_string_lossy().hash(&mut hasher);
        fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    let lock = fs::read_to_string("../Cargo.lock").unwrap_or_default();
    for package in plonky2_packages(&lock) {
        package.hash(&mut hasher);
    }
    println!(
        "cargo:rustc-env=ZKSETTLE_CIRCUIT_SOURCE_DIGEST={:016x}",
        hasher.finish()
    );
}
