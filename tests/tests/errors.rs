//! Bad input gives clear errors (with Spanner's code and message kept) and loses nothing:
//! after every failure the pool keeps working and committed data is intact.

use spanner_tests::pool_with_schema;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::{Executor, Row};
use sqlx_spanner::{
    spanner_code, Mutation, SpannerArguments, SpannerCode, SpannerDatabaseError, SpannerPool,
};

const SCHEMA: &[&str] = &[
    "CREATE TABLE Parents (
        Id INT64 NOT NULL,
        Name STRING(100) NOT NULL,
        Email STRING(100),
        Age INT64,
        CONSTRAINT AgeNonNegative CHECK (Age >= 0),
    ) PRIMARY KEY (Id)",
    "CREATE UNIQUE INDEX ParentsByEmail ON Parents (Email)",
    "CREATE TABLE Children (
        Id INT64 NOT NULL,
        ParentId INT64,
        CONSTRAINT FkParent FOREIGN KEY (ParentId) REFERENCES Parents (Id),
    ) PRIMARY KEY (Id)",
];

async fn pool(prefix: &str) -> SpannerPool {
    let pool = pool_with_schema(prefix, SCHEMA).await;
    sqlx::query(
        "INSERT INTO Parents (Id, Name, Email, Age) VALUES (1, 'one', 'one@x', 10), (2, 'two', 'two@x', 20)",
    )
    .execute(&pool)
    .await
    .expect("seed");
    sqlx::query("INSERT INTO Children (Id, ParentId) VALUES (1, 1)")
        .execute(&pool)
        .await
        .expect("seed child");
    pool
}

