//! The adversarial harness: the prover is the adversary. It chooses any
//! batch items and any leaf values (here: the unchecked arithmetic of
//! [`super::unchecked`] on whatever items it likes, optionally with leaf
//! values of its own), bypassing the ledger and `assign`, cuts them into
//! chunks and hands them to the chunk circuit.
//!
//! [`Adversary::attempt`] asks the circuit, chunk by chunk, whether the
//! witness is satisfiable (`ChunkCircuit::check`, the constraint check that
//! agrees with the prover), carrying each chunk's statement, as the circuit
//! computes it, into the next: root, batch commitment and settlement
//! registers, exactly what the fold joins. An attempt *proves as an epoch*
//! when every chunk is satisfiable and the whole starts from the empty batch
//! with no settlement open and ends with none open: what the chain circuit
//! accepts.
//!
//! The replay property ([`Adversary::assert_replay`]): an attempt that
//! proves as an epoch decodes (its batch items, `decode_batch`) into
//! operations the native engine accepts from the same state, ending at the
//! same root, with the same batch hash and operation count. A proof of
//! anything else is a soundness bug.

use plonky2::field::types::Field;
use plonky2::field::types::PrimeField64;
use zksettle_circuits::chunk::{AttestedDeposits, Transfers};
use zksettle_circuits::chunk::{ChunkCircuit, ChunkPublicInputs, ChunkWitness, SettleCarry};
use zksettle_circuits::config::F;
use zksettle_circuits::recursion::segment::joins;
use zksettle_circuits::rules::authorization::{
    owner_of, user_key_from_seed, Authorization, Message,
};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::ops::{batch_hash, decode_batch, tag, BATCH_ITEM_LEN};
use zksettle_circuits::rules::units::FEE_ACCOUNT;
use zksettle_circuits::rules::{Context, Epoch, Operation, PriceSheet};
use zksettle_fixtures::builder::{user_key, USER_SEED};
use zksettle_prover::ledger::Ledger;

use super::tree::{known_tag, Tree, Write};
use super::unchecked;

/// A batch item.
pub type Item = [F; BATCH_ITEM_LEN];

/// One batch item and the leaf writes the adversary makes for it.
pub type Planned = (Item, Vec<Write>);

/// A leaf value the adversary sets in place of the unchecked arithmetic's.
#[derive(Clone, Debug)]
pub enum LeafTamper {
    /// Adds to the cash of the `write`-th write of item `item` (an account).
    Cash {
        item: usize,
        write: usize,
        delta: i64,
    },
    /// Flips the liquidation flag of that write.
    Flag { item: usize, write: usize },
    /// Adds to the quantity of the first position of that write.
    Quantity {
        item: usize,
        write: usize,
        delta: i64,
    },
    /// Adds to the bad debt of that write (the global leaf).
    BadDebt {
        item: usize,
        write: usize,
        delta: i64,
    },
    /// Adds to element `field` (instrument, qty, limit, expiry) of order
    /// slot `slot` of that write.
    Order {
        item: usize,
        write: usize,
        slot: usize,
        field: usize,
        delta: i64,
    },
}

/// What the circuit made of an attempt.
#[derive(Clone, Debug)]
pub enum Attempt {
    /// Some item has no leaf the circuit could even read (the adversary has
    /// no witness to try).
    NoWitness {
        /// The item.
        item: usize,
    },
    /// Chunk `chunk` is not satisfiable.
    Unprovable {
        /// The chunk.
        chunk: usize,
        /// The circuit's reason.
        reason: String,
    },
    /// Every chunk is satisfiable, with these statements (chained: each
    /// starts where the one before ended).
    Chunks(Vec<ChunkPublicInputs>),
}

