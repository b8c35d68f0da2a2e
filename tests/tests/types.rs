//! Every GoogleSQL type in both directions (bound parameter -> column -> decoded value)
//! against the emulator, including NULLs, extremes and arrays.

use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use spanner_tests::pool_with_schema;
use sqlx::decode::Decode;
use sqlx::encode::Encode;
use sqlx::types::{Json, Type};
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo};
use sqlx_spanner::types::SpannerStruct;
use sqlx_spanner::{Spanner, SpannerPool};

/// One table with a column (and an ARRAY column) of every type; each round trip writes
/// one column of a fresh row.
const ALL_TYPES: &str = "CREATE TABLE AllTypes (
    Id INT64 NOT NULL,
    CBool BOOL,
    CInt INT64,
    CF64 FLOAT64,
    CF32 FLOAT32,
    CNum NUMERIC,
    CStr STRING(MAX),
    CBytes BYTES(MAX),
    CDate DATE,
    CTs TIMESTAMP,
    CJson JSON,
    CUuidStr STRING(36),
    ABool ARRAY<BOOL>,
    AInt ARRAY<INT64>,
    AF64 ARRAY<FLOAT64>,
    AF32 ARRAY<FLOAT32>,
    ANum ARRAY<NUMERIC>,
    AStr ARRAY<STRING(MAX)>,
    ABytes ARRAY<BYTES(MAX)>,
    ADate ARRAY<DATE>,
    ATs ARRAY<TIMESTAMP>,
    AJson ARRAY<JSON>,
) PRIMARY KEY (Id)";

static NEXT_ID: AtomicI64 = AtomicI64::new(1);

async fn pool(prefix: &str) -> SpannerPool {
    pool_with_schema(prefix, &[ALL_TYPES]).await
}

/// Writes `value` into `column` of a new row; returns the row id.
async fn insert<T>(pool: &SpannerPool, column: &str, value: T) -> i64
where
    T: for<'q> Encode<'q, Spanner> + Type<Spanner> + Send + 'static,
{
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let sql = format!("INSERT INTO AllTypes (Id, {column}) VALUES (@p1, @p2)");
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .bind(value)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("insert into {column}: {e}"));
    assert_eq!(done.rows_affected(), 1);
    id
}

/// Reads `expr` (a column or an SQL expression over the row) of row `id`.
async fn select<T>(pool: &SpannerPool, expr: &str, id: i64) -> T
where
    T: for<'r> Decode<'r, Spanner> + Type<Spanner> + Send + Unpin + 'static,
{
    let sql = format!("SELECT {expr} FROM AllTypes WHERE Id = @p1");
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("select {expr}: {e}"))
}

/// Inserts `value` into `column` and reads it back as the same Rust type.
async fn roundtrip<T>(pool: &SpannerPool, column: &str, value: T) -> T
where
    T: for<'q> Encode<'q, Spanner>
        + for<'r> Decode<'r, Spanner>
        + Type<Spanner>
        + Send
        + Unpin
        + 'static,
{
    let id = insert(pool, column, value).await;
    select(pool, column, id).await
}

/// Round trip asserting equality.
async fn check<T>(pool: &SpannerPool, column: &str, value: T)
where
    T: for<'q> Encode<'q, Spanner>
        + for<'r> Decode<'r, Spanner>
        + Type<Spanner>
        + Send
        + Unpin
        + Clone
        + PartialEq
        + std::fmt::Debug
        + 'static,
{
    let back = roundtrip(pool, column, value.clone()).await;
    assert_eq!(back, value, "round trip through {column}");
}

/// A typed NULL (`Option::<T>::None`) is written and read back as `None`.
async fn check_null<T>(pool: &SpannerPool, column: &str)
where
    T: for<'q> Encode<'q, Spanner>
        + for<'r> Decode<'r, Spanner>
        + Type<Spanner>
        + Send
        + Unpin
        + std::fmt::Debug
        + 'static,
{
    let back = roundtrip(pool, column, Option::<T>::None).await;
    assert!(
        back.is_none(),
        "NULL through {column} came back as {back:?}"
    );
}

#[tokio::test]
async fn bool_and_int64() {
    let pool = pool("tint").await;
    check(&pool, "CBool", true).await;
    check(&pool, "CBool", false).await;
    check_null::<bool>(&pool, "CBool").await;

    for v in [0_i64, 1, -1, i64::MIN, i64::MAX] {
        check(&pool, "CInt", v).await;
    }
    check_null::<i64>(&pool, "CInt").await;
    check(&pool, "CInt", Some(-5_i64)).await;

    // The server sees the exact value (not a float-rounded one).
    let id = insert(&pool, "CInt", i64::MAX).await;
    let exact: bool = select(&pool, "CInt = 9223372036854775807", id).await;
    assert!(exact);
    let id = insert(&pool, "CInt", i64::MIN).await;
    let text: String = select(&pool, "CAST(CInt AS STRING)", id).await;
    assert_eq!(text, "-9223372036854775808");

    // Narrower integers and u64 within range.
    check(&pool, "CInt", i32::MIN).await;
    check(&pool, "CInt", u32::MAX).await;
    check(&pool, "CInt", i8::MAX).await;
    check(&pool, "CInt", i64::MAX as u64).await;
}

