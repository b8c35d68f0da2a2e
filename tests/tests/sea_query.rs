//! sea-query statements rendered by `SpannerQueryBuilder`, bound by the sea-query-spanner
//! binder and executed on the emulator: every rendered statement below is also run, and the
//! results (not only the absence of errors) are checked.
//!
//! Exception (asserted as a string only, see `renders_the_emulator_rejects`): `FOR UPDATE`,
//! which production Spanner accepts but the emulator rejects. Constructs GoogleSQL cannot
//! say are errors (`unsupported_locking_and_upserts_fail_instead_of_running_other_sql`).

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use sea_query::{
    ArrayType, Asterisk, ColumnDef, ColumnType, CommonTableExpression, Expr, ExprTrait, ForeignKey,
    Func, Index, JoinType, LikeExpr, LockType, NullOrdering, OnConflict, Order, Query, StringLen,
    Table, UnionType, Value, WindowStatement, WithClause,
};
use sea_query_spanner::backend::{
    force_index, InterleaveOnDelete, SpannerIndexOptions, SpannerQueryBuilder, SpannerSqlError,
    SpannerTableOptions,
};
use sea_query_spanner::SqlxSpannerBinder;
use serde_json::json;
use spanner_tests::{pool, pool_with_schema};
use sqlx::error::ErrorKind;
use sqlx::{AssertSqlSafe, Row};
use sqlx_spanner::{SpannerPool, SpannerRow};
use uuid::Uuid;

const B: SpannerQueryBuilder = SpannerQueryBuilder;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// Applies a DDL batch.
async fn ddl(pool: &SpannerPool, statements: &[String]) {
    let mut conn = pool.acquire().await.expect("acquire");
    conn.execute_ddl(statements.to_vec())
        .await
        .unwrap_or_else(|e| panic!("DDL {statements:#?} failed: {e}"));
}

/// Renders and binds `stmt`, runs it and returns its rows.
async fn fetch<S: SqlxSpannerBinder>(pool: &SpannerPool, stmt: &S) -> Vec<SpannerRow> {
    try_fetch(pool, stmt)
        .await
        .unwrap_or_else(|(sql, e)| panic!("{sql}: {e}"))
}

async fn try_fetch<S: SqlxSpannerBinder>(
    pool: &SpannerPool,
    stmt: &S,
) -> Result<Vec<SpannerRow>, (String, sqlx::Error)> {
    let (sql, args) = stmt.try_build_sqlx(B).expect("every value binds");
    sqlx::query_with(AssertSqlSafe(sql.clone()), args)
        .fetch_all(pool)
        .await
        .map_err(|e| (sql, e))
}

/// Renders and binds `stmt`, runs it and returns the number of rows it affected.
async fn exec<S: SqlxSpannerBinder>(pool: &SpannerPool, stmt: &S) -> u64 {
    try_exec(pool, stmt)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", stmt.build_sqlx(B).0))
}

async fn try_exec<S: SqlxSpannerBinder>(pool: &SpannerPool, stmt: &S) -> Result<u64, sqlx::Error> {
    let (sql, args) = stmt.try_build_sqlx(B).expect("every value binds");
    sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
}

/// Column `col` of every row, decoded as `T`.
fn col<T>(rows: &[SpannerRow], col: &str) -> Vec<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx_spanner::Spanner> + sqlx::Type<sqlx_spanner::Spanner>,
{
    rows.iter()
        .map(|r| {
            r.try_get::<T, _>(col)
                .unwrap_or_else(|e| panic!("column {col}: {e}"))
        })
        .collect()
}

/// The ids selected by `select` (its first column must be an INT64 `Id`).
async fn ids<S: SqlxSpannerBinder>(pool: &SpannerPool, stmt: &S) -> Vec<i64> {
    col(&fetch(pool, stmt).await, "Id")
}

fn db_error_kind(err: &sqlx::Error) -> ErrorKind {
    err.as_database_error()
        .unwrap_or_else(|| panic!("not a database error: {err:?}"))
        .kind()
}