impl Attempt {
    /// Whether the chunks make a whole epoch the chain circuit accepts: the
    /// first starts from the empty batch, the settlement registers are
    /// closed at both ends.
    pub fn proves_as_epoch(&self) -> bool {
        match self {
            Attempt::Chunks(s) => {
                let (Some(first), Some(last)) = (s.first(), s.last()) else {
                    return false;
                };
                // The chain's checks: batch and transfer logs start empty,
                // no settlement open at either end, and the deposits
                // credited are the ones the custodians' report (the
                // prelude's, which every chunk states) attests.
                first.batch_in == ZERO_DIGEST
                    && first.transfers_in == Transfers::NONE
                    && first.carry_in == SettleCarry::CLOSED
                    && last.carry_out == SettleCarry::CLOSED
                    && first.deposit_report.covers(&last.transfers_out)
            }
            _ => false,
        }
    }
}

/// The signatures the adversary holds: for a user withdrawal of `account`
/// (whose leaf names `owner`) with `message`, the authorization it puts at
/// the desk (or none).
pub type Signer = fn(account: u32, owner: &Digest, message: &Message) -> Option<Authorization>;

/// The users sign what they are asked to (the keys of the fixtures'
/// users, or of the generated fixture's simulation, seed 7, whichever owns
/// the account): the adversary's mutations of a batch then break state
/// rules only.
pub fn users_sign(account: u32, owner: &Digest, message: &Message) -> Option<Authorization> {
    let key = [USER_SEED, 7]
        .into_iter()
        .map(|seed| user_key_from_seed(seed, account))
        .find(|key| owner_of(&key.public_key()) == *owner)
        .unwrap_or_else(|| user_key(account));
    Some(Authorization::sign(&key, message))
}

/// An adversarial prover working on the state before an epoch.
pub struct Adversary<'a> {
    /// The state the attempt starts from.
    pub ledger: &'a Ledger,
    /// The epoch header (reports, number, time); its operations are ignored.
    pub epoch: &'a Epoch,
    /// The signatures it can give the desk ([`users_sign`] unless set).
    pub signer: Signer,
    sheet: PriceSheet,
}

/// The user's signed operation of an item (a user withdrawal, an order, a
/// cancel): (account, message for the market with hash `market`), if it is
/// one.
fn signed_item(item: &Item, market: &Digest) -> Option<(u32, Message)> {
    let (ops, _) = zksettle_circuits::rules::ops::decode_batch(
        std::slice::from_ref(item),
        zksettle_circuits::rules::ops::SettlementRegisters::CLOSED,
    )
    .ok()?;
    let (account, message, _) = ops.first()?.signed(market)?;
    Some((account, message))
}

/// `op` carrying `auth` (a signed operation's authorization).
fn authorized(op: Operation, auth: Option<Authorization>) -> Operation {
    match op {
        Operation::Withdraw(w) if w.account != FEE_ACCOUNT => {
            Operation::Withdraw(zksettle_circuits::rules::ops::Withdraw {
                authorization: auth,
                ..w
            })
        }
        Operation::PlaceOrder(o) => {
            Operation::PlaceOrder(zksettle_circuits::rules::ops::PlaceOrder {
                authorization: auth,
                ..o
            })
        }
        Operation::CancelOrder(c) => {
            Operation::CancelOrder(zksettle_circuits::rules::ops::CancelOrder {
                authorization: auth,
                ..c
            })
        }
        op => op,
    }
}

impl<'a> Adversary<'a> {
    /// An adversary proving from `ledger` under `epoch`'s header.
    ///
    /// # Panics
    /// If the epoch's reports are rejected (the adversary needs honest prices).
    pub fn new(ledger: &'a Ledger, epoch: &'a Epoch) -> Self {
        let sheet = PriceSheet::from_reports(ledger.market(), &epoch.reports, epoch.timestamp)
            .expect("the reports are valid");
        Self {
            ledger,
            epoch,
            signer: users_sign,
            sheet,
        }
    }