#[tokio::test]
async fn narrowing_decode_is_range_checked() {
    let pool = pool("tnarrow").await;
    let id = insert(&pool, "CInt", 2_000_000_000_i64).await;
    let ok: i32 = select(&pool, "CInt", id).await;
    assert_eq!(ok, 2_000_000_000);

    let id = insert(&pool, "CInt", 3_000_000_000_i64).await;
    let err = sqlx::query_scalar::<_, i32>("SELECT CInt FROM AllTypes WHERE Id = @p1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect_err("3e9 must not decode as i32");
    match &err {
        sqlx::Error::ColumnDecode { source, .. } => {
            assert!(source.to_string().contains("out of range"), "{source}");
        }
        other => panic!("expected ColumnDecode, got {other:?}"),
    }
    // The same value is fine as i64 / u32; -1 is not a u64 / u8.
    let wide: u32 = select(&pool, "CInt", id).await;
    assert_eq!(wide, 3_000_000_000);
    // Element-wise in arrays too.
    let small: Vec<i16> = sqlx::query_scalar("SELECT [1, -32768, 32767]")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(small, [1, i16::MIN, i16::MAX]);
    let err = sqlx::query_scalar::<_, Vec<i16>>("SELECT [1, 32768]")
        .fetch_one(&pool)
        .await
        .expect_err("32768 is not an i16");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
    let err = sqlx::query_scalar::<_, u64>("SELECT -1")
        .fetch_one(&pool)
        .await
        .expect_err("-1 must not decode as u64");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
    let err = sqlx::query_scalar::<_, u8>("SELECT 256")
        .fetch_one(&pool)
        .await
        .expect_err("256 must not decode as u8");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
}

#[tokio::test]
async fn u64_above_i64_max_fails_to_encode() {
    let pool = pool("tu64").await;
    let err = sqlx::query("INSERT INTO AllTypes (Id, CInt) VALUES (@p1, @p2)")
        .bind(1_i64)
        .bind(u64::MAX)
        .execute(&pool)
        .await
        .expect_err("u64::MAX does not fit INT64");
    assert!(matches!(err, sqlx::Error::Encode(_)), "{err:?}");
    // The message names the types, not the value.
    assert!(!err.to_string().contains("18446744073709551615"), "{err}");
    assert!(err.to_string().contains("INT64"), "{err}");
    let err = sqlx::query_scalar::<_, i64>("SELECT @p1")
        .bind(i64::MAX as u64 + 1)
        .fetch_one(&pool)
        .await
        .expect_err("i64::MAX + 1 does not fit INT64");
    assert!(matches!(err, sqlx::Error::Encode(_)), "{err:?}");
    // Nothing was written.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM AllTypes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn float64_extremes() {
    let pool = pool("tf64").await;
    for v in [
        0.0_f64,
        1.5,
        -2.25,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::from_bits(1), // smallest subnormal
        f64::MIN_POSITIVE / 4.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        std::f64::consts::PI,
    ] {
        let back = roundtrip(&pool, "CF64", v).await;
        assert_eq!(back.to_bits(), v.to_bits(), "{v:e} came back as {back:e}");
    }
    let back = roundtrip(&pool, "CF64", f64::NAN).await;
    assert!(back.is_nan());
    let back = roundtrip(&pool, "CF64", -0.0_f64).await;
    assert_eq!(back, 0.0);
    assert!(back.is_sign_negative(), "-0.0 lost its sign");
    check_null::<f64>(&pool, "CF64").await;

    // The server sees the special values as what they are.
    let id = insert(&pool, "CF64", f64::NAN).await;
    assert!(select::<bool>(&pool, "IS_NAN(CF64)", id).await);
    let id = insert(&pool, "CF64", f64::NEG_INFINITY).await;
    assert!(select::<bool>(&pool, "IS_INF(CF64) AND CF64 < 0", id).await);
}

#[tokio::test]
async fn float32_extremes() {
    let pool = pool("tf32").await;
    for v in [
        0.0_f32,
        1.5,
        -2.25,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::from_bits(1), // smallest subnormal
        f32::MIN_POSITIVE / 8.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.1,
        std::f32::consts::E,
    ] {
        let back = roundtrip(&pool, "CF32", v).await;
        assert_eq!(back.to_bits(), v.to_bits(), "{v:e} came back as {back:e}");
    }
    let back = roundtrip(&pool, "CF32", f32::NAN).await;
    assert!(back.is_nan());
    let back = roundtrip(&pool, "CF32", -0.0_f32).await;
    assert!(back == 0.0 && back.is_sign_negative(), "-0.0 lost its sign");
    check_null::<f32>(&pool, "CF32").await;

    // A FLOAT32 column also reads as f64 (widening is exact).
    let id = insert(&pool, "CF32", 0.1_f32).await;
    let wide: f64 = select(&pool, "CF32", id).await;
    assert_eq!(wide, f64::from(0.1_f32));
}

#[tokio::test]
async fn numeric_bigdecimal_and_decimal() {
    let pool = pool("tnum").await;
    let max = "99999999999999999999999999999.999999999";
    let min = "-99999999999999999999999999999.999999999";
    for text in [
        max,
        min,
        "0",
        "0.000000001",
        "-0.000000001",
        "123456789.123456789",
        "1e20",
    ] {
        let v = BigDecimal::from_str(text).unwrap();
        let id = insert(&pool, "CNum", v.clone()).await;
        let back: BigDecimal = select(&pool, "CNum", id).await;
        assert_eq!(back, v, "{text}");
        // What the server stored, in its own words.
        let stored: String = select(&pool, "CAST(CNum AS STRING)", id).await;
        assert_eq!(
            BigDecimal::from_str(&stored).unwrap(),
            v,
            "{text} stored as {stored}"
        );
    }
    check_null::<BigDecimal>(&pool, "CNum").await;

    for v in [
        Decimal::MAX,
        Decimal::MIN,
        Decimal::ZERO,
        Decimal::from_str("12345678901234567890.123456789").unwrap(),
        Decimal::from_str("-0.000000001").unwrap(),
        Decimal::from_str("1.500000000").unwrap(),
    ] {
        check(&pool, "CNum", v).await;
    }
    check_null::<Decimal>(&pool, "CNum").await;

    // NUMERIC's maximum does not fit a Decimal: an error, not a panic or a rounded value.
    let id = insert(&pool, "CNum", BigDecimal::from_str(max).unwrap()).await;
    let err = sqlx::query_scalar::<_, Decimal>("SELECT CNum FROM AllTypes WHERE Id = @p1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect_err("NUMERIC max does not fit Decimal");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");

    // More than 9 fractional digits or more than 29 integer digits: an encode error (see
    // `numeric_out_of_range_is_an_encode_error`), nothing is rounded.
}

#[tokio::test]
async fn strings_and_bytes() {
    let pool = pool("tstr").await;
    let multi = "héllo wörld ✓ 日本語 🦀 \u{0}\n\t'\"\\";
    for s in ["", "plain", multi] {
        check(&pool, "CStr", s.to_string()).await;
    }
    let id = insert(&pool, "CStr", multi).await;
    let chars: i64 = select(&pool, "CHAR_LENGTH(CStr)", id).await;
    assert_eq!(chars, multi.chars().count() as i64);
    let bytes: i64 = select(&pool, "BYTE_LENGTH(CStr)", id).await;
    assert_eq!(bytes, multi.len() as i64);
    check_null::<String>(&pool, "CStr").await;

    let all: Vec<u8> = (0..=255).collect();
    check(&pool, "CBytes", all.clone()).await;
    check(&pool, "CBytes", Vec::<u8>::new()).await;
    check(&pool, "CBytes", vec![0_u8]).await;
    // Bound as a borrowed slice.
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    sqlx::query("INSERT INTO AllTypes (Id, CBytes) VALUES (@p1, @p2)")
        .bind(id)
        .bind(&all[..])
        .execute(&pool)
        .await
        .unwrap();
    let len: i64 = select(&pool, "BYTE_LENGTH(CBytes)", id).await;
    assert_eq!(len, 256);
    let hex: String = select(&pool, "TO_HEX(CBytes)", id).await;
    assert!(
        hex.starts_with("000102") && hex.ends_with("fdfeff"),
        "{hex}"
    );
    check_null::<Vec<u8>>(&pool, "CBytes").await;
    // The empty value is not NULL.
    let id = insert(&pool, "CBytes", Vec::<u8>::new()).await;
    assert!(!select::<bool>(&pool, "CBytes IS NULL", id).await);
    let id = insert(&pool, "CStr", "").await;
    assert!(!select::<bool>(&pool, "CStr IS NULL", id).await);
}

#[tokio::test]
async fn dates() {
    let pool = pool("tdate").await;
    for (y, m, d) in [(1, 1, 1), (9999, 12, 31), (2024, 2, 29), (1970, 1, 1)] {
        let v = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let id = insert(&pool, "CDate", v).await;
        assert_eq!(select::<NaiveDate>(&pool, "CDate", id).await, v);
        let text: String = select(&pool, "CAST(CDate AS STRING)", id).await;
        assert_eq!(text, format!("{y:04}-{m:02}-{d:02}"));
        // The same column through the `time` crate.
        let t: time::Date = select(&pool, "CDate", id).await;
        assert_eq!(
            (t.year(), u8::from(t.month()), t.day()),
            (y, m as u8, d as u8)
        );
    }
    for v in [
        time::macros::date!(0001 - 01 - 01),
        time::macros::date!(9999 - 12 - 31),
        time::macros::date!(2000 - 02 - 29),
    ] {
        check(&pool, "CDate", v).await;
    }
    check_null::<NaiveDate>(&pool, "CDate").await;
    check_null::<time::Date>(&pool, "CDate").await;
}

#[tokio::test]
async fn timestamps_keep_nanoseconds() {
    let pool = pool("tts").await;
    let nanos = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456789Z")
        .unwrap()
        .with_timezone(&Utc);
    for v in [
        nanos,
        DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        DateTime::parse_from_rfc3339("9999-12-31T23:59:59.999999999Z")
            .unwrap()
            .with_timezone(&Utc),
        DateTime::parse_from_rfc3339("1969-12-31T23:59:59.000000001Z")
            .unwrap()
            .with_timezone(&Utc),
    ] {
        check(&pool, "CTs", v).await;
    }
    let id = insert(&pool, "CTs", nanos).await;
    let back: DateTime<Utc> = select(&pool, "CTs", id).await;
    assert_eq!(back.nanosecond(), 123_456_789);
    // The server stored all nine digits.
    let text: String = select(
        &pool,
        "FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E9S', CTs, 'UTC')",
        id,
    )
    .await;
    assert_eq!(text, "2024-05-06T07:08:09.123456789");
    // Read through the other representations.
    let naive: NaiveDateTime = select(&pool, "CTs", id).await;
    assert_eq!(naive, nanos.naive_utc());
    let odt: time::OffsetDateTime = select(&pool, "CTs", id).await;
    assert_eq!(odt.nanosecond(), 123_456_789);
    assert_eq!(odt.unix_timestamp(), nanos.timestamp());

    // A timestamp with a non-UTC offset is the same instant.
    let offset = DateTime::parse_from_rfc3339("2024-05-06T09:08:09.000000001+02:00").unwrap();
    let back: DateTime<Utc> = roundtrip(&pool, "CTs", offset.with_timezone(&Utc)).await;
    assert_eq!(back, offset);

    check(&pool, "CTs", nanos.naive_utc()).await;
    let v = time::macros::datetime!(2024-05-06 07:08:09.987654321 UTC);
    check(&pool, "CTs", v).await;
    let back: time::OffsetDateTime = roundtrip(
        &pool,
        "CTs",
        time::macros::datetime!(2024-05-06 09:08:09.5 +02:00),
    )
    .await;
    assert_eq!(back, time::macros::datetime!(2024-05-06 07:08:09.5 UTC));
    check(
        &pool,
        "CTs",
        time::macros::datetime!(0001-01-01 00:00:00 UTC),
    )
    .await;
    check(
        &pool,
        "CTs",
        time::macros::datetime!(9999-12-31 23:59:59.999999999 UTC),
    )
    .await;

    let prim = time::macros::datetime!(2001-02-03 04:05:06.000000789);
    check(&pool, "CTs", prim).await;
    let fixed = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456789-05:30").unwrap();
    let id = insert(&pool, "CTs", fixed).await;
    let back: DateTime<chrono::FixedOffset> = select(&pool, "CTs", id).await;
    assert_eq!(back, fixed, "same instant");
    assert_eq!(back.offset().local_minus_utc(), 0, "read back in UTC");

    check_null::<DateTime<Utc>>(&pool, "CTs").await;
    check_null::<NaiveDateTime>(&pool, "CTs").await;
    check_null::<time::OffsetDateTime>(&pool, "CTs").await;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
    age: u32,
    tags: Vec<String>,
    nested: Option<Box<Profile>>,
}

#[tokio::test]
async fn json_values() {
    let pool = pool("tjson").await;
    for v in [
        serde_json::json!({"a": 1, "b": [true, null, "x"], "c": {"d": 1.5}}),
        serde_json::json!([1, 2, 3]),
        serde_json::json!("日本語 🦀"),
        serde_json::json!(null),
        serde_json::json!({}),
        serde_json::json!(-9007199254740991_i64),
    ] {
        check(&pool, "CJson", v).await;
    }
    let id = insert(&pool, "CJson", serde_json::json!({"k": "v"})).await;
    let field: String = select(&pool, "JSON_VALUE(CJson, '$.k')", id).await;
    assert_eq!(field, "v");
    // JSON `null` is a value, not a NULL column.
    let id = insert(&pool, "CJson", serde_json::Value::Null).await;
    assert!(!select::<bool>(&pool, "CJson IS NULL", id).await);
    check_null::<serde_json::Value>(&pool, "CJson").await;

    let profile = Profile {
        name: "Ada".into(),
        age: 36,
        tags: vec!["math".into(), "ünïcode".into()],
        nested: Some(Box::new(Profile {
            name: "Byron".into(),
            age: 0,
            tags: vec![],
            nested: None,
        })),
    };
    let back: Json<Profile> = roundtrip(&pool, "CJson", Json(profile.clone())).await;
    assert_eq!(back.0, profile);
    check_null::<Json<Profile>>(&pool, "CJson").await;
    // A JSON column reads as text too.
    let id = insert(&pool, "CJson", Json(profile.clone())).await;
    let text: String = select(&pool, "CJson", id).await;
    let parsed: Profile = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, profile);
}