/// `INFORMATION_SCHEMA.COLUMNS` of `table` as `(name, SPANNER_TYPE, IS_NULLABLE)`.
async fn columns_of(pool: &SpannerPool, table: &str) -> Vec<(String, String, String)> {
    let rows = fetch(
        pool,
        &Query::select()
            .columns(["COLUMN_NAME", "SPANNER_TYPE", "IS_NULLABLE"])
            .from(("INFORMATION_SCHEMA", "COLUMNS"))
            .and_where(Expr::col("TABLE_SCHEMA").eq(""))
            .and_where(Expr::col("TABLE_NAME").eq(table))
            .order_by("ORDINAL_POSITION", Order::Asc)
            .to_owned(),
    )
    .await;
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

// ------------------------------------------------------------------------------------------
// Build-time errors (no emulator needed)
// ------------------------------------------------------------------------------------------

#[test]
fn unsupported_column_types_are_build_errors() {
    for ty in [
        ColumnType::Time,
        ColumnType::Year,
        ColumnType::Interval(None, None),
        ColumnType::Bit(Some(1)),
        ColumnType::Inet,
        ColumnType::MacAddr,
        ColumnType::Array(ColumnType::Array(ColumnType::Integer.into()).into()),
    ] {
        let create = Table::create()
            .table("T")
            .col(ColumnDef::new("Id").big_integer().primary_key())
            .col(ColumnDef::new_with_type("C", ty.clone()))
            .to_owned();
        match B.build_table_create_batch(&create) {
            Err(SpannerSqlError::UnsupportedType { column, .. }) => assert_eq!(column, "C"),
            other => panic!("{ty:?}: {other:?}"),
        }
        // The unchecked trait rendering marks the column so Spanner would reject it.
        assert!(create.to_string(B).contains("<unsupported: "), "{ty:?}");
        let alter = Table::alter()
            .table("T")
            .add_column(ColumnDef::new_with_type("C", ty.clone()))
            .to_owned();
        assert!(B.build_table_alter_batch(&alter).is_err(), "{ty:?}");
    }
    // Auto-increment on a non-integer column has no identity equivalent.
    let create = Table::create()
        .table("T")
        .col(ColumnDef::new("Id").string().auto_increment().primary_key())
        .to_owned();
    assert!(matches!(
        B.build_table_create_batch(&create),
        Err(SpannerSqlError::UnsupportedFeature(_))
    ));
    // The binder refuses values without a Spanner type instead of running the query.
    let time = chrono::NaiveTime::from_hms_opt(1, 2, 3).unwrap();
    let select = Query::select().expr(Expr::val(time)).to_owned();
    assert!(select.try_build_sqlx(B).is_err());
}

// ------------------------------------------------------------------------------------------
// CREATE TABLE with every column type, and every value type through the binder
// ------------------------------------------------------------------------------------------

fn all_types_table() -> sea_query::TableCreateStatement {
    Table::create()
        .table("AllTypes")
        .col(ColumnDef::new("Id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("I32").integer())
        .col(ColumnDef::new("F32").float())
        .col(ColumnDef::new("F64").double())
        .col(ColumnDef::new("Num").decimal())
        .col(ColumnDef::new("Big").decimal_len(38, 9))
        .col(ColumnDef::new("Short").string_len(10))
        .col(ColumnDef::new("Long").text())
        .col(ColumnDef::new("Ch").char())
        .col(ColumnDef::new("Bin").blob())
        .col(ColumnDef::new("Bin16").var_binary(16))
        .col(ColumnDef::new("Flag").boolean().not_null().default(false))
        .col(ColumnDef::new("Day").date())
        .col(ColumnDef::new("At").timestamp_with_time_zone())
        .col(ColumnDef::new("AtNaive").date_time())
        .col(ColumnDef::new("Doc").json())
        .col(ColumnDef::new("Uid").uuid())
        .col(ColumnDef::new("Ints").array(ColumnType::BigInteger))
        .col(ColumnDef::new("Strs").array(ColumnType::String(StringLen::None)))
        .col(ColumnDef::new("Dates").array(ColumnType::Date))
        .col(ColumnDef::new("Nums").array(ColumnType::Decimal(None)))
        .col(
            ColumnDef::new("Created")
                .timestamp()
                .not_null()
                .default(Expr::current_timestamp()),
        )
        .col(
            ColumnDef::new("ShortUpper")
                .string_len(10)
                .generated(Func::upper(Expr::col("Short")), true),
        )
        .col(ColumnDef::new("Updated").timestamp())
        .to_owned()
}

#[tokio::test]
async fn create_table_with_every_type_and_bind_every_value() {
    let pool = pool("sqtypes").await;
    let opts = SpannerTableOptions::new().commit_timestamp("Updated");
    let stmts = B
        .build_table_create_with(&all_types_table(), &opts)
        .expect("renders");
    assert_eq!(
        stmts,
        [
            "CREATE TABLE `AllTypes` (`Id` INT64 NOT NULL, `I32` INT64, `F32` FLOAT32, \
          `F64` FLOAT64, `Num` NUMERIC, `Big` NUMERIC, `Short` STRING(10), `Long` STRING(MAX), \
          `Ch` STRING(1), `Bin` BYTES(MAX), `Bin16` BYTES(16), \
          `Flag` BOOL NOT NULL DEFAULT (FALSE), `Day` DATE, `At` TIMESTAMP, \
          `AtNaive` TIMESTAMP, `Doc` JSON, `Uid` STRING(36), `Ints` ARRAY<INT64>, \
          `Strs` ARRAY<STRING(MAX)>, `Dates` ARRAY<DATE>, `Nums` ARRAY<NUMERIC>, \
          `Created` TIMESTAMP NOT NULL DEFAULT (CURRENT_TIMESTAMP()), \
          `ShortUpper` STRING(10) AS (UPPER(`Short`)) STORED, \
          `Updated` TIMESTAMP OPTIONS (allow_commit_timestamp = true)) PRIMARY KEY (`Id`)"
        ]
    );
    ddl(&pool, &stmts).await;

    let expected_types = [
        ("Id", "INT64", "NO"),
        ("I32", "INT64", "YES"),
        ("F32", "FLOAT32", "YES"),
        ("F64", "FLOAT64", "YES"),
        ("Num", "NUMERIC", "YES"),
        ("Big", "NUMERIC", "YES"),
        ("Short", "STRING(10)", "YES"),
        ("Long", "STRING(MAX)", "YES"),
        ("Ch", "STRING(1)", "YES"),
        ("Bin", "BYTES(MAX)", "YES"),
        ("Bin16", "BYTES(16)", "YES"),
        ("Flag", "BOOL", "NO"),
        ("Day", "DATE", "YES"),
        ("At", "TIMESTAMP", "YES"),
        ("AtNaive", "TIMESTAMP", "YES"),
        ("Doc", "JSON", "YES"),
        ("Uid", "STRING(36)", "YES"),
        ("Ints", "ARRAY<INT64>", "YES"),
        ("Strs", "ARRAY<STRING(MAX)>", "YES"),
        ("Dates", "ARRAY<DATE>", "YES"),
        ("Nums", "ARRAY<NUMERIC>", "YES"),
        ("Created", "TIMESTAMP", "NO"),
        ("ShortUpper", "STRING(10)", "YES"),
        ("Updated", "TIMESTAMP", "YES"),
    ];
    let got = columns_of(&pool, "AllTypes").await;
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, expected_types);
    let options = fetch(
        &pool,
        &Query::select()
            .columns(["COLUMN_NAME", "OPTION_NAME", "OPTION_VALUE"])
            .from(("INFORMATION_SCHEMA", "COLUMN_OPTIONS"))
            .and_where(Expr::col("TABLE_NAME").eq("AllTypes"))
            .to_owned(),
    )
    .await;
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].get::<String, _>(0), "Updated");
    assert_eq!(options[0].get::<String, _>(1), "allow_commit_timestamp");
    assert_eq!(options[0].get::<String, _>(2), "TRUE");

    // Row 1: chrono + rust_decimal + bigdecimal values; row 2: the `time` crate, unsigned
    // and narrow integers; row 3: typed NULLs everywhere (and the defaults).
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let naive = day.and_hms_micro_opt(10, 20, 30, 5).unwrap();
    let east = FixedOffset::east_opt(2 * 3600).unwrap();
    let at_fixed: DateTime<FixedOffset> = east.from_local_datetime(&naive).unwrap();
    let num = Decimal::new(12345, 2);
    let big = BigDecimal::from_str("-12345678901234567890.123456789").unwrap();
    let doc = json!({"a": [1, 2], "b": "it's", "c": null});
    let uid = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let blob = vec![0_u8, 1, b'\'', 255];
    let strs = Value::Array(
        ArrayType::String,
        Some(Box::new(vec![
            Value::from("a"),
            Value::String(None),
            Value::from("it's"),
        ])),
    );
    let row1: Vec<Expr> = vec![
        Expr::val(1_i64),
        Expr::val(7_i32),
        Expr::val(1.5_f32),
        Expr::val(-2.25_f64),
        Expr::val(num),
        Expr::val(big.clone()),
        Expr::val("héllo"),
        Expr::val("it's a \"long\"\ntext \\"),
        Expr::val('x'),
        Expr::val(blob.clone()),
        Expr::val(vec![9_u8; 16]),
        Expr::val(true),
        Expr::val(day),
        Expr::val(at_fixed),
        Expr::val(naive),
        Expr::val(doc.clone()),
        Expr::val(uid),
        Expr::val(vec![1_i64, -2, i64::MAX]),
        Expr::val(strs),
        Expr::val(vec![day, day.succ_opt().unwrap()]),
        Expr::val(vec![num, Decimal::new(-1, 9)]),
    ];
    let tdate = time::Date::from_calendar_date(1999, time::Month::December, 31).unwrap();
    let tprim = time::PrimitiveDateTime::new(
        tdate,
        time::Time::from_hms_nano(23, 59, 59, 999_999_000).unwrap(),
    );
    let toff = tprim.assume_offset(time::UtcOffset::from_hms(-5, -30, 0).unwrap());
    let past_utc = Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap();
    let row2: Vec<Expr> = vec![
        Expr::val(2_u64),
        Expr::val(-8_i16),
        Expr::val(f32::INFINITY),
        Expr::val(f64::NAN),
        Expr::val(Decimal::new(-5, 0)),
        Expr::val(BigDecimal::from_str("0.000000001").unwrap()),
        Expr::val(String::from("ten chars!")),
        Expr::val(""),
        Expr::val('é'),
        Expr::val(Vec::<u8>::new()),
        Expr::val(vec![1_u8]),
        Expr::val(false),
        Expr::val(tdate),
        Expr::val(toff),
        Expr::val(tprim),
        Expr::val(json!([true, 1.5, "x"])),
        Expr::val(Uuid::nil()),
        Expr::val(vec![1_u32, 2, u32::MAX]),
        Expr::val(Vec::<String>::new()),
        Expr::val(vec![tdate]),
        Expr::val(vec![BigDecimal::from_str("1.5").unwrap()]),
    ];
    let insert = Query::insert()
        .into_table("AllTypes")
        .columns([
            "Id", "I32", "F32", "F64", "Num", "Big", "Short", "Long", "Ch", "Bin", "Bin16", "Flag",
            "Day", "At", "AtNaive", "Doc", "Uid", "Ints", "Strs", "Dates", "Nums",
        ])
        .values_panic(row1)
        .values_panic(row2)
        .to_owned();
    assert_eq!(exec(&pool, &insert).await, 2);
    // The commit-timestamp column: PENDING_COMMIT_TIMESTAMP() (Spanner wants it for every
    // row of a statement or for none), or an explicit past timestamp.
    let set_updated = |id: i64, value: Expr| {
        Query::update()
            .table("AllTypes")
            .value("Updated", value)
            .and_where(Expr::col("Id").eq(id))
            .to_owned()
    };
    let pending = set_updated(1, Expr::cust("PENDING_COMMIT_TIMESTAMP()"));
    assert_eq!(
        pending.build_sqlx(B).0,
        "UPDATE `AllTypes` SET `Updated` = PENDING_COMMIT_TIMESTAMP() WHERE `Id` = @p1"
    );
    assert_eq!(exec(&pool, &pending).await, 1);
    assert_eq!(exec(&pool, &set_updated(2, Expr::val(past_utc))).await, 1);

    // Typed NULLs for every type (Flag and Created are left to their defaults).
    let nulls: Vec<Value> = vec![
        Value::from(3_i64),
        Value::from(None::<i32>),
        Value::from(None::<f32>),
        Value::from(None::<f64>),
        Value::from(None::<Decimal>),
        Value::from(None::<BigDecimal>),
        Value::from(None::<String>),
        Value::from(None::<String>),
        Value::from(None::<char>),
        Value::from(None::<Vec<u8>>),
        Value::from(None::<Vec<u8>>),
        Value::from(None::<NaiveDate>),
        Value::from(None::<DateTime<Utc>>),
        Value::from(None::<time::PrimitiveDateTime>),
        Value::from(None::<serde_json::Value>),
        Value::from(None::<Uuid>),
        Value::Array(ArrayType::BigInt, None),
        Value::Array(ArrayType::String, None),
        Value::Array(ArrayType::ChronoDate, None),
        Value::Array(ArrayType::Decimal, None),
        Value::from(None::<DateTime<Utc>>),
    ];
    let insert = Query::insert()
        .into_table("AllTypes")
        .columns([
            "Id", "I32", "F32", "F64", "Num", "Big", "Short", "Long", "Ch", "Bin", "Bin16", "Day",
            "At", "AtNaive", "Doc", "Uid", "Ints", "Strs", "Dates", "Nums", "Updated",
        ])
        .values_panic(nulls.into_iter().map(Expr::val))
        .to_owned();
    assert_eq!(exec(&pool, &insert).await, 1);

    let rows = fetch(
        &pool,
        &Query::select()
            .column(Asterisk)
            .from("AllTypes")
            .order_by("Id", Order::Asc)
            .to_owned(),
    )
    .await;
    assert_eq!(col::<i64>(&rows, "Id"), [1, 2, 3]);
    let (r1, r2, r3) = (&rows[0], &rows[1], &rows[2]);

    assert_eq!(r1.get::<i64, _>("I32"), 7);
    assert_eq!(r1.get::<f32, _>("F32"), 1.5);
    assert_eq!(r1.get::<f64, _>("F64"), -2.25);
    assert_eq!(r1.get::<Decimal, _>("Num"), num);
    assert_eq!(r1.get::<BigDecimal, _>("Big"), big);
    assert_eq!(r1.get::<String, _>("Short"), "héllo");
    assert_eq!(r1.get::<String, _>("ShortUpper"), "HÉLLO");
    assert_eq!(r1.get::<String, _>("Long"), "it's a \"long\"\ntext \\");
    assert_eq!(r1.get::<String, _>("Ch"), "x");
    assert_eq!(r1.get::<Vec<u8>, _>("Bin"), blob);
    assert_eq!(r1.get::<Vec<u8>, _>("Bin16"), vec![9_u8; 16]);
    assert!(r1.get::<bool, _>("Flag"));
    assert_eq!(r1.get::<NaiveDate, _>("Day"), day);
    assert_eq!(
        r1.get::<DateTime<Utc>, _>("At"),
        at_fixed.with_timezone(&Utc)
    );
    assert_eq!(r1.get::<NaiveDateTime, _>("AtNaive"), naive);
    assert_eq!(r1.get::<serde_json::Value, _>("Doc"), doc);
    assert_eq!(r1.get::<Uuid, _>("Uid"), uid);
    assert_eq!(r1.get::<String, _>("Uid"), uid.hyphenated().to_string());
    assert_eq!(r1.get::<Vec<i64>, _>("Ints"), [1, -2, i64::MAX]);
    assert_eq!(
        r1.get::<Vec<Option<String>>, _>("Strs"),
        [Some("a".to_owned()), None, Some("it's".to_owned())]
    );
    assert_eq!(
        r1.get::<Vec<NaiveDate>, _>("Dates"),
        [day, day.succ_opt().unwrap()]
    );
    assert_eq!(
        r1.get::<Vec<Decimal>, _>("Nums"),
        [num, Decimal::new(-1, 9)]
    );
    let committed = r1.get::<DateTime<Utc>, _>("Updated");
    let created = r1.get::<DateTime<Utc>, _>("Created");
    assert!(
        (Utc::now() - committed).num_minutes().abs() < 10,
        "{committed}"
    );
    assert!(
        (committed - created).num_seconds().abs() < 60,
        "{created} {committed}"
    );

    assert_eq!(r2.get::<i64, _>("I32"), -8);
    assert_eq!(r2.get::<f32, _>("F32"), f32::INFINITY);
    assert!(r2.get::<f64, _>("F64").is_nan());
    assert_eq!(r2.get::<Decimal, _>("Num"), Decimal::new(-5, 0));
    assert_eq!(
        r2.get::<BigDecimal, _>("Big"),
        BigDecimal::from_str("0.000000001").unwrap()
    );
    assert_eq!(r2.get::<String, _>("ShortUpper"), "TEN CHARS!");
    assert_eq!(r2.get::<String, _>("Long"), "");
    assert_eq!(r2.get::<String, _>("Ch"), "é");
    assert_eq!(r2.get::<Vec<u8>, _>("Bin"), Vec::<u8>::new());
    assert!(!r2.get::<bool, _>("Flag"));
    assert_eq!(r2.get::<time::Date, _>("Day"), tdate);
    assert_eq!(r2.get::<time::OffsetDateTime, _>("At"), toff);
    assert_eq!(r2.get::<time::PrimitiveDateTime, _>("AtNaive"), tprim);
    assert_eq!(
        r2.get::<serde_json::Value, _>("Doc"),
        json!([true, 1.5, "x"])
    );
    assert_eq!(r2.get::<Uuid, _>("Uid"), Uuid::nil());
    assert_eq!(r2.get::<Vec<i64>, _>("Ints"), [1, 2, i64::from(u32::MAX)]);
    assert_eq!(r2.get::<Vec<String>, _>("Strs"), Vec::<String>::new());
    assert_eq!(r2.get::<Vec<time::Date>, _>("Dates"), [tdate]);
    assert_eq!(
        r2.get::<Vec<BigDecimal>, _>("Nums"),
        [BigDecimal::from_str("1.5").unwrap()]
    );
    assert_eq!(r2.get::<DateTime<Utc>, _>("Updated"), past_utc);

    // Row 3: every column NULL except the key and the defaulted columns.
    for name in [
        "I32",
        "F32",
        "F64",
        "Num",
        "Big",
        "Short",
        "Long",
        "Ch",
        "Bin",
        "Bin16",
        "Day",
        "At",
        "AtNaive",
        "Doc",
        "Uid",
        "Ints",
        "Strs",
        "Dates",
        "Nums",
        "ShortUpper",
        "Updated",
    ] {
        let raw = r3.try_get_raw(name).unwrap();
        assert!(sqlx::ValueRef::is_null(&raw), "{name} is not NULL");
    }
    assert!(!r3.get::<bool, _>("Flag"), "DEFAULT (FALSE) applied");
    assert!(r3.get::<Option<DateTime<Utc>>, _>("Created").is_some());

    // Every value type as a filter parameter (Spanner compares them typed).
    let local: DateTime<Local> = at_fixed.with_timezone(&Local);
    let select = Query::select()
        .column("Id")
        .from("AllTypes")
        .and_where(Expr::col("I32").eq(7_i8))
        .and_where(Expr::col("F32").eq(1.5_f32))
        .and_where(Expr::col("F64").lt(0_f64))
        .and_where(Expr::col("Num").eq(num))
        .and_where(Expr::col("Big").eq(big.clone()))
        .and_where(Expr::col("Short").eq("héllo"))
        .and_where(Expr::col("Ch").eq('x'))
        .and_where(Expr::col("Bin").eq(blob.clone()))
        .and_where(Expr::col("Flag").eq(true))
        .and_where(Expr::col("Day").eq(day))
        .and_where(Expr::col("At").eq(local))
        .and_where(Expr::col("At").eq(at_fixed.with_timezone(&Utc)))
        .and_where(Expr::col("AtNaive").eq(naive))
        .and_where(Expr::col("Uid").eq(uid))
        .and_where(Expr::cust_with_values(
            "TO_JSON_STRING(`Doc`) = TO_JSON_STRING(?)",
            [doc.clone()],
        ))
        .and_where(Expr::cust_with_values("? IN UNNEST(`Ints`)", [i64::MAX]))
        .and_where(Expr::cust_with_values(
            "ARRAY_LENGTH(`Strs`) = ARRAY_LENGTH(?)",
            [vec!["p".to_owned(), "q".to_owned(), "r".to_owned()]],
        ))
        .to_owned();
    assert_eq!(ids(&pool, &select).await, [1]);
    let select = Query::select()
        .column("Id")
        .from("AllTypes")
        .and_where(Expr::col("I32").eq(-8_i64))
        .and_where(Expr::col("Day").eq(tdate))
        .and_where(Expr::col("At").eq(toff))
        .and_where(Expr::col("AtNaive").eq(tprim))
        .and_where(Expr::col("Uid").eq(Uuid::nil()))
        .and_where(Expr::col("Big").eq(BigDecimal::from_str("0.000000001").unwrap()))
        .and_where(Expr::col("Updated").eq(past_utc.naive_utc()))
        .to_owned();
    assert_eq!(ids(&pool, &select).await, [2]);
}