/// The committed rows are still there, unchanged, and the pool still answers.
async fn assert_intact(pool: &SpannerPool) {
    let rows: Vec<(i64, String, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT Id, Name, Email, Age FROM Parents WHERE Id < 10 ORDER BY Id")
            .fetch_all(pool)
            .await
            .expect("pool still works after an error");
    assert_eq!(
        rows,
        [
            (1, "one".to_string(), Some("one@x".to_string()), Some(10)),
            (2, "two".to_string(), Some("two@x".to_string()), Some(20)),
        ]
    );
    let children: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT Id, ParentId FROM Children ORDER BY Id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(children, [(1, Some(1))]);
}

fn database_error(err: &sqlx::Error) -> &SpannerDatabaseError {
    err.as_database_error()
        .unwrap_or_else(|| panic!("expected a database error, got {err:?}"))
        .try_downcast_ref::<SpannerDatabaseError>()
        .expect("a SpannerDatabaseError")
}

/// Runs `sql` (which must fail) and returns the error, printing what Spanner said.
async fn fail(
    pool: &SpannerPool,
    label: &str,
    query: sqlx::query::Query<'_, sqlx_spanner::Spanner, sqlx_spanner::SpannerArguments>,
) -> sqlx::Error {
    let err = query.execute(pool).await.expect_err(label);
    if let Some(db) = err.as_database_error() {
        eprintln!(
            "{label}: code={:?} kind={:?} message={:?}",
            db.code(),
            db.kind(),
            db.message()
        );
    }
    err
}

#[tokio::test]
async fn bad_sql_is_invalid_argument() {
    let pool = pool("ebadsql").await;
    let err = pool
        .execute("SELECT 1 FORM Parents")
        .await
        .expect_err("syntax error");
    assert_eq!(
        spanner_code(&err),
        Some(SpannerCode::InvalidArgument),
        "{err:?}"
    );
    let db = database_error(&err);
    assert!(
        db.message().contains("FORM"),
        "message kept: {}",
        db.message()
    );
    assert_eq!(db.code().as_deref(), Some("INVALID_ARGUMENT"));
    assert_eq!(db.kind(), ErrorKind::Other);
    assert!(err.to_string().contains("INVALID_ARGUMENT"), "{err}");

    // A misspelled first keyword is caught by the driver's statement classifier (it never
    // reaches Spanner); the error still quotes the statement.
    let err = pool.execute("SELEC 1").await.expect_err("unknown keyword");
    assert!(err.to_string().contains("SELEC 1"), "{err}");

    let err = sqlx::query("SELECT Nope FROM Parents")
        .fetch_all(&pool)
        .await
        .expect_err("unknown column");
    assert_eq!(
        spanner_code(&err),
        Some(SpannerCode::InvalidArgument),
        "{err:?}"
    );
    assert!(err.to_string().contains("Nope"), "{err}");

    let err = sqlx::query("SELECT * FROM NoSuchTable")
        .fetch_all(&pool)
        .await
        .expect_err("unknown table");
    assert_eq!(
        spanner_code(&err),
        Some(SpannerCode::InvalidArgument),
        "{err:?}"
    );
    assert!(err.to_string().contains("NoSuchTable"), "{err}");

    // Type error between a parameter and a column.
    let err = sqlx::query("SELECT Id FROM Parents WHERE Id = @p1")
        .bind("one")
        .fetch_all(&pool)
        .await
        .expect_err("STRING vs INT64");
    assert_eq!(
        spanner_code(&err),
        Some(SpannerCode::InvalidArgument),
        "{err:?}"
    );
    assert_intact(&pool).await;
}

#[tokio::test]
async fn parameter_count_mismatch_fails_before_any_rpc() {
    let pool = pool("eparams").await;
    let cases: Vec<(&str, usize)> = vec![
        ("SELECT @p1", 0),
        ("SELECT @p1", 2),
        ("SELECT ?, ?", 1),
        ("SELECT ?", 3),
        ("SELECT 1", 1),
    ];
    for (sql, binds) in cases {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..binds {
            query = query.bind(i as i64);
        }
        let err = query.fetch_all(&pool).await.expect_err(sql);
        assert!(
            err.as_database_error().is_none(),
            "{sql} with {binds}: {err:?}"
        );
        assert!(
            matches!(err, sqlx::Error::InvalidArgument(_)),
            "{sql} with {binds}: {err:?}"
        );
        assert!(err.to_string().contains("parameter"), "{err}");
    }
    // A DML statement with too few parameters writes nothing.
    let err = sqlx::query("INSERT INTO Parents (Id, Name) VALUES (@p1, @p2)")
        .bind(3_i64)
        .execute(&pool)
        .await
        .expect_err("missing @p2");
    assert!(err.as_database_error().is_none(), "{err:?}");
    // Mixing `?` and `@pN` is rejected by the driver too.
    let err = sqlx::query("SELECT ?, @p1")
        .bind(1_i64)
        .fetch_all(&pool)
        .await
        .expect_err("mixed placeholders");
    assert!(err.as_database_error().is_none(), "{err:?}");
    assert_intact(&pool).await;
}

#[tokio::test]
async fn decode_errors_name_the_column() {
    let pool = pool("edecode").await;
    let row =
        sqlx::query("SELECT Name, Age, CAST(NULL AS INT64) AS Missing FROM Parents WHERE Id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let err = row.try_get::<i64, _>("Name").expect_err("STRING into i64");
    match &err {
        sqlx::Error::ColumnDecode { index, source } => {
            assert!(index.contains("Name"), "index {index}");
            assert!(source.to_string().contains("STRING"), "{source}");
        }
        other => panic!("expected ColumnDecode, got {other:?}"),
    }
    let err = row
        .try_get::<i64, _>(0)
        .expect_err("STRING into i64 by position");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");

    // NULL into a non-Option: an UnexpectedNullError, not a panic.
    let err = row.try_get::<i64, _>("Missing").expect_err("NULL into i64");
    match &err {
        sqlx::Error::ColumnDecode { index, source } => {
            assert!(index.contains("Missing"), "index {index}");
            assert!(
                source.is::<sqlx::error::UnexpectedNullError>(),
                "{source:?}"
            );
        }
        other => panic!("expected ColumnDecode, got {other:?}"),
    }
    assert_eq!(row.try_get::<Option<i64>, _>("Missing").unwrap(), None);
    assert_eq!(row.try_get::<Option<i64>, _>("Age").unwrap(), Some(10));
    let err = row
        .try_get::<i64, _>("NoSuchColumn")
        .expect_err("no such column");
    assert!(matches!(err, sqlx::Error::ColumnNotFound(_)), "{err:?}");
    let err = row.try_get::<i64, _>(9).expect_err("out of bounds");
    assert!(
        matches!(err, sqlx::Error::ColumnIndexOutOfBounds { .. }),
        "{err:?}"
    );

    // Through query_as / query_scalar as well.
    let err = sqlx::query_as::<_, (i64,)>("SELECT Name FROM Parents WHERE Id = 1")
        .fetch_one(&pool)
        .await
        .expect_err("STRING into i64");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
    let err = sqlx::query_scalar::<_, i64>("SELECT CAST(NULL AS INT64)")
        .fetch_one(&pool)
        .await
        .expect_err("NULL into i64");
    assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{err:?}");
    assert_intact(&pool).await;
}

#[tokio::test]
async fn unique_violations() {
    let pool = pool("eunique").await;
    let err = fail(
        &pool,
        "duplicate primary key",
        sqlx::query("INSERT INTO Parents (Id, Name) VALUES (1, 'again')"),
    )
    .await;
    let db = err.as_database_error().expect("database error");
    assert!(db.is_unique_violation(), "{err:?}");
    assert_eq!(db.kind(), ErrorKind::UniqueViolation);
    assert_eq!(spanner_code(&err), Some(SpannerCode::AlreadyExists));

    let err = fail(
        &pool,
        "duplicate unique index key",
        sqlx::query("INSERT INTO Parents (Id, Name, Email) VALUES (3, 'three', @p1)").bind("two@x"),
    )
    .await;
    let db = err.as_database_error().expect("database error");
    assert!(db.is_unique_violation(), "{err:?}");

    // Spanner's (non NULL_FILTERED) unique indexes treat NULL keys as equal.
    sqlx::query("INSERT INTO Parents (Id, Name) VALUES (3, 'three')")
        .execute(&pool)
        .await
        .unwrap();
    let err = fail(
        &pool,
        "second NULL in a unique index",
        sqlx::query("INSERT INTO Parents (Id, Name) VALUES (4, 'four')"),
    )
    .await;
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{err:?}"
    );
    sqlx::query("DELETE FROM Parents WHERE Id = 3")
        .execute(&pool)
        .await
        .unwrap();

    // Inside a transaction: the statement fails, the rollback loses nothing committed.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO Parents (Id, Name) VALUES (5, 'five')")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO Parents (Id, Name) VALUES (2, 'dup')")
        .execute(&mut *tx)
        .await
        .expect_err("duplicate key in a transaction");
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{err:?}"
    );
    tx.rollback().await.unwrap();
    assert_intact(&pool).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Parents WHERE Id = 5")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "rolled back");
}