#[tokio::test]
async fn uuid_in_string_column() {
    let pool = pool("tuuid").await;
    let u = uuid::Uuid::new_v4();
    // Written as text (a Uuid parameter is declared UUID, not STRING), read back as Uuid.
    let id = insert(&pool, "CUuidStr", u.hyphenated().to_string()).await;
    let back: uuid::Uuid = select(&pool, "CUuidStr", id).await;
    assert_eq!(back, u);
    let back: Option<uuid::Uuid> = select(&pool, "CUuidStr", id).await;
    assert_eq!(back, Some(u));
    let id = insert(&pool, "CUuidStr", Option::<String>::None).await;
    let back: Option<uuid::Uuid> = select(&pool, "CUuidStr", id).await;
    assert_eq!(back, None);
    // Not a UUID: a decode error.
    let id = insert(&pool, "CUuidStr", "not-a-uuid").await;
    let err = sqlx::query_scalar::<_, uuid::Uuid>("SELECT CUuidStr FROM AllTypes WHERE Id = @p1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect_err("not a uuid");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
}

#[tokio::test]
async fn uuid_column_type() {
    let pool = spanner_tests::pool("tuuidcol").await;
    let mut conn = pool.acquire().await.unwrap();
    let ddl = conn
        .execute_ddl([
            "CREATE TABLE Uuids (Id UUID NOT NULL, V UUID, A ARRAY<UUID>) PRIMARY KEY (Id)",
        ])
        .await;
    drop(conn);
    if let Err(e) = ddl {
        // The emulator (as of gcloud 528) lacks the UUID type (it answers INTERNAL with a
        // ZETASQL_RET_CHECK failure); then only the STRING(36) mapping applies.
        eprintln!("emulator does not support UUID columns: {e}");
        assert!(sqlx_spanner::spanner_code(&e).is_some(), "{e:?}");
        return;
    }
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    sqlx::query("INSERT INTO Uuids (Id, V, A) VALUES (@p1, @p2, @p3)")
        .bind(a)
        .bind(b)
        .bind(vec![Some(a), None, Some(b)])
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO Uuids (Id, V, A) VALUES (@p1, @p2, @p3)")
        .bind(b)
        .bind(Option::<uuid::Uuid>::None)
        .bind(Option::<Vec<uuid::Uuid>>::None)
        .execute(&pool)
        .await
        .unwrap();
    let row = sqlx::query("SELECT Id, V, A FROM Uuids WHERE Id = @p1")
        .bind(a)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.columns()[0].type_info().name(), "UUID");
    assert_eq!(row.columns()[2].type_info().name(), "ARRAY<UUID>");
    assert_eq!(row.get::<uuid::Uuid, _>(0), a);
    assert_eq!(row.get::<uuid::Uuid, _>(1), b);
    assert_eq!(
        row.get::<Vec<Option<uuid::Uuid>>, _>(2),
        vec![Some(a), None, Some(b)]
    );
    // A UUID column reads as its text form too.
    assert_eq!(row.get::<String, _>(1), b.hyphenated().to_string());
    let (v, arr): (Option<uuid::Uuid>, Option<Vec<uuid::Uuid>>) =
        sqlx::query_as("SELECT V, A FROM Uuids WHERE Id = @p1")
            .bind(b)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((v, arr), (None, None));
}