#[tokio::test]
async fn inline_literals_are_valid_googlesql() {
    // `to_string` inlines values as GoogleSQL literals; the emulator must parse them back
    // to the same values.
    let pool = pool("sqlits").await;
    let day = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    let naive = day.and_hms_micro_opt(10, 20, 30, 5).unwrap();
    let east = FixedOffset::east_opt(2 * 3600).unwrap();
    let select = Query::select()
        .expr_as(Expr::val("it's \\ \n é"), "s")
        .expr_as(Expr::val(vec![0_u8, b'\'', 255]), "b")
        .expr_as(Expr::val(1.5_f32), "f32")
        .expr_as(Expr::val(f64::NEG_INFINITY), "inf")
        .expr_as(Expr::val(Decimal::new(-12345, 3)), "num")
        .expr_as(Expr::val(day), "d")
        .expr_as(Expr::val(naive), "ts")
        .expr_as(Expr::val(east.from_local_datetime(&naive).unwrap()), "tsz")
        .expr_as(Expr::val(json!({"k": "it's"})), "j")
        .expr_as(Expr::val(vec![1_i64, 2]), "a")
        .expr_as(Expr::val(Vec::<String>::new()), "e")
        .expr_as(Expr::val(Uuid::nil()), "u")
        .expr_as(Expr::val(true), "t")
        .to_owned();
    let sql = select.to_string(B);
    assert!(!sql.contains('@'), "{sql}");
    let row = sqlx::query(AssertSqlSafe(sql))
        .fetch_one(&pool)
        .await
        .expect("inline literals run");
    assert_eq!(row.get::<String, _>("s"), "it's \\ \n é");
    assert_eq!(row.get::<Vec<u8>, _>("b"), [0, b'\'', 255]);
    assert_eq!(row.get::<f32, _>("f32"), 1.5);
    assert_eq!(row.get::<f64, _>("inf"), f64::NEG_INFINITY);
    assert_eq!(row.get::<Decimal, _>("num"), Decimal::new(-12345, 3));
    assert_eq!(row.get::<NaiveDate, _>("d"), day);
    assert_eq!(row.get::<NaiveDateTime, _>("ts"), naive);
    assert_eq!(
        row.get::<DateTime<Utc>, _>("tsz"),
        east.from_local_datetime(&naive).unwrap()
    );
    assert_eq!(row.get::<serde_json::Value, _>("j"), json!({"k": "it's"}));
    assert_eq!(row.get::<Vec<i64>, _>("a"), [1, 2]);
    assert_eq!(row.get::<Vec<String>, _>("e"), Vec::<String>::new());
    assert_eq!(row.get::<Uuid, _>("u"), Uuid::nil());
    assert!(row.get::<bool, _>("t"));
}