#[tokio::test]
async fn not_null_violation() {
    let pool = pool("enotnull").await;
    let err = fail(
        &pool,
        "NULL into NOT NULL column (literal)",
        sqlx::query("INSERT INTO Parents (Id, Name) VALUES (3, NULL)"),
    )
    .await;
    let db = err.as_database_error().expect("database error");
    assert_eq!(db.kind(), ErrorKind::NotNullViolation, "{err:?}");

    let err = fail(
        &pool,
        "NULL into NOT NULL column (typed NULL parameter)",
        sqlx::query("INSERT INTO Parents (Id, Name) VALUES (@p1, @p2)")
            .bind(3_i64)
            .bind(Option::<String>::None),
    )
    .await;
    assert_eq!(
        err.as_database_error().map(|e| e.kind()),
        Some(ErrorKind::NotNullViolation),
        "{err:?}"
    );

    let err = fail(
        &pool,
        "NOT NULL column omitted",
        sqlx::query("INSERT INTO Parents (Id) VALUES (3)"),
    )
    .await;
    assert_eq!(
        err.as_database_error().map(|e| e.kind()),
        Some(ErrorKind::NotNullViolation),
        "{err:?}"
    );

    let err = fail(
        &pool,
        "UPDATE to NULL",
        sqlx::query("UPDATE Parents SET Name = NULL WHERE Id = 1"),
    )
    .await;
    assert_eq!(
        err.as_database_error().map(|e| e.kind()),
        Some(ErrorKind::NotNullViolation),
        "{err:?}"
    );
    assert_intact(&pool).await;
}