#[tokio::test]
async fn uuid_parameter_against_string() {
    // A bound Uuid is declared as UUID; comparing it with a STRING column needs a CAST on
    // the Spanner side (or binding the text form).
    let pool = pool("tuuidcmp").await;
    let u = uuid::Uuid::new_v4();
    let id = insert(&pool, "CUuidStr", u.to_string()).await;
    let direct = sqlx::query_scalar::<_, i64>("SELECT Id FROM AllTypes WHERE CUuidStr = @p1")
        .bind(u)
        .fetch_optional(&pool)
        .await;
    match direct {
        Ok(found) => assert_eq!(found, Some(id)),
        Err(e) => {
            eprintln!("UUID parameter compared with STRING column: {e}");
            assert!(matches!(e, sqlx::Error::Database(_)), "{e:?}");
        }
    }
    let found: i64 = sqlx::query_scalar("SELECT Id FROM AllTypes WHERE CUuidStr = @p1")
        .bind(u.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(found, id);
}

#[tokio::test]
async fn arrays() {
    let pool = pool("tarr").await;
    check(&pool, "AInt", vec![1_i64, i64::MIN, i64::MAX]).await;
    check(&pool, "AInt", Vec::<i64>::new()).await;
    check(&pool, "AInt", vec![Some(1_i64), None, Some(-3)]).await;
    check(&pool, "ABool", vec![Some(true), None, Some(false)]).await;
    check(
        &pool,
        "AStr",
        vec!["".to_string(), "日本".into(), "x".into()],
    )
    .await;
    check(&pool, "AStr", vec![None, Some("a".to_string()), None]).await;
    check(&pool, "ABytes", vec![vec![0_u8, 255], vec![]]).await;
    check(&pool, "ABytes", vec![Some(vec![1_u8]), None]).await;
    check(
        &pool,
        "AF32",
        vec![Some(1.5_f32), None, Some(f32::INFINITY)],
    )
    .await;
    let floats = roundtrip(
        &pool,
        "AF64",
        vec![Some(f64::NAN), None, Some(-0.0), Some(1e-310)],
    )
    .await;
    assert!(floats[0].unwrap().is_nan());
    assert_eq!(floats[1], None);
    assert!(floats[2].unwrap().is_sign_negative());
    assert_eq!(floats[3], Some(1e-310));
    check(
        &pool,
        "ANum",
        vec![
            Some(BigDecimal::from_str("99999999999999999999999999999.999999999").unwrap()),
            None,
            Some(BigDecimal::from_str("-0.5").unwrap()),
        ],
    )
    .await;
    check(&pool, "ANum", vec![Decimal::ONE, Decimal::MAX]).await;
    check(
        &pool,
        "ADate",
        vec![
            Some(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()),
            None,
            Some(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
        ],
    )
    .await;
    check(&pool, "ADate", vec![time::macros::date!(2020 - 01 - 02)]).await;
    let ts = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456789Z")
        .unwrap()
        .with_timezone(&Utc);
    check(&pool, "ATs", vec![Some(ts), None]).await;
    check(
        &pool,
        "ATs",
        vec![time::macros::datetime!(2024-05-06 07:08:09.000000001 UTC)],
    )
    .await;
    check(
        &pool,
        "AJson",
        vec![
            Some(serde_json::json!({"a": [1]})),
            None,
            Some(serde_json::json!(null)),
        ],
    )
    .await;

    // A NULL array (typed) and an empty array are different things.
    let id = insert(&pool, "AInt", Option::<Vec<i64>>::None).await;
    assert!(select::<bool>(&pool, "AInt IS NULL", id).await);
    assert_eq!(select::<Option<Vec<i64>>>(&pool, "AInt", id).await, None);
    let id = insert(&pool, "AInt", Vec::<i64>::new()).await;
    assert_eq!(select::<i64>(&pool, "ARRAY_LENGTH(AInt)", id).await, 0);
    check_null::<Vec<String>>(&pool, "AStr").await;
    check_null::<Vec<Option<f64>>>(&pool, "AF64").await;

    // A NULL element read into a non-Option element type is an error, not a panic.
    let id = insert(&pool, "AInt", vec![Some(1_i64), None]).await;
    let err = sqlx::query_scalar::<_, Vec<i64>>("SELECT AInt FROM AllTypes WHERE Id = @p1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect_err("NULL element into i64");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");

    // Arrays as parameters in SQL expressions.
    let n: i64 = sqlx::query_scalar("SELECT ARRAY_LENGTH(@p1)")
        .bind(vec!["a", "b", "c"])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 3);
    let n: i64 = sqlx::query_scalar("SELECT SUM(x) FROM UNNEST(@p1) AS x")
        .bind(&[1_i64, 2, 3][..])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 6);
}

