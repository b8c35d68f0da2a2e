//! Benchmarks of `sqlx-spanner` and `sea-query-spanner`.
//!
//! - [`stub`]: an in-process Spanner gRPC server with canned answers, so that the client's
//!   own cost is measured with no database behind it (the "floor" benchmark,
//!   `cargo run --release -p spanner-benchmarks --bin floor`).
//! - [`measure`]: client CPU (with the stub's share taken out), allocations, wall time.
//! - [`report`]: rewrites one marked section of `docs/benchmarks.md`.
//! - [`requests`]: protobuf pieces of the bare gRPC clients.

pub mod measure;
pub mod report;
pub mod requests;
pub mod stub;