    /// The rule context of the epoch.
    pub fn ctx(&self) -> Context<'_> {
        Context {
            market: self.ledger.market(),
            prices: &self.sheet.prices,
            risk: &self.sheet.risk,
            timestamp: self.epoch.timestamp,
        }
    }

    /// The leaf writes of `items`, with the unchecked arithmetic's values
    /// and the adversary's own where `tampers` says; `Err(item)` when an
    /// item has no writes at all.
    pub fn steps(&self, items: &[Item], tampers: &[LeafTamper]) -> Result<Vec<Planned>, usize> {
        let ctx = self.ctx();
        let mut tree = Tree::new(self.ledger);
        let mut steps = Vec::with_capacity(items.len());
        for (k, item) in items.iter().enumerate() {
            // An item of no known tag writes nothing (the circuit must refuse its tag).
            let mut writes = match unchecked::writes(&ctx, &tree, item) {
                Some(writes) => writes,
                None if !known_tag(tag_of(item)) => Vec::new(),
                None => return Err(k),
            };
            for tamper in tampers {
                apply_tamper(tamper, k, &mut writes);
            }
            if !writes_fit(&writes) {
                return Err(k);
            }
            tree.step(*item, &writes);
            steps.push((*item, writes));
        }
        Ok(steps)
    }

    /// The chunk witnesses of `planned` cut into chunks of `sizes` steps
    /// (the rest in one more), written as the assign step writes them: each
    /// chunk from the root the one before leaves, with its own system
    /// leaves; batch commitment and settlement registers start empty (the
    /// caller chains them).
    pub fn chunks(&self, planned: &[Planned], sizes: &[usize]) -> Vec<ChunkWitness> {
        let mut tree = Tree::new(self.ledger);
        let mut cuts = Vec::new();
        let mut start = 0;
        for &size in sizes {
            let end = (start + size).min(planned.len());
            cuts.push(&planned[start..end]);
            start = end;
        }
        if start < planned.len() || cuts.is_empty() {
            cuts.push(&planned[start..]);
        }
        cuts.into_iter()
            .map(|group| {
                let root_in = tree.root();
                let mut signatures = Vec::new();
                let steps = group
                    .iter()
                    .map(|(item, writes)| {
                        let owner = u32::try_from(item[1].to_canonical_u64())
                            .map_or(ZERO_DIGEST, |a| tree.account(a).owner);
                        let mut step = tree.step(*item, writes);
                        let signed = signed_item(item, &self.ledger.market().hash());
                        let sign = |(a, msg): (u32, Message)| (self.signer)(a, &owner, &msg);
                        if let Some(auth) = signed.and_then(sign) {
                            step.signer = Some(auth.public_key);
                            signatures.push((auth, signed.expect("signed").1));
                        }
                        step
                    })
                    .collect();
                ChunkWitness {
                    sheet: self.sheet.clone(),
                    epoch: self.epoch.epoch,
                    timestamp: self.epoch.timestamp,
                    root_in,
                    batch_in: ZERO_DIGEST,
                    carry_in: SettleCarry::CLOSED,
                    deposit_report: AttestedDeposits::of(self.epoch.deposit_report.as_ref()),
                    transfers_in: Transfers::NONE,
                    system: tree.finish(),
                    steps,
                    signatures,
                }
            })
            .collect()
    }

    /// Hands `planned`, cut into chunks of the circuit's capacity (`order`
    /// permutes the chunks: the adversary may present them in any order),
    /// to the circuit chunk by chunk.
    pub fn attempt_steps(
        &self,
        circuit: &ChunkCircuit,
        planned: Vec<Planned>,
        order: Option<&[usize]>,
    ) -> Attempt {
        let market = self.ledger.market();
        // Chunks of the circuit's capacity, cut earlier where the desk is full.
        let (capacity, slots) = (circuit.params.capacity, circuit.params.signatures);
        let mut sizes = Vec::new();
        let (mut size, mut signed) = (0, 0);
        for (item, _) in &planned {
            let signs = usize::from(signed_item(item, &self.ledger.market().hash()).is_some());
            if size == capacity || signed + signs > slots {
                sizes.push(size);
                (size, signed) = (0, 0);
            }
            size += 1;
            signed += signs;
        }
        sizes.push(size);
        let chunks = self.chunks(&planned, &sizes);
        let chunks: Vec<ChunkWitness> = match order {
            Some(order) => order
                .iter()
                .filter_map(|&k| chunks.get(k).cloned())
                .collect(),
            None => chunks,
        };
        let mut statements: Vec<ChunkPublicInputs> = Vec::new();
        // Each chunk starts at the root its writes were made from, with the
        // batch and registers the previous chunk's statement ended with, as
        // a fold would join them.
        for (k, chunk) in chunks.into_iter().enumerate() {
            let previous = statements.last();
            let chunk = ChunkWitness {
                batch_in: previous.map_or(ZERO_DIGEST, |s| s.batch_out),
                carry_in: previous.map_or(SettleCarry::CLOSED, |s| s.carry_out),
                transfers_in: previous.map_or(Transfers::NONE, |s| s.transfers_out),
                ..chunk
            };
            match circuit.check(market, &chunk) {
                Ok(statement) => {
                    // The fold connects exactly what `joins` compares.
                    if let Some(Err(why)) = previous.map(|p| joins(p, &statement)) {
                        return Attempt::Unprovable {
                            chunk: k,
                            reason: format!("the fold refuses: {why}"),
                        };
                    }
                    statements.push(statement);
                }
                Err(e) => {
                    return Attempt::Unprovable {
                        chunk: k,
                        reason: e.to_string(),
                    }
                }
            }
        }
        Attempt::Chunks(statements)
    }

    /// Builds the steps of `items` (with `tampers`) and attempts them.
    pub fn attempt(
        &self,
        circuit: &ChunkCircuit,
        items: &[Item],
        tampers: &[LeafTamper],
    ) -> Attempt {
        match self.steps(items, tampers) {
            Ok(steps) => self.attempt_steps(circuit, steps, None),
            Err(item) => Attempt::NoWitness { item },
        }
    }

    /// The replay property for an attempt at `items`: if it proves as an
    /// epoch, the items decode into operations the native engine applies
    /// from the same state to the same root, batch hash and count. Returns
    /// whether it proved. `what` names the case in a failure.
    pub fn assert_replay(&self, items: &[Item], attempt: &Attempt, what: &str) -> bool {
        if !self.proves_here(attempt) {
            return false;
        }
        let Attempt::Chunks(statements) = attempt else {
            unreachable!()
        };
        // Padding items are no part of the batch (the commitment skips them).
        let batch: Vec<Item> = items.iter().copied().filter(|i| tag_of(i) != 0).collect();
        let (ops, carry) = decode_batch(&batch, SettleCarry::CLOSED).unwrap_or_else(|e| {
            panic!("{what}: a batch that does not decode proved as an epoch: {e}")
        });
        assert_eq!(
            carry,
            SettleCarry::CLOSED,
            "{what}: an open settlement proved"
        );
        // With the authorizations the adversary gave the desk (signed
        // against the owner the account had before the epoch, or its first
        // deposit's).
        let ops: Vec<Operation> = ops
            .into_iter()
            .map(|op| match op.signed(&self.ledger.market().hash()) {
                Some((account, message, _)) => {
                    let owner = self.owner_after_deposits(&batch, account);
                    let auth = (self.signer)(account, &owner, &message);
                    authorized(op, auth)
                }
                None => op,
            })
            .collect();
        let native = self.replay(&ops).unwrap_or_else(|e| {
            panic!("{what}: the circuit proved a batch the native engine rejects: {e}\n{ops:?}")
        });
        let last = statements.last().expect("an epoch has a chunk");
        assert_eq!(
            last.root_out,
            native.root(),
            "{what}: another root than the native one"
        );
        assert_eq!(
            last.batch_out,
            batch_hash(&ops),
            "{what}: another batch hash"
        );
        let count: u64 = statements.iter().map(|s| s.op_count).sum();
        assert_eq!(count, ops.len() as u64, "{what}: another operation count");
        true
    }

    /// The owner of `account`: the state's, or the first deposit's in
    /// `items` when the state has none.
    fn owner_after_deposits(&self, items: &[Item], account: u32) -> Digest {
        let owner = self.ledger.account(account).owner;
        if owner != ZERO_DIGEST {
            return owner;
        }
        items
            .iter()
            .find(|i| {
                i[0].to_canonical_u64() == tag::DEPOSIT
                    && i[1].to_canonical_u64() == u64::from(account)
            })
            .map_or(ZERO_DIGEST, |i| Digest {
                elements: [i[3], i[4], i[5], i[6]],
            })
    }

    /// Whether an attempt proves as an epoch starting from the adversary's
    /// state (the chain circuit joins an epoch to the previous root).
    pub fn proves_here(&self, attempt: &Attempt) -> bool {
        match attempt {
            Attempt::Chunks(s) if attempt.proves_as_epoch() => {
                s.first().is_some_and(|f| f.root_in == self.ledger.root())
            }
            _ => false,
        }
    }

    /// The native engine on `ops` from the adversary's state.
    pub fn replay(&self, ops: &[Operation]) -> Result<Ledger, String> {
        let epoch = Epoch {
            epoch: self.ledger.epoch() + 1,
            prev_root: self.ledger.root(),
            ops: ops.to_vec(),
            ..self.epoch.clone()
        };
        self.ledger
            .apply_epoch(&epoch)
            .map(|(next, _)| next)
            .map_err(|e| e.to_string())
    }
}