#[tokio::test]
async fn structs() {
    let pool = pool("tstruct").await;
    let row = sqlx::query(
        "SELECT ARRAY(SELECT AS STRUCT x AS a, IF(x = 1, 'x', NULL) AS b \
         FROM UNNEST([1, 2]) AS x ORDER BY x) AS s",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row.columns()[0].type_info().name(),
        "ARRAY<STRUCT<a INT64, b STRING>>"
    );
    let items: Vec<SpannerStruct> = row.get("s");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].try_get::<i64>(0).unwrap(), 1);
    assert_eq!(items[0].try_get_by_name::<String>("b").unwrap(), "x");
    assert_eq!(items[1].try_get_by_name::<i64>("a").unwrap(), 2);
    assert_eq!(items[1].try_get::<Option<String>>(1).unwrap(), None);
    assert!(items[1].try_get::<String>(1).is_err());
    assert!(
        items[0].try_get::<String>(0).is_err(),
        "INT64 field as String"
    );
    assert!(items[0].try_get::<i64>(2).is_err(), "no third field");
    assert!(items[0].try_get_by_name::<i64>("zz").is_err());
    let names: Vec<&str> = items[0].fields().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b"]);

    // A typed struct literal, inside an array; also an empty array of structs.
    let items: Vec<SpannerStruct> =
        sqlx::query_scalar("SELECT [STRUCT<a INT64, b STRING>(7, 'y')]")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(items[0].try_get::<i64>(0).unwrap(), 7);
    assert_eq!(items[0].try_get::<String>(1).unwrap(), "y");
    let items: Vec<SpannerStruct> =
        sqlx::query_scalar("SELECT ARRAY(SELECT AS STRUCT 1 AS a FROM UNNEST([1]) WHERE FALSE)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(items.is_empty());

    // A top-level STRUCT column, if Spanner returns it.
    match sqlx::query("SELECT STRUCT<a INT64, b STRING>(1, 'x') AS s")
        .fetch_one(&pool)
        .await
    {
        Ok(row) => {
            let s: SpannerStruct = row.get(0);
            assert_eq!(s.try_get::<i64>(0).unwrap(), 1);
            assert_eq!(s.try_get::<String>(1).unwrap(), "x");
        }
        Err(e) => {
            // What Spanner (and the emulator) answer: "Unsupported query shape: A struct
            // value cannot be returned as a column value."
            assert_eq!(
                sqlx_spanner::spanner_code(&e),
                Some(sqlx_spanner::SpannerCode::Unimplemented),
                "{e:?}"
            );
        }
    }
}

