//! The schema of the checked-query tests (`tests/checked_queries.rs`). The query data in the
//! workspace's `.sqlx/` was generated against a database with exactly this schema: change
//! both together (see docs/checked-queries.md, "Regenerating the offline data").

/// DDL of the checked-query tests' database.
pub const SCHEMA: &[&str] = &["CREATE TABLE Singers (
        SingerId INT64 NOT NULL,
        FirstName STRING(100),
        LastName STRING(100) NOT NULL,
        Birth DATE,
        Tags ARRAY<STRING(20)>,
    ) PRIMARY KEY (SingerId)"];
