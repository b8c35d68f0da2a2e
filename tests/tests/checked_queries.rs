//! Queries checked at compile time (`sqlx_spanner_macros::query!` and friends) running on the
//! emulator. They compile against the query data in the workspace's `.sqlx/` (no
//! `DATABASE_URL` needed), generated from `spanner_tests::checked::SCHEMA`.

use std::time::Duration;

use spanner_tests::checked::SCHEMA;
use spanner_tests::pool_with_schema;
use sqlx_spanner::SpannerPool;
use sqlx_spanner_macros::{query, query_as, query_scalar};

const LIMIT: Duration = Duration::from_secs(60);

async fn pool() -> SpannerPool {
    tokio::time::timeout(LIMIT, pool_with_schema("checked", SCHEMA))
        .await
        .expect("database created in time")
}

async fn insert(pool: &SpannerPool, id: i64, first: Option<&str>, last: &str) {
    let fut = query!(
        "INSERT INTO Singers (SingerId, FirstName, LastName) VALUES (@p1, @p2, @p3)",
        id,
        first,
        last
    )
    .execute(pool);
    let done = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("insert in time")
        .expect("insert");
    assert_eq!(done.rows_affected(), 1);
}

#[tokio::test]
async fn query_types_columns_by_nullability() {
    let pool = pool().await;
    insert(&pool, 1, Some("Marc"), "Richards").await;
    insert(&pool, 2, None, "Smith").await;

    let fut = query!(
        "SELECT SingerId, FirstName, LastName, Birth FROM Singers WHERE SingerId >= @p1 ORDER BY SingerId",
        1_i64
    )
    .fetch_all(&pool);
    let rows = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("in time")
        .expect("query");
    assert_eq!(rows.len(), 2);
    // NOT NULL columns are plain types, nullable ones are `Option`.
    let id: i64 = rows[0].SingerId;
    let first: Option<String> = rows[0].FirstName.clone();
    let last: String = rows[0].LastName.clone();
    let birth: Option<sqlx::types::chrono::NaiveDate> = rows[0].Birth;
    assert_eq!(
        (id, first.as_deref(), last.as_str(), birth),
        (1, Some("Marc"), "Richards", None)
    );
    assert_eq!(rows[1].FirstName, None);
}

#[derive(Debug, PartialEq)]
struct Singer {
    id: i64,
    first_name: String,
    last_name: String,
}

#[tokio::test]
async fn query_as_with_overrides_and_question_marks() {
    let pool = pool().await;
    insert(&pool, 7, Some("Alice"), "Trentor").await;

    // `?` placeholders; `!` forces a nullable column to non-null.
    let fut = query_as!(
        Singer,
        "SELECT SingerId AS id, FirstName AS `first_name!`, LastName AS last_name FROM Singers WHERE SingerId = ? AND LastName = ?",
        7_i64,
        "Trentor"
    )
    .fetch_one(&pool);
    let singer = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("in time")
        .expect("query");
    assert_eq!(
        singer,
        Singer {
            id: 7,
            first_name: "Alice".to_string(),
            last_name: "Trentor".to_string()
        }
    );
}

#[tokio::test]
async fn query_scalar_and_then_return() {
    let pool = pool().await;
    insert(&pool, 3, None, "Jones").await;

    // An aggregate's nullability is unknown: `Option` unless overridden.
    let fut = query_scalar!("SELECT COUNT(*) AS n FROM Singers").fetch_one(&pool);
    let n: Option<i64> = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("in time")
        .expect("count");
    assert_eq!(n, Some(1));

    let fut = query_scalar!("SELECT COUNT(*) AS `n!` FROM Singers").fetch_one(&pool);
    let n: i64 = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("in time")
        .expect("count");
    assert_eq!(n, 1);

    // DML with THEN RETURN: returned columns traced to the table.
    let fut = query!(
        "UPDATE Singers SET FirstName = @p1 WHERE SingerId = @p2 THEN RETURN SingerId, FirstName",
        "Cat",
        3_i64
    )
    .fetch_one(&pool);
    let row = tokio::time::timeout(LIMIT, fut)
        .await
        .expect("in time")
        .expect("update");
    let id: i64 = row.SingerId;
    assert_eq!((id, row.FirstName.as_deref()), (3, Some("Cat")));
}

async fn describe(
    pool: &SpannerPool,
    sql: &'static str,
) -> Result<sqlx::Describe<sqlx_spanner::Spanner>, sqlx::Error> {
    use sqlx::{Executor, SqlSafeStr};
    let mut conn = pool.acquire().await.expect("acquire");
    tokio::time::timeout(LIMIT, conn.describe(sql.into_sql_str()))
        .await
        .expect("describe in time")
}

/// What the macros see at build time: Spanner's inferred parameter types and the traced
/// nullability.
#[tokio::test]
async fn describe_infers_parameters_and_nullability() {
    use sqlx::{Column, Either, TypeInfo};
    let pool = pool().await;
    let d = describe(
        &pool,
        "SELECT SingerId, s.FirstName AS f, UPPER(LastName) AS u, * FROM Singers s WHERE SingerId = @p1 AND Birth < @p2",
    )
    .await
    .expect("describe");
    let Some(Either::Left(params)) = &d.parameters else {
        panic!("parameter types expected: {:?}", d.parameters);
    };
    let params: Vec<&str> = params.iter().map(|p| p.name()).collect();
    assert_eq!(params, ["INT64", "DATE"]);
    let names: Vec<&str> = d.columns.iter().map(|c| c.name()).collect();
    assert_eq!(names[..3], ["SingerId", "f", "u"]);
    // `*` mixed with other items is not traced.
    assert_eq!(d.nullable, vec![None; 8]);

    let d = describe(
        &pool,
        "SELECT SingerId, s.FirstName AS f, UPPER(LastName) AS u FROM Singers s",
    )
    .await
    .expect("describe");
    assert_eq!(d.nullable, [Some(false), Some(true), None]);

    let d = describe(&pool, "SELECT * FROM Singers")
        .await
        .expect("describe");
    assert_eq!(
        d.nullable,
        [Some(false), Some(true), Some(false), Some(true), Some(true)]
    );

    let d = describe(
        &pool,
        "DELETE FROM Singers WHERE LastName = ? THEN RETURN SingerId, Tags",
    )
    .await
    .expect("describe DML");
    let Some(Either::Left(params)) = &d.parameters else {
        panic!("parameter types expected");
    };
    assert_eq!(params[0].name(), "STRING");
    assert_eq!(d.nullable, [Some(false), Some(true)]);
    assert_eq!(d.columns[1].type_info().name(), "ARRAY<STRING>");
}

/// A wrong column or a syntax error fails `describe` with Spanner's message (at build time:
/// a compile error).
#[tokio::test]
async fn describe_reports_spanner_errors() {
    let pool = pool().await;
    let error = describe(&pool, "SELECT SingerID, Nme FROM Singers")
        .await
        .expect_err("unknown column");
    let message = error.to_string();
    assert!(message.contains("Nme"), "{message}");
    assert_eq!(
        sqlx_spanner::spanner_code(&error),
        Some(sqlx_spanner::SpannerCode::InvalidArgument),
        "{message}"
    );
    let error = describe(&pool, "SELEC 1").await.expect_err("syntax error");
    assert!(sqlx_spanner::spanner_code(&error).is_some(), "{error}");
}
