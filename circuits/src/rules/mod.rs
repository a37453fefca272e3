//! The native rule book (the reference implementation).
//!
//! Module order follows the data flow of an epoch: units and fixed-point
//! arithmetic, hashing, the market, oracle reports and their median, risk
//! arrays, accounts, margin, and finally the operations.

pub mod account;
pub mod authorization;
pub mod custody;
/// ECgFp5 curve arithmetic and Schnorr signatures with a Poseidon challenge.
pub mod ecgfp5;
pub mod encoding;
pub mod epoch;
pub mod error;
pub mod fixed;
pub mod margin;
pub mod market;
pub mod merkle;
pub mod ops;
pub mod oracle;
pub mod risk;
pub mod sheet;
pub mod units;

pub use account::{Account, Position};
pub use encoding::Digest;
pub use epoch::{AccountEntry, Epoch, StateError, StateFile};
pub use error::{EpochError, ReportViolation, Violation};
pub use margin::Margin;
pub use market::{Instrument, Market, MarketError, OptionKind, Params, Scenario, Underlying};
pub use ops::{Context, Operation};
pub use oracle::{Prices, Report, SettlementPrice};
pub use risk::RiskArrays;
pub use sheet::PriceSheet;
