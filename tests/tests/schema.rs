//! Schema introspection (`sqlx_spanner::schema`) against the emulator: a schema with
//! interleaving, foreign keys, indexes, checks, generated/default/commit-timestamp columns, a
//! sequence, a view and a change stream, read back field by field.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx_spanner::schema::{
    column_is_not_null, read_schema, DatabaseSchema, KeyPart, OnDelete, SortOrder,
};

const LIMIT: Duration = Duration::from_secs(120);

const DDL: &[&str] = &[
    "CREATE SEQUENCE singer_ids OPTIONS (sequence_kind = 'bit_reversed_positive')",
    "CREATE TABLE singers (
        singer_id INT64 NOT NULL DEFAULT (GET_NEXT_SEQUENCE_VALUE(SEQUENCE singer_ids)),
        first_name STRING(100),
        last_name STRING(MAX) NOT NULL,
        full_name STRING(MAX) AS (CONCAT(COALESCE(first_name, ''), ' ', last_name)) STORED,
        rating FLOAT64 DEFAULT (0.0),
        CONSTRAINT ck_rating CHECK (rating >= 0),
    ) PRIMARY KEY (singer_id)",
    "CREATE TABLE albums (
        singer_id INT64 NOT NULL,
        album_id INT64 NOT NULL,
        title STRING(MAX),
        updated_at TIMESTAMP OPTIONS (allow_commit_timestamp = true),
        tags ARRAY<STRING(MAX)>,
    ) PRIMARY KEY (singer_id, album_id DESC), INTERLEAVE IN PARENT singers ON DELETE CASCADE",
    "CREATE TABLE labels (label_id INT64 NOT NULL, name STRING(MAX)) PRIMARY KEY (label_id)",
    "CREATE TABLE contracts (
        contract_id INT64 NOT NULL,
        singer_id INT64,
        label_id INT64,
        CONSTRAINT fk_contract_label FOREIGN KEY (label_id) REFERENCES labels (label_id) ON DELETE CASCADE,
        CONSTRAINT fk_contract_singer FOREIGN KEY (singer_id) REFERENCES singers (singer_id),
    ) PRIMARY KEY (contract_id)",
    "CREATE UNIQUE NULL_FILTERED INDEX albums_by_title ON albums (singer_id, title DESC) \
     STORING (updated_at, tags), INTERLEAVE IN singers",
    "CREATE INDEX singers_by_name ON singers (last_name)",
    "CREATE VIEW singer_names SQL SECURITY INVOKER AS SELECT s.singer_id, s.last_name FROM singers AS s",
    "CREATE CHANGE STREAM singer_changes FOR singers(first_name, last_name), albums \
     OPTIONS (retention_period = '36h')",
];

async fn schema() -> (sqlx_spanner::SpannerPool, DatabaseSchema) {
    let pool = tokio::time::timeout(LIMIT, spanner_tests::pool_with_schema("schema", DDL))
        .await
        .expect("schema setup timed out");
    let mut conn = tokio::time::timeout(LIMIT, pool.acquire())
        .await
        .expect("acquire timed out")
        .expect("acquire");
    let schema = tokio::time::timeout(LIMIT, read_schema(&mut conn))
        .await
        .expect("read_schema timed out")
        .expect("read_schema");
    drop(conn);
    (pool, schema)
}