#[tokio::test]
async fn check_violation() {
    let pool = pool("echeck").await;
    let err = fail(
        &pool,
        "CHECK constraint",
        sqlx::query("INSERT INTO Parents (Id, Name, Age) VALUES (3, 'three', @p1)").bind(-1_i64),
    )
    .await;
    let db = err.as_database_error().expect("database error");
    assert_eq!(db.kind(), ErrorKind::CheckViolation, "{err:?}");
    assert!(db.is_check_violation());
    assert!(db.message().contains("AgeNonNegative"), "{}", db.message());

    let err = fail(
        &pool,
        "CHECK constraint on UPDATE",
        sqlx::query("UPDATE Parents SET Age = -5 WHERE Id = 2"),
    )
    .await;
    assert_eq!(
        err.as_database_error().map(|e| e.kind()),
        Some(ErrorKind::CheckViolation),
        "{err:?}"
    );
    assert_intact(&pool).await;
}

#[tokio::test]
async fn foreign_key_violation() {
    let pool = pool("efk").await;
    let err = fail(
        &pool,
        "FOREIGN KEY: missing parent",
        sqlx::query("INSERT INTO Children (Id, ParentId) VALUES (2, @p1)").bind(99_i64),
    )
    .await;
    let db = err.as_database_error().expect("database error");
    assert_eq!(db.kind(), ErrorKind::ForeignKeyViolation, "{err:?}");
    assert!(db.is_foreign_key_violation());

    let err = fail(
        &pool,
        "FOREIGN KEY: delete referenced parent",
        sqlx::query("DELETE FROM Parents WHERE Id = 1"),
    )
    .await;
    assert_eq!(
        err.as_database_error().map(|e| e.kind()),
        Some(ErrorKind::ForeignKeyViolation),
        "{err:?}"
    );
    assert_intact(&pool).await;
}

#[tokio::test]
async fn int64_overflow_is_out_of_range() {
    let pool = pool("eoverflow").await;
    let err = sqlx::query_scalar::<_, i64>("SELECT 9223372036854775807 + @p1")
        .bind(1_i64)
        .fetch_one(&pool)
        .await
        .expect_err("overflow");
    eprintln!("overflow: {err}");
    assert_eq!(spanner_code(&err), Some(SpannerCode::OutOfRange), "{err:?}");
    assert!(
        database_error(&err)
            .message()
            .to_lowercase()
            .contains("overflow"),
        "{err}"
    );
    // In range is fine.
    let n: i64 = sqlx::query_scalar("SELECT 9223372036854775806 + @p1")
        .bind(1_i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, i64::MAX);
    // A failing DML statement (overflow while updating) changes nothing.
    let err = sqlx::query("UPDATE Parents SET Age = Age + @p1 WHERE TRUE")
        .bind(i64::MAX)
        .execute(&pool)
        .await
        .expect_err("overflow in UPDATE");
    assert_eq!(spanner_code(&err), Some(SpannerCode::OutOfRange), "{err:?}");
    assert_intact(&pool).await;
}

#[tokio::test]
async fn failures_lose_no_writes() {
    // Interleave good writes and failing statements; every good write survives.
    let pool = pool("elost").await;
    for id in 10..14_i64 {
        // (Spanner's unique indexes treat NULLs as equal, so every row gets an email.)
        sqlx::query("INSERT INTO Parents (Id, Name, Email) VALUES (@p1, @p2, @p2)")
            .bind(id)
            .bind(format!("p{id}"))
            .execute(&pool)
            .await
            .unwrap();
        // Duplicate of the row just written.
        let err = sqlx::query("INSERT INTO Parents (Id, Name) VALUES (@p1, 'dup')")
            .bind(id)
            .execute(&pool)
            .await
            .expect_err("duplicate");
        assert!(err
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation()));
        // Bad SQL and a driver-side error in between.
        assert!(pool.execute("SELEC").await.is_err());
        assert!(sqlx::query("SELECT @p1").fetch_all(&pool).await.is_err());
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT Name FROM Parents WHERE Id >= 10 ORDER BY Id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(names, ["p10", "p11", "p12", "p13"]);
    // A transaction whose commit would violate a constraint commits nothing.
    let mut tx = pool.begin().await.unwrap();
    let res = async {
        sqlx::query("INSERT INTO Parents (Id, Name, Email) VALUES (20, 'twenty', 'tw@x')")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO Children (Id, ParentId) VALUES (20, 999)")
            .execute(&mut *tx)
            .await
    }
    .await;
    if res.is_ok() {
        let commit = tx.commit().await;
        assert!(commit.is_err(), "FK violation must fail the commit");
    } else {
        tx.rollback().await.unwrap();
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Parents WHERE Id = 20")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let row = pool
        .fetch_one("SELECT COUNT(*) FROM Parents")
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), 6);
    assert_intact(&pool).await;
}

