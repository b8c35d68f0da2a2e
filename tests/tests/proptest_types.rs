//! Property tests: every type survives a round trip through the emulator
//! (bind -> `SELECT @p1, @p2, ..` -> decode) with the exact value it was bound with.
//!
//! The emulator is slow, so each property runs few cases (`CASES`), binds several values
//! per statement, and each test uses its own database. A failing case is shrunk only a
//! little (`MAX_SHRINK_ITERS`) for the same reason.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rust_decimal::Decimal;
use sqlx::decode::Decode;
use sqlx::encode::Encode;
use sqlx::types::{Json, Type};
use sqlx::{AssertSqlSafe, Row};
use sqlx_spanner::{Spanner, SpannerPool, SpannerRow};
use tokio::runtime::Runtime;

/// Cases per property (each is one statement on the emulator).
const CASES: u32 = 32;
/// Shrinking runs statements too: keep it short.
const MAX_SHRINK_ITERS: u32 = 32;
/// Values bound per statement.
const BATCH: usize = 8;
/// Bound on every statement, so a hang fails the test.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(120);

/// A runtime and a pool on a fresh database, shared by the cases of one test.
struct Emulator {
    runtime: Runtime,
    pool: SpannerPool,
}

impl Emulator {
    fn new(prefix: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let pool = runtime.block_on(async {
            tokio::time::timeout(STATEMENT_TIMEOUT, spanner_tests::pool(prefix))
                .await
                .expect("connecting to the emulator timed out")
        });
        Emulator { runtime, pool }
    }

    /// Runs `fut` on the runtime, failing the case if it does not finish in time.
    fn block<T>(&self, fut: impl Future<Output = T>) -> Result<T, TestCaseError> {
        self.runtime
            .block_on(async { tokio::time::timeout(STATEMENT_TIMEOUT, fut).await })
            .map_err(|_| TestCaseError::fail("statement timed out"))
    }

    /// Checks `property` on `cases` values of `strategy` (or `PROPTEST_CASES`, for a longer
    /// local run); panics with the (shrunk) failing value.
    fn check<S: Strategy>(
        &self,
        cases: u32,
        strategy: S,
        property: impl Fn(&Self, S::Value) -> Result<(), TestCaseError>,
    ) {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases);
        let config = Config {
            cases,
            max_shrink_iters: MAX_SHRINK_ITERS,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        if let Err(e) = runner.run(&strategy, |value| property(self, value)) {
            panic!("{e}");
        }
    }

    /// `SELECT @p1, .., @pN` with `values` bound; returns the row.
    fn select<T>(&self, values: &[T]) -> Result<SpannerRow, TestCaseError>
    where
        T: for<'q> Encode<'q, Spanner> + Type<Spanner> + Clone + Send + 'static,
    {
        let columns = (1..=values.len())
            .map(|i| format!("@p{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = sqlx::query(AssertSqlSafe(format!("SELECT {columns}")));
        for value in values {
            query = query.bind(value.clone());
        }
        self.block(query.fetch_one(&self.pool))?
            .map_err(|e| TestCaseError::fail(format!("query failed: {e}")))
    }

    /// Binds `values` and decodes every column back as `T`.
    fn round_trip<T>(&self, values: &[T]) -> Result<Vec<T>, TestCaseError>
    where
        T: for<'q> Encode<'q, Spanner>
            + for<'r> Decode<'r, Spanner>
            + Type<Spanner>
            + Clone
            + Send
            + 'static,
    {
        let row = self.select(values)?;
        decode_all(&row, values.len())
    }
}

/// Decodes columns `0..n` of `row` as `T`.
fn decode_all<T>(row: &SpannerRow, n: usize) -> Result<Vec<T>, TestCaseError>
where
    T: for<'r> Decode<'r, Spanner> + Type<Spanner>,
{
    (0..n)
        .map(|i| {
            row.try_get::<T, _>(i)
                .map_err(|e| TestCaseError::fail(format!("decode column {i}: {e}")))
        })
        .collect()
}

fn batch<S: Strategy>(element: S) -> impl Strategy<Value = Vec<S::Value>> {
    proptest::collection::vec(element, 1..=BATCH)
}

// ---------------------------------------------------------------------------------------
// NUMERIC
// ---------------------------------------------------------------------------------------

/// A NUMERIC as text: up to 29 integer and 9 fractional digits (38 significant), often
/// at the full width.
fn numeric_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just(29_usize), 0_usize..=29],
        prop_oneof![Just(9_usize), 0_usize..=9],
        proptest::collection::vec(0_u8..10, 38),
    )
        .prop_map(|(negative, int_len, frac_len, digits)| {
            let digit = |d: &u8| char::from(b'0' + d);
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            if int_len == 0 {
                text.push('0');
            }
            text.extend(digits[..int_len].iter().map(digit));
            if frac_len > 0 {
                text.push('.');
                text.extend(digits[int_len..int_len + frac_len].iter().map(digit));
            }
            text
        })
}

