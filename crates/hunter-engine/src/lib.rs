//! The application layer shared by the `hunter` CLI and (later) its server: settings, the scan
//! pipeline and file ingestion. It wires the pure core to the probe and the store.

pub mod config;
pub mod import;
pub mod jobs;
pub mod partner_center;
pub mod referral_sync;
pub mod rescore;
pub mod rules;
pub mod scan;
