//! A light client: follows a chain from its genesis and never goes back.
//! It keeps what it trusts and the last epoch it finalized (with the
//! history up to it), and accepts a newer proof only with the attestations
//! of every epoch since, and (when the caller bounds it) only an epoch
//! recent by the caller's clock.

use crate::freshness::Freshness;
use crate::report::Attestation;
use crate::verify::{Anchor, Finalized, Trusted, Verifier};
use crate::VerifyError;

/// The state a light client keeps: what it trusts and the last final epoch.
#[derive(Debug)]
pub struct LightClient {
    verifier: Verifier,
    trusted: Trusted,
    finalized: Option<Finalized>,
}

impl LightClient {
    /// A client that has finalized nothing yet.
    pub fn new(verifier: Verifier, trusted: Trusted) -> Self {
        Self::resume(verifier, trusted, None)
    }

    /// A client resuming from an epoch it finalized before.
    pub fn resume(verifier: Verifier, trusted: Trusted, finalized: Option<Finalized>) -> Self {
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

    /// Where the client stands.
    pub fn anchor(&self) -> Anchor {
        match &self.finalized {
            Some(f) => Anchor::finalized(f),
            None => Anchor::genesis(&self.trusted),
        }
    }

    /// Accepts a newer proof ([`crate::verify_proof`] from the client's
    /// anchor): `attestations` are those of every epoch after the finalized
    /// one up to the proof's, in order. An older proof is
    /// [`VerifyError::StaleEpoch`]; a history that does not pass through the
    /// finalized root and history is [`VerifyError::Fork`].
    ///
    /// `freshness` bounds the proven epoch's timestamp by the client's own
    /// clock ([`Freshness::within`]`(now, max_age)`): the operator picks
    /// the timestamp, so only this tells a client that the state it now
    /// holds is recent. A proof refused as stale leaves the client where it
    /// was. [`Freshness::Unchecked`] accepts an epoch of any age.
    pub fn advance(
        &mut self,
        proof: &[u8],
        attestations: &[Attestation],
        freshness: Freshness,
    ) -> Result<&Finalized, VerifyError> {
        let next = self.verifier.verify(
            proof,
            &self.trusted,
            &self.anchor(),
            attestations,
            freshness,
        )?;
        Ok(self.finalized.insert(next))
    }
}