#[test]
fn numeric_round_trips_exactly() {
    let emu = Emulator::new("pnum");
    emu.check(CASES, batch(numeric_text()), |emu, texts| {
        let values: Vec<BigDecimal> = texts
            .iter()
            .map(|t| BigDecimal::from_str(t).expect("generated NUMERIC text"))
            .collect();
        let row = emu.select(&values)?;
        let back: Vec<BigDecimal> = decode_all(&row, values.len())?;
        prop_assert_eq!(&back, &values);
        // As text: Spanner's exact decimal spelling.
        let text: Vec<String> = decode_all(&row, values.len())?;
        for (text, value) in text.iter().zip(&values) {
            prop_assert!(!text.contains(['e', 'E']), "{} is not plain decimal", text);
            prop_assert_eq!(&BigDecimal::from_str(text).expect("NUMERIC text"), value);
        }
        // As Decimal: exact, or an error when it has more digits than Decimal holds.
        for (i, value) in values.iter().enumerate() {
            match row.try_get::<Decimal, _>(i) {
                Ok(d) => prop_assert_eq!(&BigDecimal::from_str(&d.to_string()).unwrap(), value),
                // rust_decimal's own exact parser is the oracle: it refuses exactly the
                // values a Decimal cannot hold without rounding (e.g. 29 digits above
                // Decimal::MAX, or 38 significant digits).
                Err(sqlx::Error::ColumnDecode { .. }) => prop_assert!(
                    Decimal::from_str_exact(&value.normalized().to_plain_string()).is_err(),
                    "{} fits a Decimal but did not decode",
                    value
                ),
                Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
            }
        }
        Ok(())
    });
}

/// Any `Decimal` (up to 28 fractional digits).
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (-(1_i128 << 96) + 1..(1_i128 << 96), 0_u32..=28)
        .prop_map(|(mantissa, scale)| Decimal::from_i128_with_scale(mantissa, scale))
}

