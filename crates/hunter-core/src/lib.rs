//! Hunter's pure domain logic. Nothing here performs I/O or knows about tokio, SQL or HTTP:
//! the probe hands in raw DNS answers ([`dns::RawDns`]), [`analysis::analyze`] turns them into
//! [`model::Signals`], and [`score::score`] turns signals plus the rules file into a [`model::Score`].

pub mod access;
pub mod analysis;
pub mod dns;
pub mod domain;
pub mod lang;
pub mod mask;
pub mod model;
pub mod referral;
pub mod rules;
pub mod score;
pub mod search;
pub mod tables;

pub use domain::{Domain, DomainError, InputFields};
pub use lang::{Lang, Text};
pub use model::{Provider, ScanStatus, Score, Signals};
