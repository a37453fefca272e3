//! Units and bounds of `docs/design.md` section 2, and the fixed account indices: the
//! verifier crate owns them (a light client checks leaves against the same
//! bounds), the rule book re-exports them.

pub use zksettle_verifier::units::*;
