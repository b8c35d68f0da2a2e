//! Basic queries and parameters against the emulator.

use spanner_tests::pool_with_schema;
use sqlx::{Executor, Row};

const SINGERS: &str = "CREATE TABLE Singers (
    SingerId INT64 NOT NULL,
    FirstName STRING(1024),
    LastName STRING(1024),
) PRIMARY KEY (SingerId)";

#[tokio::test]
async fn select_literal_and_parameters() {
    let pool = pool_with_schema("query", &[]).await;
    let (n, s): (i64, String) = sqlx::query_as("SELECT @p1 + 1, @p2")
        .bind(41_i64)
        .bind("hello")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 42);
    assert_eq!(s, "hello");

    // `?` placeholders are rewritten to @pN.
    let n: i64 = sqlx::query_scalar("SELECT ? * ?")
        .bind(6_i64)
        .bind(7_i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 42);
}

#[tokio::test]
async fn insert_then_select_rows() {
    let pool = pool_with_schema("rows", &[SINGERS]).await;
    for (id, first, last) in [(1_i64, "Marc", "Richards"), (2, "Catalina", "Smith")] {
        let done = sqlx::query(
            "INSERT INTO Singers (SingerId, FirstName, LastName) VALUES (@p1, @p2, @p3)",
        )
        .bind(id)
        .bind(first)
        .bind(last)
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    let rows = pool
        .fetch_all("SELECT SingerId, FirstName FROM Singers ORDER BY SingerId")
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].get::<String, _>("FirstName"), "Catalina");
    assert_eq!(rows[0].get::<i64, _>(0), 1);
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Singer {
    #[sqlx(rename = "SingerId")]
    id: i64,
    #[sqlx(rename = "FirstName")]
    first_name: Option<String>,
}

#[tokio::test]
async fn prepare_describes_columns_and_from_row_maps() {
    use sqlx::{Column, SqlSafeStr, Statement, TypeInfo};
    let pool = pool_with_schema("prep", &[SINGERS]).await;
    sqlx::query("INSERT INTO Singers (SingerId, FirstName) VALUES (1, 'Ann'), (2, NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let statement = conn
        .prepare("SELECT SingerId, FirstName FROM Singers WHERE SingerId > @p1".into_sql_str())
        .await
        .unwrap();
    let columns: Vec<(String, String)> = statement
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.type_info().name().to_string()))
        .collect();
    assert_eq!(
        columns,
        [
            ("SingerId".to_string(), "INT64".to_string()),
            ("FirstName".to_string(), "STRING".to_string())
        ]
    );
    let singers: Vec<Singer> = statement
        .query_as()
        .bind(0_i64)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        singers,
        [
            Singer {
                id: 1,
                first_name: Some("Ann".into())
            },
            Singer {
                id: 2,
                first_name: None
            }
        ]
    );
    let described = (&mut *conn)
        .describe("SELECT 1 AS one".into_sql_str())
        .await
        .unwrap();
    assert_eq!(described.columns()[0].name(), "one");
    // Bad SQL fails at prepare time.
    assert!(conn
        .prepare("SELECT nope FROM Nowhere".into_sql_str())
        .await
        .is_err());
}