fn args2(a: i64, b: Option<&str>) -> SpannerArguments {
    let mut row = SpannerArguments::default();
    row.add(a).unwrap();
    row.add(b.map(str::to_owned)).unwrap();
    row
}

/// Applies `mutations` outside a transaction; returns the error, printing what Spanner said.
async fn fail_mutation(pool: &SpannerPool, label: &str, mutations: Vec<Mutation>) -> sqlx::Error {
    let mut conn = pool.acquire().await.unwrap();
    let err = conn.apply_mutations(mutations).await.expect_err(label);
    if let Some(db) = err.as_database_error() {
        eprintln!(
            "{label}: code={:?} kind={:?} message={:?}",
            db.code(),
            db.kind(),
            db.message()
        );
    }
    err
}

#[tokio::test]
async fn mutation_constraint_violations() {
    // The mutation API reports constraint violations with other messages than DML.
    let pool = pool("emut").await;
    let kind = |err: &sqlx::Error| err.as_database_error().map(|e| e.kind());

    let err = fail_mutation(
        &pool,
        "mutation: duplicate primary key",
        vec![Mutation::insert("Parents", &["Id", "Name"]).row(args2(1, Some("again")))],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::UniqueViolation), "{err:?}");

    let err = fail_mutation(
        &pool,
        "mutation: duplicate unique index key",
        vec![Mutation::insert("Parents", &["Id", "Name", "Email"]).row({
            let mut row = args2(3, Some("three"));
            row.add("one@x").unwrap();
            row
        })],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::UniqueViolation), "{err:?}");

    let err = fail_mutation(
        &pool,
        "mutation: NULL into NOT NULL",
        vec![Mutation::insert("Parents", &["Id", "Name"]).row(args2(3, None))],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::NotNullViolation), "{err:?}");

    let mut id_only = SpannerArguments::default();
    id_only.add(3_i64).unwrap();
    let err = fail_mutation(
        &pool,
        "mutation: NOT NULL column omitted",
        vec![Mutation::insert("Parents", &["Id"]).row(id_only)],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::NotNullViolation), "{err:?}");

    let err = fail_mutation(
        &pool,
        "mutation: CHECK constraint",
        vec![Mutation::insert("Parents", &["Id", "Name", "Age"]).row({
            let mut row = args2(3, Some("three"));
            row.add(-1_i64).unwrap();
            row
        })],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::CheckViolation), "{err:?}");

    let mut child = SpannerArguments::default();
    child.add(2_i64).unwrap();
    child.add(99_i64).unwrap();
    let err = fail_mutation(
        &pool,
        "mutation: FOREIGN KEY",
        vec![Mutation::insert("Children", &["Id", "ParentId"]).row(child)],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::ForeignKeyViolation), "{err:?}");

    let err = fail_mutation(
        &pool,
        "mutation: update of a missing row",
        vec![Mutation::update("Parents", &["Id", "Name"]).row(args2(42, Some("x")))],
    )
    .await;
    assert_eq!(spanner_code(&err), Some(SpannerCode::NotFound), "{err:?}");
    assert_eq!(kind(&err), Some(ErrorKind::Other), "{err:?}");

    // A batch whose last mutation fails applies none of them.
    let err = fail_mutation(
        &pool,
        "mutation: batch with one bad row",
        vec![
            Mutation::insert("Parents", &["Id", "Name"]).row(args2(7, Some("seven"))),
            Mutation::insert("Parents", &["Id", "Name"]).row(args2(2, Some("dup"))),
        ],
    )
    .await;
    assert_eq!(kind(&err), Some(ErrorKind::UniqueViolation), "{err:?}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Parents WHERE Id = 7")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_intact(&pool).await;
}
