//! The HTTP API end to end (`contract.md` §4): every route, its errors, jobs, exports and a
//! restart in the middle of a job. One test binary, so it links once.

mod basics;
mod ingest;
mod leads;
mod openapi;
mod referrals;
mod restart;
mod scan;
mod signin;
mod support;
mod team;