/// Whether every account write is a leaf at all (the circuit reads the
/// leaf's elements; values beyond a field element's range cannot be set).
fn writes_fit(writes: &[Write]) -> bool {
    writes.iter().all(|w| match w {
        Write::Account(_, a) => a.positions.len() <= zksettle_circuits::rules::units::N_SLOTS,
        Write::Global(_) => true,
    })
}

fn apply_tamper(tamper: &LeafTamper, item: usize, writes: &mut [Write]) {
    let shift = |x: u64, delta: i64| x.checked_add_signed(delta).unwrap_or(x);
    match *tamper {
        LeafTamper::Cash {
            item: i,
            write,
            delta,
        } if i == item => {
            if let Some(Write::Account(_, a)) = writes.get_mut(write) {
                a.cash = shift(a.cash, delta);
            }
        }
        LeafTamper::Flag { item: i, write } if i == item => {
            if let Some(Write::Account(_, a)) = writes.get_mut(write) {
                a.flags ^= 1;
            }
        }
        LeafTamper::Quantity {
            item: i,
            write,
            delta,
        } if i == item => {
            if let Some(Write::Account(_, a)) = writes.get_mut(write) {
                if let Some(p) = a.positions.first_mut() {
                    p.qty += delta;
                }
            }
        }
        LeafTamper::BadDebt {
            item: i,
            write,
            delta,
        } if i == item => {
            if let Some(Write::Global(d)) = writes.get_mut(write) {
                *d = shift(*d, delta);
            }
        }
        LeafTamper::Order {
            item: i,
            write,
            slot,
            field,
            delta,
        } if i == item => {
            if let Some(Write::Account(_, a)) = writes.get_mut(write) {
                if let Some(o) = a.orders.get_mut(slot) {
                    match field {
                        0 => o.instrument = o.instrument.saturating_add_signed(delta as i32),
                        1 => o.qty += delta,
                        2 => o.limit = shift(o.limit, delta),
                        _ => o.expiry = shift(o.expiry, delta),
                    }
                }
            }
        }
        _ => {}
    }
}

/// The batch items of operations.
pub fn items_of(ops: &[Operation]) -> Vec<Item> {
    ops.iter().flat_map(Operation::batch_items).collect()
}

/// An item with element `at` replaced by `value`.
pub fn with_element(item: &Item, at: usize, value: F) -> Item {
    let mut out = *item;
    out[at] = value;
    out
}

/// A field element of a signed integer.
pub fn element(x: i64) -> F {
    F::from_noncanonical_i64(x)
}

/// The tag of an item.
pub fn tag_of(item: &Item) -> u64 {
    item[0].to_canonical_u64()
}
