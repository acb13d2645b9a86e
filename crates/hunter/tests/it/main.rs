//! End-to-end tests of the `hunter` binary: real SQLite files and a real PostgreSQL server, a
//! real DNS server on loopback serving fixture zones, a fake tenant-discovery endpoint, a fake Entra sign-in.

mod cli;
mod import;
mod partner_center;
mod rescan;
mod scan;
mod support;
mod team;
mod workers;
