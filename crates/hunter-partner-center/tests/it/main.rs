//! The Partner Center I/O layer against the fakes in hunter-fixtures.

mod auth;
mod client;
mod support;
