//! Units and bounds of DESIGN section 3, and the fixed account indices: the
//! verifier crate owns them (a light client checks leaves against the same
//! bounds), the rule book re-exports them.

pub use zksettle_verifier::units::*;
