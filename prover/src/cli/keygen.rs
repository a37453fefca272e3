//! `zksettle keygen`: an ECgFp5 Schnorr key pair as one JSON line,
//! `{"secret":"<decimal>","public_key":[w0,w1,w2,w3,w4]}`, the public key
//! being the canonical encoding of secret · G (z^0 first).

use anyhow::{Context as _, Result};
use serde::Serialize;
use zksettle_circuits::rules::ecgfp5::SecretKey;

/// Arguments of `zksettle keygen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Secret scalar in decimal, nonzero and below the group order (default: fresh from the OS RNG).
    #[arg(long)]
    secret: Option<String>,
}

#[derive(Serialize)]
struct KeyPair {
    secret: String,
    public_key: [u64; 5],
}

/// Prints the key pair.
pub fn run(args: Args) -> Result<()> {
    let secret = match &args.secret {
        Some(text) => SecretKey::from_decimal(text).with_context(|| format!("--secret {text}"))?,
        None => SecretKey::random(&mut rand::rngs::OsRng),
    };
    let pair = KeyPair {
        secret: secret.scalar().to_decimal(),
        public_key: secret.public_key().encoding(),
    };
    println!("{}", serde_json::to_string(&pair)?);
    Ok(())
}
