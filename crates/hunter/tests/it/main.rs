//! End-to-end tests of the `hunter` binary: real SQLite files and a real PostgreSQL server, a
//! real DNS server on loopback serving fixture zones, a fake tenant-discovery endpoint.

mod cli;
mod import;
mod scan;
mod support;