#[tokio::test]
async fn column_type_names() {
    let pool = pool("tnames").await;
    let row = sqlx::query(
        "SELECT CBool, CInt, CF64, CF32, CNum, CStr, CBytes, CDate, CTs, CJson, \
         AInt, AStr, ANum, ABytes, ATs, AJson FROM AllTypes \
         UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, NULL, NULL, NULL, NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let names: Vec<&str> = row.columns().iter().map(|c| c.type_info().name()).collect();
    assert_eq!(
        names,
        [
            "BOOL",
            "INT64",
            "FLOAT64",
            "FLOAT32",
            "NUMERIC",
            "STRING",
            "BYTES",
            "DATE",
            "TIMESTAMP",
            "JSON",
            "ARRAY<INT64>",
            "ARRAY<STRING>",
            "ARRAY<NUMERIC>",
            "ARRAY<BYTES>",
            "ARRAY<TIMESTAMP>",
            "ARRAY<JSON>",
        ]
    );
    let column_names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
    assert_eq!(column_names[0], "CBool");
    assert_eq!(column_names[15], "AJson");
    // All NULL: every Option decodes to None, whatever the type.
    assert_eq!(row.get::<Option<bool>, _>(0), None);
    assert_eq!(row.get::<Option<Vec<i64>>, _>("AInt"), None);
    // Wrong Rust type for the column: a mismatch error, not a panic.
    let err = sqlx::query("SELECT 'text' AS t")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get::<bool, _>("t")
        .expect_err("STRING as bool");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Record {
    #[sqlx(rename = "Id")]
    id: i64,
    #[sqlx(rename = "CStr")]
    name: Option<String>,
    #[sqlx(rename = "CNum")]
    amount: Option<BigDecimal>,
    #[sqlx(rename = "CTs")]
    at: Option<DateTime<Utc>>,
    #[sqlx(rename = "AInt")]
    scores: Option<Vec<Option<i64>>>,
    #[sqlx(rename = "CJson")]
    extra: Option<Json<serde_json::Value>>,
}

#[tokio::test]
async fn from_row_and_query_scalar() {
    let pool = pool("tfromrow").await;
    let at = DateTime::parse_from_rfc3339("2000-01-01T00:00:00.000000123Z")
        .unwrap()
        .with_timezone(&Utc);
    sqlx::query(
        "INSERT INTO AllTypes (Id, CStr, CNum, CTs, AInt, CJson) VALUES \
         (@p1, @p2, @p3, @p4, @p5, @p6), (@p7, NULL, NULL, NULL, NULL, NULL)",
    )
    .bind(1_i64)
    .bind("one")
    .bind(BigDecimal::from_str("1.25").unwrap())
    .bind(at)
    .bind(vec![Some(1_i64), None])
    .bind(Json(serde_json::json!({"k": [1, 2]})))
    .bind(2_i64)
    .execute(&pool)
    .await
    .unwrap();
    let records: Vec<Record> =
        sqlx::query_as("SELECT Id, CStr, CNum, CTs, AInt, CJson FROM AllTypes ORDER BY Id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        records,
        [
            Record {
                id: 1,
                name: Some("one".into()),
                amount: Some(BigDecimal::from_str("1.25").unwrap()),
                at: Some(at),
                scores: Some(vec![Some(1), None]),
                extra: Some(Json(serde_json::json!({"k": [1, 2]}))),
            },
            Record {
                id: 2,
                name: None,
                amount: None,
                at: None,
                scores: None,
                extra: None,
            },
        ]
    );

    let ids: Vec<i64> = sqlx::query_scalar("SELECT Id FROM AllTypes ORDER BY Id DESC")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(ids, [2, 1]);
    let missing: Option<String> = sqlx::query_scalar("SELECT CStr FROM AllTypes WHERE Id = 99")
        .fetch_optional(&pool)
        .await
        .unwrap();
    assert_eq!(missing, None);
    let tuple: (i64, Option<String>, bool) =
        sqlx::query_as("SELECT Id, CStr, CStr IS NULL FROM AllTypes WHERE Id = @p1")
            .bind(2_i64)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tuple, (2, None, true));
}

#[tokio::test]
async fn typed_null_parameters_in_expressions() {
    // NULL parameters keep their declared type, so Spanner can type-check expressions.
    let pool = pool("tnullexpr").await;
    let row = sqlx::query(
        "SELECT @p1 IS NULL, @p2 IS NULL, @p3 IS NULL, @p4 IS NULL, @p5 IS NULL, \
         @p6 IS NULL, @p7 IS NULL, @p8 IS NULL, @p9 IS NULL, @p10 IS NULL, @p11",
    )
    .bind(Option::<i64>::None)
    .bind(Option::<f64>::None)
    .bind(Option::<String>::None)
    .bind(Option::<Vec<u8>>::None)
    .bind(Option::<NaiveDate>::None)
    .bind(Option::<DateTime<Utc>>::None)
    .bind(Option::<BigDecimal>::None)
    .bind(Option::<serde_json::Value>::None)
    .bind(Option::<Vec<i64>>::None)
    .bind(Option::<bool>::None)
    .bind(Option::<f32>::None)
    .fetch_one(&pool)
    .await
    .unwrap();
    for i in 0..10 {
        assert!(row.get::<bool, _>(i), "parameter {} is NULL", i + 1);
    }
    assert_eq!(row.columns()[10].type_info().name(), "FLOAT32");
    assert_eq!(row.get::<Option<f32>, _>(10), None);
    let n: Option<i64> = sqlx::query_scalar("SELECT @p1 + 1")
        .bind(Option::<i64>::None)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, None);
}