#[tokio::test]
async fn reads_every_part_of_the_schema() {
    let (_pool, schema) = schema().await;
    assert!(schema.unavailable.is_empty(), "{:?}", schema.unavailable);
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["albums", "contracts", "labels", "singers"]);

    // singers: sequence default, generated column, CHECK, plain index.
    let singers = schema.table("singers").expect("singers");
    assert_eq!(singers.interleaved_in, None);
    assert_eq!(
        singers.primary_key,
        [KeyPart::new("singer_id", SortOrder::Asc)]
    );
    let columns: Vec<(&str, &str, bool)> = singers
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.spanner_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        columns,
        [
            ("singer_id", "INT64", false),
            ("first_name", "STRING(100)", true),
            ("last_name", "STRING(MAX)", false),
            ("full_name", "STRING(MAX)", true),
            ("rating", "FLOAT64", true),
        ]
    );
    let singer_id = singers.column("singer_id").expect("singer_id");
    assert_eq!(
        singer_id.default.as_deref(),
        Some("GET_NEXT_SEQUENCE_VALUE(SEQUENCE singer_ids)")
    );
    assert_eq!(singer_id.generated, None);
    assert!(!singer_id.allow_commit_timestamp);
    assert_eq!(
        singers.column("rating").expect("rating").default.as_deref(),
        Some("0.0")
    );
    let full_name = singers.column("full_name").expect("full_name");
    let generated = full_name.generated.as_ref().expect("generated");
    assert_eq!(
        generated.expression,
        "CONCAT(COALESCE(first_name, ''), ' ', last_name)"
    );
    assert!(generated.stored);
    assert_eq!(full_name.default, None);
    assert_eq!(singers.check_constraints.len(), 1);
    assert_eq!(singers.check_constraints[0].name, "ck_rating");
    assert_eq!(singers.check_constraints[0].expression, "rating >= 0");
    assert_eq!(singers.foreign_keys, []);
    let user_indexes: Vec<_> = singers.indexes.iter().filter(|i| !i.managed).collect();
    assert_eq!(user_indexes.len(), 1);
    let by_name = user_indexes[0];
    assert_eq!(by_name.name, "singers_by_name");
    assert!(!by_name.unique && !by_name.null_filtered);
    assert_eq!(by_name.interleaved_in, None);
    assert_eq!(by_name.key, [KeyPart::new("last_name", SortOrder::Asc)]);
    assert!(by_name.storing.is_empty());

    // albums: interleaved with ON DELETE CASCADE, DESC key part, commit timestamp, array,
    // UNIQUE NULL_FILTERED STORING index interleaved in singers.
    let albums = schema.table("albums").expect("albums");
    let interleave = albums.interleaved_in.as_ref().expect("interleaved");
    assert_eq!(interleave.parent_table, "singers");
    assert_eq!(interleave.on_delete, Some(OnDelete::Cascade));
    assert_eq!(
        albums.primary_key,
        [
            KeyPart::new("singer_id", SortOrder::Asc),
            KeyPart::new("album_id", SortOrder::Desc),
        ]
    );
    let updated_at = albums.column("updated_at").expect("updated_at");
    assert_eq!(updated_at.spanner_type, "TIMESTAMP");
    assert!(updated_at.allow_commit_timestamp);
    assert!(updated_at.nullable);
    assert!(
        !albums
            .column("title")
            .expect("title")
            .allow_commit_timestamp
    );
    assert_eq!(
        albums.column("tags").expect("tags").spanner_type,
        "ARRAY<STRING(MAX)>"
    );
    assert_eq!(albums.indexes.len(), 1);
    let by_title = &albums.indexes[0];
    assert_eq!(by_title.name, "albums_by_title");
    assert!(by_title.unique);
    assert!(by_title.null_filtered);
    assert!(!by_title.managed);
    assert_eq!(by_title.interleaved_in.as_deref(), Some("singers"));
    assert_eq!(
        by_title.key,
        [
            KeyPart::new("singer_id", SortOrder::Asc),
            KeyPart::new("title", SortOrder::Desc),
        ]
    );
    assert_eq!(by_title.storing, ["tags", "updated_at"]);
    let children: Vec<&str> = schema
        .children_of("singers")
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(children, ["albums"]);

    // contracts: two foreign keys, one ON DELETE CASCADE.
    let contracts = schema.table("contracts").expect("contracts");
    type ForeignKeyRow<'a> = (&'a str, Vec<&'a str>, &'a str, Vec<&'a str>, OnDelete);
    let fks: Vec<ForeignKeyRow> = contracts
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                fk.name.as_str(),
                fk.columns.iter().map(String::as_str).collect(),
                fk.referenced_table.as_str(),
                fk.referenced_columns.iter().map(String::as_str).collect(),
                fk.on_delete,
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            (
                "fk_contract_label",
                vec!["label_id"],
                "labels",
                vec!["label_id"],
                // Emulator 528 lists DELETE_RULE = 'NO ACTION' for `ON DELETE CASCADE` foreign
                // keys (Cloud Spanner lists 'CASCADE'); the schema reports what the catalog says.
                OnDelete::NoAction
            ),
            (
                "fk_contract_singer",
                vec!["singer_id"],
                "singers",
                vec!["singer_id"],
                OnDelete::NoAction
            ),
        ]
    );
    assert_eq!(contracts.check_constraints, []);
    assert_eq!(schema.table("labels").expect("labels").foreign_keys, []);

    // Sequence, view, change stream.
    assert_eq!(schema.sequences.len(), 1);
    assert_eq!(schema.sequences[0].name, "singer_ids");
    assert_eq!(schema.sequences[0].data_type, "INT64");
    assert_eq!(
        schema.sequences[0]
            .options
            .get("sequence_kind")
            .map(String::as_str),
        Some("bit_reversed_positive")
    );
    assert_eq!(schema.views.len(), 1);
    assert_eq!(schema.views[0].name, "singer_names");
    assert_eq!(
        schema.views[0].definition,
        "SELECT s.singer_id, s.last_name FROM singers AS s"
    );
    // Emulator 528 leaves VIEWS.SECURITY_TYPE empty (Cloud Spanner: 'INVOKER').
    assert_eq!(schema.views[0].security_type, None);
    assert_eq!(schema.change_streams.len(), 1);
    let stream = &schema.change_streams[0];
    assert_eq!(stream.name, "singer_changes");
    assert!(!stream.all);
    let watched: Vec<(&str, bool, Vec<&str>)> = stream
        .tables
        .iter()
        .map(|t| {
            (
                t.table.as_str(),
                t.all_columns,
                t.columns.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        watched,
        [
            ("albums", true, vec![]),
            ("singers", false, vec!["first_name", "last_name"]),
        ]
    );
    assert_eq!(
        stream.options,
        BTreeMap::from([("retention_period".to_string(), "36h".to_string())])
    );
}

#[tokio::test]
async fn answers_column_nullability() {
    let (pool, schema) = schema().await;
    assert_eq!(schema.is_not_null("singers", "last_name"), Some(true));
    assert_eq!(schema.is_not_null("singers", "first_name"), Some(false));
    assert_eq!(schema.is_not_null("singers", "missing"), None);
    assert_eq!(schema.is_not_null("missing", "last_name"), None);
    let mut conn = pool.acquire().await.expect("acquire");
    for (table, column, expected) in [
        ("albums", "album_id", Some(true)),
        ("albums", "title", Some(false)),
        ("albums", "nope", None),
        ("nope", "title", None),
    ] {
        let answer = tokio::time::timeout(LIMIT, column_is_not_null(&mut conn, table, column))
            .await
            .expect("column_is_not_null timed out")
            .expect("column_is_not_null");
        assert_eq!(answer, expected, "{table}.{column}");
    }
}

#[tokio::test]
async fn empty_database_has_an_empty_schema() {
    let pool = tokio::time::timeout(LIMIT, spanner_tests::pool("schema-empty"))
        .await
        .expect("setup timed out");
    let mut conn = pool.acquire().await.expect("acquire");
    let schema = tokio::time::timeout(LIMIT, read_schema(&mut conn))
        .await
        .expect("read_schema timed out")
        .expect("read_schema");
    assert_eq!(schema, DatabaseSchema::default());
}
