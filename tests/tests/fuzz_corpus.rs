//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`) through the same
//! functions the fuzz targets run (`fuzz/src/lib.rs`), so CI, which has no fuzzer,
//! re-checks every interesting input the fuzzers found. No emulator needed.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod fuzz_targets;

use std::path::PathBuf;

/// Runs every file of `fuzz/corpus/<target>` through `run`; returns how many there were.
fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus {}: {e}", dir.display()));
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        let data =
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} panics", path.display());
        count += 1;
    }
    count
}

#[test]
fn lexer_corpus() {
    let n = replay("lexer", fuzz_targets::lexer);
    assert!(n >= 10, "the lexer corpus has only {n} inputs");
}

#[test]
fn translator_corpus() {
    let n = replay("translator", fuzz_targets::translator);
    assert!(n >= 10, "the translator corpus has only {n} inputs");
}

#[test]
fn value_decoder_corpus() {
    let n = replay("value_decoder", fuzz_targets::value_decoder);
    assert!(n >= 10, "the value decoder corpus has only {n} inputs");
}

/// The decoder's leak check is live: a marked string that fails to decode as an integer
/// must not appear in the error (and the check would see it if it did).
#[test]
fn value_decoder_checks_for_leaks() {
    use sqlx_spanner::sqlx_core::decode::Decode;
    use sqlx_spanner::sqlx_core::value::Value;
    use sqlx_spanner::{Spanner, SpannerType, SpannerTypeInfo, SpannerValue};
    let value = SpannerValue::new(
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StringValue(format!(
                "{}x",
                fuzz_targets::MARK
            ))),
        },
        SpannerTypeInfo::new(SpannerType::Int64),
    );
    let err = <i64 as Decode<Spanner>>::decode(value.as_ref()).expect_err("not an integer");
    let text = format!("{err} {err:?}");
    assert!(text.contains("INT64"), "{text}");
    assert!(!text.contains(fuzz_targets::MARK), "{text}");
}