/// Bounds a wait so a hang fails the test instead of stalling CI.
async fn within<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: timed out"))
}

#[tokio::test]
async fn numeric_38_digits_is_exact_or_an_error() {
    let pool = pool("tnum38").await;
    // 38 significant digits: 29 integer + 9 fractional, the most NUMERIC holds.
    let text = "12345678901234567890123456789.987654321";
    let exact = BigDecimal::from_str(text).unwrap();
    let id = within("insert", insert(&pool, "CNum", exact.clone())).await;

    let big: BigDecimal = within("select", select(&pool, "CNum", id)).await;
    assert_eq!(big, exact);
    assert_eq!(big.to_string(), text);
    // NUMERIC reads as its exact decimal text.
    let as_text: String = within("select", select(&pool, "CNum", id)).await;
    assert_eq!(as_text, text);
    let negative: String = within("select", select(&pool, "-CNum", id)).await;
    assert_eq!(negative, format!("-{text}"));

    // rust_decimal::Decimal holds 28-29 significant digits: an error, never a rounded value.
    for sql in [
        "SELECT CNum FROM AllTypes WHERE Id = @p1",
        "SELECT -CNum FROM AllTypes WHERE Id = @p1",
    ] {
        let got = within(
            "fetch",
            sqlx::query_scalar::<_, Decimal>(sql)
                .bind(id)
                .fetch_one(&pool),
        )
        .await;
        match got {
            Err(sqlx::Error::ColumnDecode { source, .. }) => {
                assert!(source.to_string().contains("Decimal"), "{source}");
            }
            other => panic!("{sql}: expected a decode error, got {other:?}"),
        }
    }
    let arr = within(
        "fetch",
        sqlx::query_scalar::<_, Vec<Option<Decimal>>>(
            "SELECT [NULL, CNum] FROM AllTypes WHERE Id = @p1",
        )
        .bind(id)
        .fetch_one(&pool),
    )
    .await;
    assert!(
        matches!(arr, Err(sqlx::Error::ColumnDecode { .. })),
        "{arr:?}"
    );

    // 28 significant digits still fit a Decimal, exactly.
    let fits = "1234567890123456789.123456789";
    let id = within(
        "insert",
        insert(&pool, "CNum", BigDecimal::from_str(fits).unwrap()),
    )
    .await;
    let d: Decimal = within("select", select(&pool, "CNum", id)).await;
    assert_eq!(d.to_string(), fits);
}

#[tokio::test]
async fn numeric_out_of_range_is_an_encode_error() {
    let pool = pool("tnumenc").await;
    // More than 9 fractional digits or more than 29 integer digits: refused before it is
    // sent (never rounded), and the error does not repeat the value.
    for text in [
        "0.0000000001",
        "1.0000000005",
        "100000000000000000000000000000",
        "-123456789012345678901234567890.5",
    ] {
        let err = within(
            "select",
            sqlx::query_scalar::<_, BigDecimal>("SELECT @p1")
                .bind(BigDecimal::from_str(text).unwrap())
                .fetch_one(&pool),
        )
        .await
        .expect_err(text);
        assert!(matches!(err, sqlx::Error::Encode(_)), "{text}: {err:?}");
        let message = err.to_string();
        assert!(message.contains("NUMERIC"), "{message}");
        assert!(!message.contains(text.trim_start_matches('-')), "{message}");
    }
    let err = within(
        "select",
        sqlx::query_scalar::<_, Decimal>("SELECT @p1")
            .bind(Decimal::from_str("1.0000000001").unwrap())
            .fetch_one(&pool),
    )
    .await
    .expect_err("10 fractional digits");
    assert!(matches!(err, sqlx::Error::Encode(_)), "{err:?}");
    // Trailing zeros are not digits NUMERIC has to hold.
    let v: BigDecimal = within(
        "select",
        sqlx::query_scalar("SELECT @p1")
            .bind(Decimal::from_str("1.50000000000000").unwrap())
            .fetch_one(&pool),
    )
    .await
    .unwrap();
    assert_eq!(v, BigDecimal::from_str("1.5").unwrap());
}

