//! `#[sqlx::test]` with a `SpannerPool`: a fresh database per test, migrations from
//! `tests/migrations` applied automatically.

use sqlx_spanner::SpannerPool;

#[sqlx::test]
async fn sqlx_test_gets_a_migrated_database(pool: SpannerPool) -> sqlx::Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Singers")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 2);
    sqlx::query("DELETE FROM Singers WHERE TRUE")
        .execute(&pool)
        .await?;
    Ok(())
}

#[sqlx::test]
async fn each_sqlx_test_has_its_own_database(pool: SpannerPool) -> sqlx::Result<()> {
    // The other test deletes every singer; this database still has the seeded rows.
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Singers")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 2);
    Ok(())
}
