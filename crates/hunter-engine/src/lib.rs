//! The application layer shared by the `hunter` CLI and its server: settings, the scan pipeline,
//! file ingestion, jobs and their schedules. It wires the pure core to the probe and the store.

pub mod api_keys;
pub mod config;
pub mod import;
pub mod jobs;
pub mod partner_center;
pub mod referral_sync;
pub mod rescan;
pub mod rescore;
pub mod rules;
pub mod scan;
