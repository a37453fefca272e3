//! A light client: follows a chain from its genesis, one chain proof at a
//! time, and never goes back.

use alloc::string::ToString;

use crate::hex::digest_hex;
use crate::report::Attestation;
use crate::verify::{ChainVerifier, Finalized, Trusted};
use crate::VerifyError;

/// The state a light client keeps: what it trusts and the last final epoch.
#[derive(Debug)]
pub struct LightClient {
    verifier: ChainVerifier,
    trusted: Trusted,
    finalized: Option<Finalized>,
}

impl LightClient {
    /// A client that has finalized nothing yet.
    pub fn new(verifier: ChainVerifier, trusted: Trusted) -> Self {
        Self::resume(verifier, trusted, None)
    }

    /// A client resuming from an epoch it finalized before.
    pub fn resume(verifier: ChainVerifier, trusted: Trusted, finalized: Option<Finalized>) -> Self {
        Self {
            verifier,
            trusted,
            finalized,
        }
    }

    /// The last epoch accepted as final.
    pub fn finalized(&self) -> Option<&Finalized> {
        self.finalized.as_ref()
    }

    /// Accepts a newer chain proof: it must verify ([`crate::verify_chain`]),
    /// be of a later epoch than the finalized one (an older proof presented
    /// as newer is [`VerifyError::StaleEpoch`]) and, when it is the very
    /// next epoch, start from the finalized root.
    pub fn advance(
        &mut self,
        proof: &[u8],
        attestation: &Attestation,
    ) -> Result<&Finalized, VerifyError> {
        let next = self.verifier.verify(proof, &self.trusted, attestation)?;
        if let Some(last) = &self.finalized {
            if next.epoch <= last.epoch {
                return Err(VerifyError::StaleEpoch {
                    epoch: next.epoch,
                    finalized: last.epoch,
                });
            }
            if next.epoch == last.epoch + 1 && next.prev_root != last.new_root {
                return Err(VerifyError::Fork {
                    epoch: next.epoch,
                    prev_root: digest_hex(&next.prev_root),
                    finalized_root: digest_hex(&last.new_root).to_string(),
                });
            }
        }
        Ok(self.finalized.insert(next))
    }
}