// ------------------------------------------------------------------------------------------
// Constraints: CHECK, FOREIGN KEY, IDENTITY, UNIQUE
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn constraints_identity_and_unique() {
    let pool = pool("sqcons").await;
    let accounts = Table::create()
        .table("Accounts")
        .col(
            ColumnDef::new("Id")
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new("Email").string().not_null().unique_key())
        .col(
            ColumnDef::new("Age")
                .integer()
                .check(Expr::col("Age").gte(0)),
        )
        .to_owned();
    let orders = Table::create()
        .table("Orders")
        .col(ColumnDef::new("Id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("AccountId").big_integer().not_null())
        .foreign_key(
            ForeignKey::create()
                .name("FK_Orders_Accounts")
                .from_col("AccountId")
                .to("Accounts", "Id"),
        )
        .to_owned();
    let mut stmts = B.build_table_create_batch(&accounts).expect("accounts");
    assert_eq!(
        stmts,
        [
            "CREATE TABLE `Accounts` (`Id` INT64 NOT NULL GENERATED BY DEFAULT AS IDENTITY \
             (BIT_REVERSED_POSITIVE), `Email` STRING(MAX) NOT NULL, `Age` INT64, \
             CHECK (`Age` >= 0)) PRIMARY KEY (`Id`)",
            "CREATE UNIQUE INDEX `UQ_Accounts_Email` ON `Accounts` (`Email`)",
        ]
    );
    // The single-statement API refuses a table that needs a companion index.
    assert!(B.build_table_create(&accounts).is_err());
    let orders_sql = B.build_table_create(&orders).expect("orders");
    assert_eq!(
        orders_sql,
        "CREATE TABLE `Orders` (`Id` INT64 NOT NULL, `AccountId` INT64 NOT NULL, \
         CONSTRAINT `FK_Orders_Accounts` FOREIGN KEY (`AccountId`) REFERENCES `Accounts` (`Id`)) \
         PRIMARY KEY (`Id`)"
    );
    stmts.push(orders_sql);
    ddl(&pool, &stmts).await;

    // IDENTITY: insert without the key, read the generated ids back with THEN RETURN.
    let insert = Query::insert()
        .into_table("Accounts")
        .columns(["Email", "Age"])
        .values_panic(["a@x".into(), 30.into()])
        .values_panic(["b@x".into(), Expr::val(None::<i64>)])
        .returning(Query::returning().columns(["Id", "Email"]))
        .to_owned();
    let (sql, _) = insert.build_sqlx(B);
    assert_eq!(
        sql,
        "INSERT INTO `Accounts` (`Email`, `Age`) VALUES (@p1, @p2), (@p3, @p4) \
         THEN RETURN `Id`, `Email`"
    );
    let rows = fetch(&pool, &insert).await;
    let returned: Vec<(i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(returned.len(), 2);
    assert!(returned.iter().all(|(id, _)| *id > 0), "{returned:?}");
    assert_ne!(returned[0].0, returned[1].0);
    let mut stored: Vec<(i64, String)> = fetch(
        &pool,
        &Query::select()
            .columns(["Id", "Email"])
            .from("Accounts")
            .order_by("Email", Order::Asc)
            .to_owned(),
    )
    .await
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut returned_sorted = returned.clone();
    returned_sorted.sort_by(|a, b| a.1.cmp(&b.1));
    stored.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(stored, returned_sorted);
    let a_id = returned_sorted[0].0;

    // UNIQUE became a unique index: a duplicate email is a unique violation.
    let dup = Query::insert()
        .into_table("Accounts")
        .columns(["Email"])
        .values_panic(["a@x".into()])
        .to_owned();
    let err = try_exec(&pool, &dup).await.expect_err("duplicate email");
    assert_eq!(db_error_kind(&err), ErrorKind::UniqueViolation, "{err}");

    // CHECK (`Age` >= 0).
    let negative = Query::insert()
        .into_table("Accounts")
        .columns(["Email", "Age"])
        .values_panic(["c@x".into(), (-1).into()])
        .to_owned();
    let err = try_exec(&pool, &negative).await.expect_err("check");
    assert_eq!(db_error_kind(&err), ErrorKind::CheckViolation, "{err}");

    // FOREIGN KEY: unknown account fails, a real one works.
    let order = |id: i64, account: i64| {
        Query::insert()
            .into_table("Orders")
            .columns(["Id", "AccountId"])
            .values_panic([id.into(), account.into()])
            .to_owned()
    };
    let missing = if a_id == 1 { 2 } else { 1 };
    let err = try_exec(&pool, &order(1, missing))
        .await
        .expect_err("foreign key");
    assert_eq!(db_error_kind(&err), ErrorKind::ForeignKeyViolation, "{err}");
    assert_eq!(exec(&pool, &order(1, a_id)).await, 1);
    // The referenced account cannot be deleted while an order points at it (NO ACTION).
    let delete = Query::delete()
        .from_table("Accounts")
        .and_where(Expr::col("Id").eq(a_id))
        .to_owned();
    let err = try_exec(&pool, &delete).await.expect_err("referenced row");
    assert_eq!(db_error_kind(&err), ErrorKind::ForeignKeyViolation, "{err}");
    let count = fetch(
        &pool,
        &Query::select()
            .expr_as(Func::count(Expr::col(Asterisk)), "n")
            .from("Accounts")
            .to_owned(),
    )
    .await;
    assert_eq!(count[0].get::<i64, _>("n"), 2);
}

// ------------------------------------------------------------------------------------------
// Interleaving, Spanner index options, index hints, DROP
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn interleaving_indexes_hints_and_drop() {
    let pool = pool("sqileave").await;
    let singers = Table::create()
        .table("Singers")
        .col(
            ColumnDef::new("SingerId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("Name").string_len(100))
        .to_owned();
    let albums = Table::create()
        .table("Albums")
        .col(
            ColumnDef::new("SingerId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new("AlbumId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("Title").string())
        .col(ColumnDef::new("Released").date())
        .col(ColumnDef::new("Sales").big_integer())
        .to_owned();
    let cascade =
        SpannerTableOptions::new().interleave_in_parent("Singers", InterleaveOnDelete::Cascade);
    let albums_sql = B
        .build_table_create_with(&albums, &cascade)
        .expect("albums");
    assert_eq!(
        albums_sql,
        [
            "CREATE TABLE `Albums` (`SingerId` INT64 NOT NULL, `AlbumId` INT64 NOT NULL, \
          `Title` STRING(MAX), `Released` DATE, `Sales` INT64) \
          PRIMARY KEY (`SingerId`, `AlbumId`), INTERLEAVE IN PARENT `Singers` ON DELETE CASCADE"
        ]
    );
    // A second child without cascading deletes (Spanner's default: NO ACTION).
    let tours = Table::create()
        .table("Tours")
        .col(
            ColumnDef::new("SingerId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new("TourId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .to_owned();
    let no_action =
        SpannerTableOptions::new().interleave_in_parent("Singers", InterleaveOnDelete::NoAction);
    let by_released = Index::create()
        .name("AlbumsByReleased")
        .table("Albums")
        .col("Released")
        .include("Sales")
        .to_owned();
    let by_released_sql = B
        .build_index_create_with(
            &by_released,
            &SpannerIndexOptions::new().null_filtered().storing("Title"),
        )
        .expect("index");
    assert_eq!(
        by_released_sql,
        "CREATE NULL_FILTERED INDEX `AlbumsByReleased` ON `Albums` (`Released`) \
         STORING (`Sales`, `Title`)"
    );
    let by_title = Index::create()
        .name("AlbumsBySingerTitle")
        .table("Albums")
        .col("SingerId")
        .col("Title")
        .to_owned();
    let by_title_sql = B
        .build_index_create_with(
            &by_title,
            &SpannerIndexOptions::new().interleave_in("Singers"),
        )
        .expect("interleaved index");
    assert_eq!(
        by_title_sql,
        "CREATE INDEX `AlbumsBySingerTitle` ON `Albums` (`SingerId`, `Title`), \
         INTERLEAVE IN `Singers`"
    );
    let mut stmts = B.build_table_create_batch(&singers).expect("singers");
    stmts.extend(albums_sql);
    stmts.extend(
        B.build_table_create_with(&tours, &no_action)
            .expect("tours"),
    );
    stmts.push(by_released_sql);
    stmts.push(by_title_sql);
    ddl(&pool, &stmts).await;

    // What Spanner made of it.
    let tables = fetch(
        &pool,
        &Query::select()
            .columns(["TABLE_NAME", "PARENT_TABLE_NAME", "ON_DELETE_ACTION"])
            .from(("INFORMATION_SCHEMA", "TABLES"))
            .and_where(Expr::col("TABLE_SCHEMA").eq(""))
            .order_by("TABLE_NAME", Order::Asc)
            .to_owned(),
    )
    .await;
    let tables: Vec<(String, Option<String>, Option<String>)> = tables
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        tables,
        [
            ("Albums".to_owned(), s("Singers"), s("CASCADE")),
            ("Singers".to_owned(), None, None),
            ("Tours".to_owned(), s("Singers"), s("NO ACTION")),
        ]
    );
    let indexes = fetch(
        &pool,
        &Query::select()
            .columns(["INDEX_NAME", "PARENT_TABLE_NAME", "IS_NULL_FILTERED"])
            .from(("INFORMATION_SCHEMA", "INDEXES"))
            .and_where(Expr::col("TABLE_NAME").eq("Albums"))
            .and_where(Expr::col("INDEX_TYPE").eq("INDEX"))
            .order_by("INDEX_NAME", Order::Asc)
            .to_owned(),
    )
    .await;
    let indexes: Vec<(String, String, bool)> = indexes
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        indexes,
        [
            ("AlbumsByReleased".to_owned(), String::new(), true),
            (
                "AlbumsBySingerTitle".to_owned(),
                "Singers".to_owned(),
                false
            ),
        ]
    );
    let storing = fetch(
        &pool,
        &Query::select()
            .column("COLUMN_NAME")
            .from(("INFORMATION_SCHEMA", "INDEX_COLUMNS"))
            .and_where(Expr::col("INDEX_NAME").eq("AlbumsByReleased"))
            .and_where(Expr::col("ORDINAL_POSITION").is_null())
            .order_by("COLUMN_NAME", Order::Asc)
            .to_owned(),
    )
    .await;
    assert_eq!(col::<String>(&storing, "COLUMN_NAME"), ["Sales", "Title"]);

    // Data: singer 1 with two albums (one unreleased) and a tour, singer 2 with one album.
    let day = NaiveDate::from_ymd_opt(2020, 5, 1).unwrap();
    exec(
        &pool,
        &Query::insert()
            .into_table("Singers")
            .columns(["SingerId", "Name"])
            .values_panic([1.into(), "Ann".into()])
            .values_panic([2.into(), "Bob".into()])
            .to_owned(),
    )
    .await;
    exec(
        &pool,
        &Query::insert()
            .into_table("Albums")
            .columns(["SingerId", "AlbumId", "Title", "Released", "Sales"])
            .values_panic([
                1.into(),
                1.into(),
                "First".into(),
                Expr::val(day),
                10.into(),
            ])
            .values_panic([
                1.into(),
                2.into(),
                "Draft".into(),
                Expr::val(None::<NaiveDate>),
                Expr::val(None::<i64>),
            ])
            .values_panic([2.into(), 1.into(), "Solo".into(), Expr::val(day), 5.into()])
            .to_owned(),
    )
    .await;
    exec(
        &pool,
        &Query::insert()
            .into_table("Tours")
            .columns(["SingerId", "TourId"])
            .values_panic([2.into(), 1.into()])
            .to_owned(),
    )
    .await;

    // FORCE_INDEX hints: the NULL_FILTERED index only holds released albums.
    let hinted = Query::select()
        .columns([("a", "Title"), ("a", "Sales")])
        .from_as(force_index("Albums", "AlbumsByReleased").unwrap(), "a")
        .and_where(Expr::col(("a", "Released")).is_not_null())
        .order_by(("a", "Title"), Order::Asc)
        .to_owned();
    assert_eq!(
        hinted.build_sqlx(B).0,
        "SELECT `a`.`Title`, `a`.`Sales` FROM `Albums`@{FORCE_INDEX=AlbumsByReleased} AS `a` \
         WHERE `a`.`Released` IS NOT NULL ORDER BY `a`.`Title` ASC"
    );
    // The emulator cannot prove that a NULL_FILTERED index is safe for a query and refuses
    // it unless told (a statement hint production Spanner ignores).
    let (sql, args) = hinted.try_build_sqlx(B).unwrap();
    let err = sqlx::query_with(AssertSqlSafe(sql.clone()), args.clone())
        .fetch_all(&pool)
        .await
        .expect_err("the emulator's null-filtered index check");
    assert!(err.to_string().contains("null filtered index"), "{err}");
    let sql = format!("@{{spanner_emulator.disable_query_null_filtered_index_check=true}} {sql}");
    let rows = sqlx::query_with(AssertSqlSafe(sql), args)
        .fetch_all(&pool)
        .await
        .expect("null-filtered index with the emulator hint");
    assert_eq!(col::<String>(&rows, "Title"), ["First", "Solo"]);
    assert_eq!(col::<i64>(&rows, "Sales"), [10, 5]);
    let hinted = Query::select()
        .column("Title")
        .from(force_index("Albums", "AlbumsBySingerTitle").unwrap())
        .and_where(Expr::col("SingerId").eq(1))
        .order_by("Title", Order::Asc)
        .to_owned();
    assert_eq!(
        col::<String>(&fetch(&pool, &hinted).await, "Title"),
        ["Draft", "First"]
    );
    // The hint reaches Spanner: an unknown index is rejected.
    let bogus = Query::select()
        .column("Title")
        .from(force_index("Albums", "NoSuchIndex").unwrap())
        .to_owned();
    assert!(try_fetch(&pool, &bogus).await.is_err());

    // ON DELETE CASCADE removes singer 1's albums; NO ACTION protects singer 2 (a tour).
    let delete_singer = |id: i64| {
        Query::delete()
            .from_table("Singers")
            .and_where(Expr::col("SingerId").eq(id))
            .to_owned()
    };
    assert_eq!(exec(&pool, &delete_singer(1)).await, 1);
    let albums_left = Query::select()
        .columns(["SingerId", "AlbumId"])
        .from("Albums")
        .order_by("SingerId", Order::Asc)
        .to_owned();
    assert_eq!(
        col::<i64>(&fetch(&pool, &albums_left).await, "SingerId"),
        [2]
    );
    assert!(try_exec(&pool, &delete_singer(2)).await.is_err());

    // DROP INDEX, DROP TABLE (children first).
    let mut drops = vec![
        B.build_index_drop(
            &Index::drop()
                .name("AlbumsByReleased")
                .table("Albums")
                .to_owned(),
        )
        .unwrap(),
        B.build_index_drop(
            &Index::drop()
                .name("AlbumsBySingerTitle")
                .table("Albums")
                .to_owned(),
        )
        .unwrap(),
    ];
    assert_eq!(
        drops,
        [
            "DROP INDEX `AlbumsByReleased`",
            "DROP INDEX `AlbumsBySingerTitle`"
        ]
    );
    drops.extend(
        B.build_table_drop_batch(&Table::drop().table("Tours").table("Albums").to_owned())
            .unwrap(),
    );
    drops.extend(
        B.build_table_drop_batch(&Table::drop().table("Singers").if_exists().to_owned())
            .unwrap(),
    );
    assert_eq!(
        drops[2..],
        [
            "DROP TABLE `Tours`",
            "DROP TABLE `Albums`",
            "DROP TABLE IF EXISTS `Singers`"
        ]
    );
    ddl(&pool, &drops).await;
    let left = fetch(
        &pool,
        &Query::select()
            .column("TABLE_NAME")
            .from(("INFORMATION_SCHEMA", "TABLES"))
            .and_where(Expr::col("TABLE_SCHEMA").eq(""))
            .to_owned(),
    )
    .await;
    assert!(
        left.is_empty(),
        "tables left: {:?}",
        col::<String>(&left, "TABLE_NAME")
    );
}

// ------------------------------------------------------------------------------------------
// ALTER TABLE
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn alter_table_add_alter_drop_columns() {
    let pool = pool("sqalter").await;
    let create = Table::create()
        .table("Items")
        .col(ColumnDef::new("Id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("Name").string_len(10))
        .col(ColumnDef::new("Old").boolean())
        .to_owned();
    ddl(&pool, &[B.build_table_create(&create).unwrap()]).await;
    exec(
        &pool,
        &Query::insert()
            .into_table("Items")
            .columns(["Id", "Name"])
            .values_panic([1.into(), "one".into()])
            .to_owned(),
    )
    .await;

    let alter = Table::alter()
        .table("Items")
        .add_column(
            ColumnDef::new("Qty")
                .big_integer()
                .not_null()
                .default(0)
                .check(Expr::col("Qty").gte(0)),
        )
        .add_column_if_not_exists(ColumnDef::new("Tags").array(ColumnType::String(StringLen::N(8))))
        .modify_column(ColumnDef::new("Name").string_len(100).not_null())
        .drop_column("Old")
        .to_owned();
    let stmts = B.build_table_alter_batch(&alter).expect("alter");
    assert_eq!(
        stmts,
        [
            "ALTER TABLE `Items` ADD COLUMN `Qty` INT64 NOT NULL DEFAULT (0)",
            "ALTER TABLE `Items` ADD CHECK (`Qty` >= 0)",
            "ALTER TABLE `Items` ADD COLUMN IF NOT EXISTS `Tags` ARRAY<STRING(8)>",
            "ALTER TABLE `Items` ALTER COLUMN `Name` STRING(100) NOT NULL",
            "ALTER TABLE `Items` DROP COLUMN `Old`",
        ]
    );
    ddl(&pool, &stmts).await;
    let set_default = Table::alter()
        .table("Items")
        .modify_column(ColumnDef::new("Qty").default(5))
        .to_owned();
    let stmts = B
        .build_table_alter_batch(&set_default)
        .expect("set default");
    assert_eq!(
        stmts,
        ["ALTER TABLE `Items` ALTER COLUMN `Qty` SET DEFAULT (5)"]
    );
    ddl(&pool, &stmts).await;

    let got = columns_of(&pool, "Items").await;
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Id", "INT64", "NO"),
            ("Name", "STRING(100)", "NO"),
            ("Qty", "INT64", "NO"),
            ("Tags", "ARRAY<STRING(8)>", "YES"),
        ]
    );
    // The existing row got the ADD COLUMN default; a new row gets the new default; the
    // widened column takes a longer value; the CHECK holds.
    exec(
        &pool,
        &Query::insert()
            .into_table("Items")
            .columns(["Id", "Name", "Tags"])
            .values_panic([
                2.into(),
                "a much longer name".into(),
                Expr::val(vec!["t".to_owned()]),
            ])
            .to_owned(),
    )
    .await;
    // The DEFAULT keyword in a VALUES list.
    let with_default = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name", "Qty"])
        .values_panic([3.into(), "three".into(), Expr::keyword_default()])
        .to_owned();
    assert_eq!(
        with_default.build_sqlx(B).0,
        "INSERT INTO `Items` (`Id`, `Name`, `Qty`) VALUES (@p1, @p2, DEFAULT)"
    );
    assert_eq!(exec(&pool, &with_default).await, 1);
    let rows = fetch(
        &pool,
        &Query::select()
            .columns(["Id", "Name", "Qty"])
            .from("Items")
            .order_by("Id", Order::Asc)
            .to_owned(),
    )
    .await;
    assert_eq!(col::<i64>(&rows, "Qty"), [0, 5, 5]);
    assert_eq!(
        col::<String>(&rows, "Name"),
        ["one", "a much longer name", "three"]
    );
    let err = try_exec(
        &pool,
        &Query::update()
            .table("Items")
            .value("Qty", -1)
            .and_where(Expr::col("Id").eq(1))
            .to_owned(),
    )
    .await
    .expect_err("check added by ALTER");
    assert_eq!(db_error_kind(&err), ErrorKind::CheckViolation, "{err}");
    // NOT NULL added by ALTER COLUMN.
    let err = try_exec(
        &pool,
        &Query::update()
            .table("Items")
            .value("Name", None::<String>)
            .to_owned(),
    )
    .await
    .expect_err("NOT NULL");
    assert_eq!(db_error_kind(&err), ErrorKind::NotNullViolation, "{err}");
    // What the emulator cannot do is an error before anything runs.
    let rename = Table::alter()
        .table("Items")
        .rename_column("Name", "Title")
        .to_owned();
    assert!(B.build_table_alter_batch(&rename).is_err());
}

// ------------------------------------------------------------------------------------------
// SELECT
// ------------------------------------------------------------------------------------------

const SINGERS: &[(i64, &str, Option<&str>, Option<i64>)] = &[
    (1, "Ann", Some("NL"), Some(10)),
    (2, "Bob", Some("NL"), None),
    (3, "Cid", Some("US"), Some(30)),
    (4, "Dee", None, Some(20)),
    (5, "Eve", Some("US"), None),
];

const ALBUMS: &[(i64, i64, &str)] = &[
    (1, 1, "100% pure"),
    (1, 2, "100 pure"),
    (3, 1, "a_b"),
    (3, 2, "axb"),
    (4, 1, "Loud"),
];

async fn query_fixture() -> SpannerPool {
    let pool = pool("sqselect").await;
    let singers = Table::create()
        .table("Singers")
        .col(ColumnDef::new("Id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("Name").string().not_null())
        .col(ColumnDef::new("Country").string_len(2))
        .col(ColumnDef::new("Score").big_integer())
        .index(Index::create().name("SingersByCountry").col("Country"))
        .to_owned();
    let albums = Table::create()
        .table("Albums")
        .col(
            ColumnDef::new("SingerId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new("AlbumId")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("Title").string().not_null())
        .to_owned();
    let mut stmts = B.build_table_create_batch(&singers).unwrap();
    assert_eq!(
        stmts[1],
        "CREATE INDEX `SingersByCountry` ON `Singers` (`Country`)"
    );
    stmts.extend(B.build_table_create_batch(&albums).unwrap());
    ddl(&pool, &stmts).await;
    let mut insert = Query::insert()
        .into_table("Singers")
        .columns(["Id", "Name", "Country", "Score"])
        .to_owned();
    for (id, name, country, score) in SINGERS {
        insert.values_panic([
            (*id).into(),
            (*name).into(),
            Expr::val(country.map(str::to_owned)),
            Expr::val(*score),
        ]);
    }
    assert_eq!(exec(&pool, &insert).await, 5);
    let mut insert = Query::insert()
        .into_table("Albums")
        .columns(["SingerId", "AlbumId", "Title"])
        .to_owned();
    for (singer, album, title) in ALBUMS {
        insert.values_panic([(*singer).into(), (*album).into(), (*title).into()]);
    }
    assert_eq!(exec(&pool, &insert).await, 5);
    pool
}

#[tokio::test]
async fn select_joins_subqueries_ctes_aggregates_windows() {
    let pool = query_fixture().await;

    // INNER and LEFT joins.
    let inner = Query::select()
        .column(("s", "Id"))
        .column(("a", "Title"))
        .from_as("Singers", "s")
        .join_as(
            JoinType::InnerJoin,
            "Albums",
            "a",
            Expr::col(("a", "SingerId")).equals(("s", "Id")),
        )
        .order_by(("s", "Id"), Order::Asc)
        .order_by(("a", "AlbumId"), Order::Asc)
        .to_owned();
    let rows = fetch(&pool, &inner).await;
    assert_eq!(col::<i64>(&rows, "Id"), [1, 1, 3, 3, 4]);
    assert_eq!(
        col::<String>(&rows, "Title"),
        ["100% pure", "100 pure", "a_b", "axb", "Loud"]
    );
    let lonely = Query::select()
        .column(("Singers", "Id"))
        .from("Singers")
        .left_join(
            "Albums",
            Expr::col(("Albums", "SingerId")).equals(("Singers", "Id")),
        )
        .and_where(Expr::col(("Albums", "Title")).is_null())
        .order_by(("Singers", "Id"), Order::Asc)
        .to_owned();
    assert_eq!(ids(&pool, &lonely).await, [2, 5]);

    // Subqueries: IN (SELECT ..), FROM (SELECT ..), EXISTS.
    let with_albums = Query::select()
        .column("Id")
        .from("Singers")
        .and_where(
            Expr::col("Id").in_subquery(
                Query::select()
                    .column("SingerId")
                    .from("Albums")
                    .and_where(Expr::col("AlbumId").gte(1))
                    .to_owned(),
            ),
        )
        .order_by("Id", Order::Asc)
        .to_owned();
    assert_eq!(ids(&pool, &with_albums).await, [1, 3, 4]);
    let scored = Query::select()
        .expr_as(Func::count(Expr::col(Asterisk)), "n")
        .from_subquery(
            Query::select()
                .column("Id")
                .from("Singers")
                .and_where(Expr::col("Score").gt(15))
                .to_owned(),
            "s",
        )
        .to_owned();
    assert_eq!(fetch(&pool, &scored).await[0].get::<i64, _>("n"), 2);
    let exists = Query::select()
        .column("Id")
        .from_as("Singers", "s")
        .and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as("Albums", "a")
                .and_where(Expr::col(("a", "SingerId")).equals(("s", "Id")))
                .and_where(Expr::col(("a", "Title")).like("a%"))
                .to_owned(),
        ))
        .to_owned();
    assert_eq!(ids(&pool, &exists).await, [3]);

    // CTE.
    let cte = CommonTableExpression::new()
        .query(
            Query::select()
                .columns(["Id", "Name"])
                .from("Singers")
                .and_where(Expr::col("Country").eq("NL"))
                .to_owned(),
        )
        .table_name("Dutch")
        .to_owned();
    let with = Query::select()
        .column("Name")
        .from("Dutch")
        .order_by("Name", Order::Desc)
        .to_owned()
        .with(WithClause::new().cte(cte).to_owned());
    let (sql, _) = with.build_sqlx(B);
    assert!(
        sql.starts_with("WITH `Dutch` AS (SELECT `Id`, `Name` FROM `Singers`"),
        "{sql}"
    );
    assert_eq!(
        col::<String>(&fetch(&pool, &with).await, "Name"),
        ["Bob", "Ann"]
    );

    // GROUP BY / HAVING.
    let grouped = Query::select()
        .column("Country")
        .expr_as(Func::count(Expr::col("Id")), "n")
        .expr_as(Func::sum(Expr::col("Score")), "total")
        .from("Singers")
        .group_by_col("Country")
        .and_having(Func::count(Expr::col("Id")).gte(2))
        .order_by("Country", Order::Asc)
        .to_owned();
    let rows = fetch(&pool, &grouped).await;
    assert_eq!(col::<String>(&rows, "Country"), ["NL", "US"]);
    assert_eq!(col::<i64>(&rows, "n"), [2, 2]);
    assert_eq!(col::<i64>(&rows, "total"), [10, 30]);

    // Window functions with inline OVER (..).
    let windowed = Query::select()
        .column("Id")
        .expr_window_as(
            Func::cust("ROW_NUMBER"),
            WindowStatement::partition_by("Country")
                .order_by("Id", Order::Desc)
                .to_owned(),
            "rn",
        )
        .expr_window_as(
            Func::sum(Expr::col("Score")),
            WindowStatement::partition_by("Country"),
            "country_total",
        )
        .from("Singers")
        .order_by("Id", Order::Asc)
        .to_owned();
    assert_eq!(
        windowed.build_sqlx(B).0,
        "SELECT `Id`, ROW_NUMBER() OVER ( PARTITION BY `Country` ORDER BY `Id` DESC ) AS `rn`, \
         SUM(`Score`) OVER ( PARTITION BY `Country` ) AS `country_total` FROM `Singers` \
         ORDER BY `Id` ASC"
    );
    // Production Spanner runs analytic functions; the emulator (gcloud 528.0.0)
    // rejects them with "Analytic functions not supported". Check the results where they run.
    match try_fetch(&pool, &windowed).await {
        Ok(rows) => {
            assert_eq!(col::<i64>(&rows, "Id"), [1, 2, 3, 4, 5]);
            assert_eq!(col::<i64>(&rows, "rn"), [2, 1, 2, 1, 1]);
            assert_eq!(
                col::<Option<i64>>(&rows, "country_total"),
                [Some(10), Some(10), Some(30), Some(20), Some(30)]
            );
        }
        Err((_, err)) => assert!(
            err.to_string().contains("Analytic functions not supported"),
            "{err}"
        ),
    }
}

#[tokio::test]
async fn select_set_operations_paging_ordering_and_matching() {
    let pool = query_fixture().await;
    let countries = || {
        Query::select()
            .column("Country")
            .from("Singers")
            .and_where(Expr::col("Country").is_not_null())
            .to_owned()
    };
    let nl = || {
        Query::select()
            .expr_as(Expr::val("NL"), "Country")
            .to_owned()
    };
    let count = |pool: SpannerPool, q: sea_query::SelectStatement| async move {
        fetch(&pool, &q).await.len()
    };
    // countries = NL, NL, US, US
    let all = countries().union(UnionType::All, countries()).to_owned();
    assert_eq!(count(pool.clone(), all).await, 8);
    let distinct = countries()
        .union(UnionType::Distinct, countries())
        .to_owned();
    assert_eq!(count(pool.clone(), distinct).await, 2);
    let intersect = countries().union(UnionType::Intersect, nl()).to_owned();
    let rows = fetch(&pool, &intersect).await;
    assert_eq!(col::<String>(&rows, "Country"), ["NL"]);
    let except = countries().union(UnionType::Except, nl()).to_owned();
    let rows = fetch(&pool, &except).await;
    assert_eq!(col::<String>(&rows, "Country"), ["US"]);
    // A mixed chain is grouped left to right: (a UNION DISTINCT a) UNION ALL a.
    let mixed = countries()
        .union(UnionType::Distinct, countries())
        .union(UnionType::All, countries())
        .to_owned();
    let (sql, _) = mixed.build_sqlx(B);
    assert!(sql.starts_with("(SELECT"), "{sql}");
    assert_eq!(count(pool.clone(), mixed).await, 2 + 4);
    let ordered = countries()
        .union(UnionType::Distinct, nl())
        .order_by("Country", Order::Desc)
        .limit(1)
        .to_owned();
    let rows = fetch(&pool, &ordered).await;
    assert_eq!(col::<String>(&rows, "Country"), ["US"]);

    // LIMIT / OFFSET, and OFFSET alone.
    let page = Query::select()
        .column("Id")
        .from("Singers")
        .order_by("Id", Order::Asc)
        .limit(2)
        .offset(1)
        .to_owned();
    assert_eq!(ids(&pool, &page).await, [2, 3]);
    let rest = Query::select()
        .column("Id")
        .from("Singers")
        .order_by("Id", Order::Asc)
        .offset(3)
        .to_owned();
    assert_eq!(
        rest.build_sqlx(B).0,
        "SELECT `Id` FROM `Singers` ORDER BY `Id` ASC LIMIT 9223372036854775807 OFFSET @p1"
    );
    assert_eq!(ids(&pool, &rest).await, [4, 5]);

    // NULLS FIRST / LAST in both directions (Score: 1=10, 2=NULL, 3=30, 4=20, 5=NULL).
    let by_score = |order: Order, nulls: NullOrdering| {
        Query::select()
            .column("Id")
            .from("Singers")
            .order_by_with_nulls("Score", order, nulls)
            .order_by("Id", Order::Asc)
            .to_owned()
    };
    assert_eq!(
        ids(&pool, &by_score(Order::Asc, NullOrdering::Last)).await,
        [1, 4, 3, 2, 5]
    );
    assert_eq!(
        ids(&pool, &by_score(Order::Asc, NullOrdering::First)).await,
        [2, 5, 1, 4, 3]
    );
    assert_eq!(
        ids(&pool, &by_score(Order::Desc, NullOrdering::First)).await,
        [2, 5, 3, 4, 1]
    );
    assert_eq!(
        ids(&pool, &by_score(Order::Desc, NullOrdering::Last)).await,
        [3, 4, 1, 2, 5]
    );
    assert_eq!(
        by_score(Order::Asc, NullOrdering::Last).build_sqlx(B).0,
        "SELECT `Id` FROM `Singers` ORDER BY `Score` IS NULL, `Score` ASC, `Id` ASC"
    );

    // LIKE with escaped wildcards (both a custom escape character and the backslash).
    let titles = |cond: Expr| {
        Query::select()
            .column("Title")
            .from("Albums")
            .and_where(cond)
            .order_by("Title", Order::Asc)
            .to_owned()
    };
    let rows = fetch(&pool, &titles(Expr::col("Title").like("100%"))).await;
    assert_eq!(col::<String>(&rows, "Title"), ["100 pure", "100% pure"]);
    let escaped = titles(Expr::col("Title").like(LikeExpr::new("100!%%").escape('!')));
    assert_eq!(
        escaped.build_sqlx(B).0,
        "SELECT `Title` FROM `Albums` WHERE `Title` LIKE @p1 ORDER BY `Title` ASC"
    );
    let rows = fetch(&pool, &escaped).await;
    assert_eq!(col::<String>(&rows, "Title"), ["100% pure"]);
    let rows = fetch(&pool, &titles(Expr::col("Title").like("a_b"))).await;
    assert_eq!(col::<String>(&rows, "Title"), ["a_b", "axb"]);
    let rows = fetch(&pool, &titles(Expr::col("Title").like(r"a\_b"))).await;
    assert_eq!(col::<String>(&rows, "Title"), ["a_b"]);
    let rows = fetch(
        &pool,
        &titles(Expr::col("Title").like(LikeExpr::new("a#_%").escape('#'))),
    )
    .await;
    assert_eq!(col::<String>(&rows, "Title"), ["a_b"]);
    let rows = fetch(&pool, &titles(Expr::col("Title").not_like("%pure"))).await;
    assert_eq!(col::<String>(&rows, "Title"), ["Loud", "a_b", "axb"]);

    // Case-insensitive matching: ILIKE becomes LOWER(..) LIKE LOWER(..).
    {
        use sea_query::extension::postgres::PgExpr;
        let q = Query::select()
            .column("Id")
            .from("Singers")
            .and_where(Expr::col("Name").ilike("%E%"))
            .order_by("Id", Order::Asc)
            .to_owned();
        assert_eq!(
            q.build_sqlx(B).0,
            "SELECT `Id` FROM `Singers` WHERE LOWER(`Name`) LIKE LOWER(@p1) ORDER BY `Id` ASC"
        );
        assert_eq!(ids(&pool, &q).await, [4, 5]);
        let q = Query::select()
            .column("Title")
            .from("Albums")
            .and_where(Expr::col("Title").ilike("LOUD"))
            .to_owned();
        assert_eq!(col::<String>(&fetch(&pool, &q).await, "Title"), ["Loud"]);
    }

    // Index hint on the index declared inside CREATE TABLE.
    let hinted = Query::select()
        .column("Id")
        .from(force_index("Singers", "SingersByCountry").unwrap())
        .and_where(Expr::col("Country").eq("US"))
        .order_by("Id", Order::Asc)
        .to_owned();
    assert_eq!(ids(&pool, &hinted).await, [3, 5]);
}

// ------------------------------------------------------------------------------------------
// INSERT / UPDATE / DELETE
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn insert_upsert_update_delete() {
    let pool = pool_with_schema(
        "sqdml",
        &["CREATE TABLE Items (Id INT64 NOT NULL, Name STRING(MAX), Qty INT64) PRIMARY KEY (Id)"],
    )
    .await;
    let all = || {
        Query::select()
            .columns(["Id", "Name", "Qty"])
            .from("Items")
            .order_by("Id", Order::Asc)
            .to_owned()
    };
    let snapshot = |rows: Vec<SpannerRow>| -> Vec<(i64, Option<String>, Option<i64>)> {
        rows.iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    };
    let s = |v: &str| Some(v.to_owned());

    // Multi-row INSERT, with a typed NULL into INT64 and STRING.
    let insert = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name", "Qty"])
        .values_panic([1.into(), "a".into(), 10.into()])
        .values_panic([2.into(), "b".into(), Expr::val(None::<i64>)])
        .values_panic([3.into(), Expr::val(None::<String>), 30.into()])
        .to_owned();
    assert_eq!(exec(&pool, &insert).await, 3);
    assert_eq!(
        snapshot(fetch(&pool, &all()).await),
        [
            (1, s("a"), Some(10)),
            (2, s("b"), None),
            (3, None, Some(30))
        ]
    );

    // ON CONFLICT DO NOTHING -> INSERT OR IGNORE.
    let ignore = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name", "Qty"])
        .values_panic([1.into(), "changed".into(), 0.into()])
        .values_panic([4.into(), "d".into(), 40.into()])
        .on_conflict(OnConflict::column("Id").do_nothing().to_owned())
        .to_owned();
    assert!(ignore
        .build_sqlx(B)
        .0
        .starts_with("INSERT OR IGNORE INTO `Items`"));
    assert_eq!(exec(&pool, &ignore).await, 1);
    // Update-all-columns upsert -> INSERT OR UPDATE.
    let upsert = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name", "Qty"])
        .values_panic([2.into(), "B".into(), 20.into()])
        .values_panic([5.into(), "e".into(), 50.into()])
        .on_conflict(
            OnConflict::column("Id")
                .update_columns(["Name", "Qty"])
                .to_owned(),
        )
        .to_owned();
    assert!(upsert
        .build_sqlx(B)
        .0
        .starts_with("INSERT OR UPDATE INTO `Items`"));
    assert_eq!(exec(&pool, &upsert).await, 2);
    assert_eq!(
        snapshot(fetch(&pool, &all()).await),
        [
            (1, s("a"), Some(10)),
            (2, s("B"), Some(20)),
            (3, None, Some(30)),
            (4, s("d"), Some(40)),
            (5, s("e"), Some(50)),
        ]
    );

    // RETURNING -> THEN RETURN on INSERT, UPDATE and DELETE.
    let insert = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name"])
        .values_panic([6.into(), "f".into()])
        .returning_all()
        .to_owned();
    assert!(insert.build_sqlx(B).0.ends_with(" THEN RETURN *"));
    let rows = fetch(&pool, &insert).await;
    assert_eq!(snapshot(rows), [(6, s("f"), None)]);
    let update = Query::update()
        .table("Items")
        .value("Qty", Expr::col("Qty").add(1))
        .and_where(Expr::col("Id").lte(2))
        .returning(Query::returning().columns(["Id", "Qty"]))
        .to_owned();
    assert_eq!(
        update.build_sqlx(B).0,
        "UPDATE `Items` SET `Qty` = `Qty` + @p1 WHERE `Id` <= @p2 THEN RETURN `Id`, `Qty`"
    );
    let mut rows: Vec<(i64, i64)> = fetch(&pool, &update)
        .await
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    rows.sort_unstable();
    assert_eq!(rows, [(1, 11), (2, 21)]);

    // UPDATE with a typed NULL, and the "optional filter" pattern with typed NULL params.
    let set_null = Query::update()
        .table("Items")
        .value("Qty", None::<i64>)
        .value("Name", None::<String>)
        .and_where(Expr::col("Id").eq(6))
        .to_owned();
    assert_eq!(exec(&pool, &set_null).await, 1);
    let by_name = |name: Option<&str>| {
        let name = name.map(str::to_owned);
        Query::select()
            .column("Id")
            .from("Items")
            .cond_where(
                sea_query::Cond::any()
                    .add(Expr::col("Name").eq(name.clone()))
                    .add(Expr::val(name).is_null().and(Expr::col("Name").is_null())),
            )
            .order_by("Id", Order::Asc)
            .to_owned()
    };
    assert_eq!(ids(&pool, &by_name(None)).await, [3, 6]);
    assert_eq!(ids(&pool, &by_name(Some("d"))).await, [4]);
    // `= NULL` never matches, even with a typed NULL parameter.
    let eq_null = Query::select()
        .column("Id")
        .from("Items")
        .and_where(Expr::col("Qty").eq(None::<i64>))
        .to_owned();
    assert!(ids(&pool, &eq_null).await.is_empty());
    let is_null = Query::select()
        .column("Id")
        .from("Items")
        .and_where(Expr::col("Qty").is_null())
        .to_owned();
    assert_eq!(ids(&pool, &is_null).await, [6]);

    // UPDATE without WHERE -> WHERE TRUE (touches every row).
    let bump = Query::update()
        .table("Items")
        .value(
            "Qty",
            Func::coalesce([Expr::col("Qty"), Expr::val(0)]).add(100),
        )
        .to_owned();
    assert_eq!(
        bump.build_sqlx(B).0,
        "UPDATE `Items` SET `Qty` = COALESCE(`Qty`, @p1) + @p2 WHERE TRUE"
    );
    assert_eq!(exec(&pool, &bump).await, 6);
    let qty: Vec<i64> = col(&fetch(&pool, &all()).await, "Qty");
    assert_eq!(qty, [111, 121, 130, 140, 150, 100]);

    // DELETE with WHERE and THEN RETURN, then without WHERE.
    let delete = Query::delete()
        .from_table("Items")
        .and_where(Expr::col("Qty").gte(140))
        .returning_col("Id")
        .to_owned();
    let mut deleted = ids(&pool, &delete).await;
    deleted.sort_unstable();
    assert_eq!(deleted, [4, 5]);
    let delete_all = Query::delete().from_table("Items").to_owned();
    assert_eq!(delete_all.build_sqlx(B).0, "DELETE FROM `Items` WHERE TRUE");
    assert_eq!(exec(&pool, &delete_all).await, 4);
    assert!(fetch(&pool, &all()).await.is_empty());
}

// ------------------------------------------------------------------------------------------
// Rendered only: constructs the emulator rejects
// ------------------------------------------------------------------------------------------

#[test]
fn renders_the_emulator_rejects() {
    // FOR UPDATE: accepted by production Spanner (GoogleSQL), rejected by the emulator.
    let q = Query::select()
        .column("Id")
        .from("Items")
        .and_where(Expr::col("Id").eq(1))
        .lock(LockType::Update)
        .to_owned();
    assert_eq!(
        q.build_sqlx(B).0,
        "SELECT `Id` FROM `Items` WHERE `Id` = @p1 FOR UPDATE"
    );
}

/// Locking clauses and upserts GoogleSQL cannot say are errors from `build_checked`, and the
/// best-effort SQL of `build_sqlx` fails on Spanner instead of running something else.
#[tokio::test]
async fn unsupported_locking_and_upserts_fail_instead_of_running_other_sql() {
    use sea_query::LockBehavior;
    let pool = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        pool_with_schema(
            "sq_rules",
            &["CREATE TABLE Items (Id INT64 NOT NULL, Name STRING(MAX), Qty INT64) PRIMARY KEY (Id)"],
        ),
    )
    .await
    .expect("schema in time");
    let seed = Query::insert()
        .into_table("Items")
        .columns(["Id", "Name", "Qty"])
        .values_panic([1.into(), "a".into(), 1.into()])
        .to_owned();
    assert_eq!(exec(&pool, &seed).await, 1);

    let base = Query::select()
        .column("Id")
        .from("Items")
        .and_where(Expr::col("Id").eq(1))
        .to_owned();
    let locks = [
        base.clone().lock_shared().to_owned(),
        base.clone().lock(LockType::KeyShare).to_owned(),
        base.clone().lock(LockType::NoKeyUpdate).to_owned(),
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::Nowait)
            .to_owned(),
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned(),
        base.clone()
            .lock_with_tables(LockType::Update, ["Items"])
            .to_owned(),
    ];
    for stmt in &locks {
        let err = B.build_checked(stmt).expect_err("unsupported lock");
        assert!(
            matches!(err, SpannerSqlError::UnsupportedFeature(_)),
            "{err}"
        );
        let outcome =
            tokio::time::timeout(std::time::Duration::from_secs(30), try_fetch(&pool, stmt))
                .await
                .expect("query in time");
        assert!(outcome.is_err(), "{} ran", stmt.build_sqlx(B).0);
    }

    let upserts = [
        OnConflict::column("Id")
            .update_column("Name")
            .value("Qty", Expr::col("Qty").add(1))
            .to_owned(),
        OnConflict::column("Id").update_column("Name").to_owned(),
        OnConflict::column("Id")
            .update_columns(["Name", "Qty"])
            .action_and_where(Expr::col("Qty").gt(0))
            .to_owned(),
    ];
    for upsert in upserts {
        let stmt = Query::insert()
            .into_table("Items")
            .columns(["Id", "Name", "Qty"])
            .values_panic([1.into(), "b".into(), 7.into()])
            .on_conflict(upsert)
            .to_owned();
        let err = B.build_checked(&stmt).expect_err("unsupported upsert");
        assert!(err.to_string().contains("ON CONFLICT"), "{err}");
        let outcome =
            tokio::time::timeout(std::time::Duration::from_secs(30), try_exec(&pool, &stmt))
                .await
                .expect("statement in time");
        assert!(outcome.is_err(), "{} ran", stmt.build_sqlx(B).0);
    }
    // Nothing was written by the rejected statements.
    let rows = fetch(
        &pool,
        &Query::select()
            .columns(["Name", "Qty"])
            .from("Items")
            .to_owned(),
    )
    .await;
    assert_eq!(col::<String>(&rows, "Name"), vec!["a".to_string()]);
    assert_eq!(col::<i64>(&rows, "Qty"), vec![1]);
}
