//! Protobuf pieces the benchmarks' bare gRPC clients send.

use gcloud_googleapis::spanner::v1::{
    transaction_options, transaction_selector, TransactionOptions, TransactionSelector,
};

/// A strong single-use read-only transaction: what a point read outside a transaction uses.
pub fn single_use_strong() -> TransactionSelector {
    TransactionSelector {
        selector: Some(transaction_selector::Selector::SingleUse(
            TransactionOptions {
                mode: Some(transaction_options::Mode::ReadOnly(
                    transaction_options::ReadOnly {
                        timestamp_bound: Some(
                            transaction_options::read_only::TimestampBound::Strong(true),
                        ),
                        return_read_timestamp: false,
                    },
                )),
                ..TransactionOptions::default()
            },
        )),
    }
}