#[test]
fn decimal_round_trips_or_is_an_encode_error() {
    let emu = Emulator::new("pdec");
    emu.check(CASES, batch(any_decimal()), |emu, values| {
        let (fits, too_precise): (Vec<Decimal>, Vec<Decimal>) =
            values.into_iter().partition(|d| d.normalize().scale() <= 9);
        if !fits.is_empty() {
            let back = emu.round_trip(&fits)?;
            prop_assert_eq!(back, fits);
        }
        for value in too_precise {
            let result = emu.block(
                sqlx::query_scalar::<_, Decimal>("SELECT @p1")
                    .bind(value)
                    .fetch_one(&emu.pool),
            )?;
            prop_assert!(
                matches!(result, Err(sqlx::Error::Encode(_))),
                "{} must not be rounded: {:?}",
                value,
                result
            );
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// TIMESTAMP and DATE
// ---------------------------------------------------------------------------------------

/// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, Spanner's TIMESTAMP range.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_799;

fn any_timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    let seconds = prop_oneof![
        Just(MIN_SECONDS),
        Just(MAX_SECONDS),
        Just(0_i64),
        MIN_SECONDS..=MAX_SECONDS
    ];
    let nanos = prop_oneof![Just(0_u32), Just(999_999_999_u32), 0_u32..1_000_000_000];
    (seconds, nanos).prop_map(|(s, n)| DateTime::from_timestamp(s, n).expect("in Spanner's range"))
}

#[test]
fn timestamps_round_trip_with_nanoseconds() {
    let emu = Emulator::new("pts");
    emu.check(CASES, batch(any_timestamp()), |emu, values| {
        // chrono in, chrono and time out.
        let row = emu.select(&values)?;
        let back: Vec<DateTime<Utc>> = decode_all(&row, values.len())?;
        prop_assert_eq!(&back, &values);
        let as_time: Vec<time::OffsetDateTime> = decode_all(&row, values.len())?;
        for (t, c) in as_time.iter().zip(&values) {
            prop_assert_eq!(
                t.unix_timestamp_nanos(),
                i128::from(c.timestamp()) * 1_000_000_000 + i128::from(c.timestamp_subsec_nanos())
            );
        }
        // time in, time out.
        let back = emu.round_trip(&as_time)?;
        prop_assert_eq!(back, as_time);
        Ok(())
    });
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).expect("0001-01-01");
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).expect("9999-12-31");
    let days = (last - first).num_days();
    prop_oneof![Just(0), Just(days), 0..=days].prop_map(move |d| first + chrono::Duration::days(d))
}

#[test]
fn dates_round_trip() {
    let emu = Emulator::new("pdate");
    emu.check(CASES, batch(any_date()), |emu, values| {
        let row = emu.select(&values)?;
        let back: Vec<NaiveDate> = decode_all(&row, values.len())?;
        prop_assert_eq!(&back, &values);
        let as_time: Vec<time::Date> = decode_all(&row, values.len())?;
        for (t, c) in as_time.iter().zip(&values) {
            prop_assert_eq!(t.to_string(), c.format("%Y-%m-%d").to_string());
        }
        let back = emu.round_trip(&as_time)?;
        prop_assert_eq!(back, as_time);
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// INT64, FLOAT64, FLOAT32, BOOL
// ---------------------------------------------------------------------------------------

#[test]
fn int64_round_trips() {
    let emu = Emulator::new("pint");
    let value = prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
        any::<i64>(),
        any::<i32>().prop_map(i64::from),
    ];
    emu.check(CASES, batch(value), |emu, values| {
        let back = emu.round_trip(&values)?;
        prop_assert_eq!(back, values);
        Ok(())
    });
}

/// Same value, NaN included (its payload is not kept: any NaN equals any NaN).
fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[test]
fn floats_round_trip() {
    let emu = Emulator::new("pfloat");
    let pair = (proptest::num::f64::ANY, proptest::num::f32::ANY);
    emu.check(CASES, batch(pair), |emu, pairs| {
        let f64s: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let f32s: Vec<f32> = pairs.iter().map(|p| p.1).collect();
        let back = emu.round_trip(&f64s)?;
        for (b, v) in back.iter().zip(&f64s) {
            prop_assert!(same_float(*b, *v), "f64 {:e} came back as {:e}", v, b);
        }
        let back = emu.round_trip(&f32s)?;
        for (b, v) in back.iter().zip(&f32s) {
            prop_assert!(
                same_float(f64::from(*b), f64::from(*v)),
                "f32 {:e} came back as {:e}",
                v,
                b
            );
        }
        Ok(())
    });
}

#[test]
fn bools_and_bytes_round_trip() {
    let emu = Emulator::new("pbytes");
    let bytes = proptest::collection::vec(any::<u8>(), 0..1024);
    emu.check(
        CASES,
        (batch(bytes), batch(any::<bool>())),
        |emu, (bytes, bools)| {
            let back = emu.round_trip(&bytes)?;
            prop_assert_eq!(back, bytes);
            let back = emu.round_trip(&bools)?;
            prop_assert_eq!(back, bools);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// STRING
// ---------------------------------------------------------------------------------------

/// Any Unicode text (control characters, NUL, astral planes included).
fn any_text(max_chars: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max_chars).prop_map(String::from_iter)
}

#[test]
fn strings_round_trip() {
    let emu = Emulator::new("pstr");
    emu.check(CASES, batch(any_text(200)), |emu, values| {
        let back = emu.round_trip(&values)?;
        prop_assert_eq!(back, values);
        Ok(())
    });
}

/// Spanner's STRING limit (10 MiB): 2,621,440 characters.
const MAX_STRING_CHARS: usize = 2_621_440;

/// A huge string whose `Debug` shows its size, not megabytes of text.
#[derive(Clone)]
struct Huge(String);

impl std::fmt::Debug for Huge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head: String = self.0.chars().take(16).collect();
        write!(
            f,
            "Huge({} chars, {} bytes, starting {head:?})",
            self.0.chars().count(),
            self.0.len()
        )
    }
}

#[test]
fn huge_strings_round_trip() {
    let emu = Emulator::new("phuge");
    // A random unicode chunk repeated up to the STRING limit; few cases, one value each.
    let huge = (any_text(64), 1_000_000_usize..=MAX_STRING_CHARS).prop_map(|(chunk, len)| {
        let chunk = if chunk.is_empty() {
            "x".to_string()
        } else {
            chunk
        };
        Huge(chunk.chars().cycle().take(len).collect::<String>())
    });
    let huge = prop_oneof![
        Just(Huge(
            "é🦀"
                .chars()
                .cycle()
                .take(MAX_STRING_CHARS)
                .collect::<String>()
        )),
        huge
    ];
    emu.check(3, huge, |emu, Huge(value)| {
        let chars = value.chars().count();
        let row = emu
            .block(
                sqlx::query("SELECT @p1, CHAR_LENGTH(@p1)")
                    .bind(&value)
                    .fetch_one(&emu.pool),
            )?
            .map_err(|e| TestCaseError::fail(format!("{chars} chars: {e}")))?;
        let back: String = row.get(0);
        let server_chars: i64 = row.get(1);
        prop_assert_eq!(usize::try_from(server_chars).unwrap(), chars);
        prop_assert!(back == value, "a {}-char string came back different", chars);
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// JSON values: integers in the range Spanner keeps exactly, finite floats, unicode
/// strings and keys, nested arrays and objects.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        proptest::num::f64::NORMAL.prop_map(Value::from),
        any_text(16).prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(any_text(8), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Whether two floats are at most a few units in the last place apart.
fn within_few_ulps(a: f64, b: f64) -> bool {
    a == b || (a.signum() == b.signum() && a.to_bits().abs_diff(b.to_bits()) <= 4)
}

/// JSON equality where numbers compare by value (`1.0` and `1` are the same number) and
/// floats may differ in the last places: Spanner normalizes JSON numbers, printing doubles
/// with 17 significant digits, and the emulator was seen to move a double by one ulp
/// (`3.162542580034157e224` came back as `3.1625425800341573e224`) and, at extreme
/// exponents, by two (`9.275201990328307e-259` came back as `9.275201990328309e-259`).
/// The driver sends JSON as text; the emulator's number parsing does this.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || ((x.is_f64() || y.is_f64())
                    && x.as_f64()
                        .zip(y.as_f64())
                        .is_some_and(|(x, y)| within_few_ulps(x, y)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn json_round_trips() {
    let emu = Emulator::new("pjson");
    emu.check(CASES, batch(any_json()), |emu, values| {
        let wrapped: Vec<Json<serde_json::Value>> = values.iter().cloned().map(Json).collect();
        let back = emu.round_trip(&wrapped)?;
        for (b, v) in back.iter().zip(&values) {
            prop_assert!(same_json(&b.0, v), "{} came back as {}", v, b.0);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// ARRAY with NULL elements
// ---------------------------------------------------------------------------------------

fn array_of<S: Strategy>(element: S) -> impl Strategy<Value = Option<Vec<Option<S::Value>>>> {
    proptest::option::weighted(
        0.9,
        proptest::collection::vec(proptest::option::weighted(0.7, element), 0..6),
    )
}

#[test]
fn arrays_with_null_elements_round_trip() {
    let emu = Emulator::new("parr");
    let numeric = numeric_text().prop_map(|t| BigDecimal::from_str(&t).expect("NUMERIC"));
    let strategy = (
        array_of(any::<i64>()),
        array_of(any_text(16)),
        array_of(numeric),
        array_of(proptest::num::f64::ANY),
        array_of(proptest::collection::vec(any::<u8>(), 0..16)),
        array_of(any_timestamp()),
        array_of(any_date()),
        array_of(any::<bool>()),
    );
    emu.check(
        CASES,
        strategy,
        |emu, (ints, texts, nums, floats, bytes, stamps, dates, bools)| {
            let query = sqlx::query("SELECT @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8")
                .bind(ints.clone())
                .bind(texts.clone())
                .bind(nums.clone())
                .bind(floats.clone())
                .bind(bytes.clone())
                .bind(stamps.clone())
                .bind(dates.clone())
                .bind(bools.clone());
            let row = emu
                .block(query.fetch_one(&emu.pool))?
                .map_err(|e| TestCaseError::fail(format!("query failed: {e}")))?;
            prop_assert_eq!(row.try_get::<Option<Vec<Option<i64>>>, _>(0).unwrap(), ints);
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<String>>>, _>(1).unwrap(),
                texts
            );
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<BigDecimal>>>, _>(2)
                    .unwrap(),
                nums
            );
            let back = row.try_get::<Option<Vec<Option<f64>>>, _>(3).unwrap();
            prop_assert_eq!(back.as_ref().map(Vec::len), floats.as_ref().map(Vec::len));
            for (b, v) in back.iter().flatten().zip(floats.iter().flatten()) {
                match (b, v) {
                    (Some(b), Some(v)) => prop_assert!(same_float(*b, *v), "{:e} vs {:e}", b, v),
                    (b, v) => prop_assert_eq!(b.is_none(), v.is_none()),
                }
            }
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<Vec<u8>>>>, _>(4).unwrap(),
                bytes
            );
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<DateTime<Utc>>>>, _>(5)
                    .unwrap(),
                stamps
            );
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<NaiveDate>>>, _>(6).unwrap(),
                dates
            );
            prop_assert_eq!(
                row.try_get::<Option<Vec<Option<bool>>>, _>(7).unwrap(),
                bools
            );
            Ok(())
        },
    );
}