/// A value no error message may repeat (it could be personal data).
const SENTINEL: &str = "7391846205";

/// Asserts that `err` is a decode error that names `must_name` and does not contain
/// [`SENTINEL`] in its message nor its debug form.
fn assert_no_sentinel(case: &str, err: sqlx::Error, must_name: &[&str]) {
    assert!(
        matches!(err, sqlx::Error::ColumnDecode { .. }),
        "{case}: {err:?}"
    );
    let display = err.to_string();
    let debug = format!("{err:?}");
    let mut chain = String::new();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(&format!("{s} / {s:?} / "));
        source = s.source();
    }
    for text in [&display, &debug, &chain] {
        assert!(!text.contains(SENTINEL), "{case}: leaks the value: {text}");
    }
    for name in must_name {
        assert!(
            display.contains(name),
            "{case}: {display} does not name {name}"
        );
    }
}

#[tokio::test]
async fn decode_errors_do_not_contain_values() {
    let pool = pool("tnoleak").await;
    let row = within(
        "fetch",
        sqlx::query(
            "SELECT @p1 AS Big, @p2 AS Num, @p3 AS JsonText, @p4 AS UuidText, @p5 AS Texts, \
             @p6 AS Js, @p7 AS Neg",
        )
        .bind(SENTINEL.parse::<i64>().unwrap())
        .bind(BigDecimal::from_str(&format!("{SENTINEL}{SENTINEL}123456789.5")).unwrap())
        .bind(format!("\"{SENTINEL}\""))
        .bind(format!("{SENTINEL}-not-a-uuid"))
        .bind(vec![format!("x{SENTINEL}")])
        .bind(serde_json::json!({ "name": SENTINEL }))
        .bind(-SENTINEL.parse::<i64>().unwrap())
        .fetch_one(&pool),
    )
    .await
    .unwrap();
    // The checked path (`try_get`): values of compatible types that do not fit.
    assert_no_sentinel(
        "INT64 -> i32",
        row.try_get::<i32, _>("Big").unwrap_err(),
        &["Big", "i32"],
    );
    assert_no_sentinel(
        "INT64 -> u64",
        row.try_get::<u64, _>("Neg").unwrap_err(),
        &["Neg", "u64"],
    );
    assert_no_sentinel(
        "NUMERIC -> Decimal",
        row.try_get::<Decimal, _>("Num").unwrap_err(),
        &["Num", "Decimal"],
    );
    assert_no_sentinel(
        "STRING -> Json<i64>",
        row.try_get::<Json<i64>, _>("JsonText").unwrap_err(),
        &["JsonText", "JSON"],
    );
    assert_no_sentinel(
        "JSON -> Json<Vec<i64>>",
        row.try_get::<Json<Vec<i64>>, _>("Js").unwrap_err(),
        &["Js", "JSON"],
    );
    assert_no_sentinel(
        "STRING -> Uuid",
        row.try_get::<uuid::Uuid, _>("UuidText").unwrap_err(),
        &["UuidText", "UUID"],
    );
    assert_no_sentinel(
        "ARRAY<STRING> -> Vec<Uuid>",
        row.try_get::<Vec<uuid::Uuid>, _>("Texts").unwrap_err(),
        &["Texts", "UUID"],
    );
    // The unchecked path: the decoder itself meets a value of another type.
    assert_no_sentinel(
        "STRING -> i64",
        row.try_get_unchecked::<i64, _>("UuidText").unwrap_err(),
        &["UuidText", "i64"],
    );
    assert_no_sentinel(
        "STRING -> bool",
        row.try_get_unchecked::<bool, _>("UuidText").unwrap_err(),
        &["UuidText", "bool"],
    );
    assert_no_sentinel(
        "STRING -> f64",
        row.try_get_unchecked::<f64, _>("UuidText").unwrap_err(),
        &["UuidText", "f64"],
    );
    assert_no_sentinel(
        "STRING -> BYTES",
        row.try_get_unchecked::<Vec<u8>, _>("UuidText").unwrap_err(),
        &["UuidText", "u8"],
    );
    assert_no_sentinel(
        "STRING -> NaiveDate",
        row.try_get_unchecked::<NaiveDate, _>("UuidText")
            .unwrap_err(),
        &["UuidText", "NaiveDate"],
    );
    assert_no_sentinel(
        "STRING -> DateTime<Utc>",
        row.try_get_unchecked::<DateTime<Utc>, _>("UuidText")
            .unwrap_err(),
        &["UuidText", "DateTime"],
    );
    assert_no_sentinel(
        "STRING -> time::Date",
        row.try_get_unchecked::<time::Date, _>("UuidText")
            .unwrap_err(),
        &["UuidText", "Date"],
    );
    assert_no_sentinel(
        "STRING -> OffsetDateTime",
        row.try_get_unchecked::<time::OffsetDateTime, _>("UuidText")
            .unwrap_err(),
        &["UuidText", "OffsetDateTime"],
    );
    assert_no_sentinel(
        "STRING -> BigDecimal",
        row.try_get_unchecked::<BigDecimal, _>("UuidText")
            .unwrap_err(),
        &["UuidText", "BigDecimal"],
    );
    assert_no_sentinel(
        "STRING -> Vec<String>",
        row.try_get_unchecked::<Vec<String>, _>("UuidText")
            .unwrap_err(),
        &["UuidText"],
    );
    // The full query path reports the same way.
    let err = within(
        "fetch",
        sqlx::query_scalar::<_, i32>("SELECT @p1")
            .bind(SENTINEL.parse::<i64>().unwrap())
            .fetch_one(&pool),
    )
    .await
    .unwrap_err();
    assert_no_sentinel("query_scalar i32", err, &["i32"]);
}
