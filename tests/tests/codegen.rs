//! SeaORM entity generation from a live database (`sea-orm-spanner generate entity`): the
//! entities generated from the emulator must equal the checked-in `spanner_tests::generated`
//! module byte for byte (so drift fails), and that module is used to query the emulator.
//!
//! After an intended change of the generator, regenerate the module with
//! `UPDATE_GENERATED=1 cargo test -p spanner-tests --test codegen`.

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};
use sea_orm_spanner_cli::{read_and_generate, GenerateOptions};
use sea_query_spanner::orm::SpannerDatabase;
use spanner_tests::generated::{albums, labels, singers};

const LIMIT: Duration = Duration::from_secs(120);

/// The schema `tests/src/generated/` was generated from: interleaved singers/albums, a
/// foreign key from albums to labels, a unique index and a plain index.
pub const DDL: &[&str] = &[
    "CREATE TABLE labels (
        label_id INT64 NOT NULL,
        name STRING(MAX) NOT NULL,
    ) PRIMARY KEY (label_id)",
    "CREATE TABLE singers (
        singer_id INT64 NOT NULL,
        first_name STRING(100),
        last_name STRING(MAX) NOT NULL,
        email STRING(MAX),
        active BOOL NOT NULL,
    ) PRIMARY KEY (singer_id)",
    "CREATE UNIQUE INDEX singers_by_email ON singers (email)",
    "CREATE TABLE albums (
        singer_id INT64 NOT NULL,
        album_id INT64 NOT NULL,
        title STRING(MAX) NOT NULL,
        label_id INT64,
        rating FLOAT64,
        cover BYTES(MAX),
        tags ARRAY<STRING(MAX)>,
        updated_at TIMESTAMP OPTIONS (allow_commit_timestamp = true),
        CONSTRAINT fk_albums_label FOREIGN KEY (label_id) REFERENCES labels (label_id),
    ) PRIMARY KEY (singer_id, album_id), INTERLEAVE IN PARENT singers ON DELETE CASCADE",
    "CREATE INDEX albums_by_title ON albums (title)",
];

fn generated_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/generated")
}

#[tokio::test]
async fn generated_entities_match_the_checked_in_module() {
    let database = tokio::time::timeout(LIMIT, database_with_schema("codegen"))
        .await
        .expect("setup timed out");
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("codegen-entities");
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut options = GenerateOptions::default();
    options.no_banner_version = true;
    let files = tokio::time::timeout(LIMIT, read_and_generate(database, &options, Some(&out_dir)))
        .await
        .expect("generate timed out")
        .expect("generate");
    let mut names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "albums.rs",
            "labels.rs",
            "mod.rs",
            "prelude.rs",
            "singers.rs"
        ]
    );
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    for file in &files {
        let written = std::fs::read_to_string(out_dir.join(&file.name)).expect("written file");
        assert_eq!(written, file.content, "{} as written", file.name);
        let checked_in = generated_dir().join(&file.name);
        if update {
            std::fs::write(&checked_in, &file.content).expect("update checked-in entity");
            continue;
        }
        let expected = std::fs::read_to_string(&checked_in).unwrap_or_default();
        assert!(
            expected == file.content,
            "{} differs from tests/src/generated/{} (run with UPDATE_GENERATED=1 after an \
             intended change):\n{}",
            file.name,
            file.name,
            file.content
        );
    }
    // The interleaving and the foreign key became relations.
    let albums = &files
        .iter()
        .find(|f| f.name == "albums.rs")
        .expect("albums")
        .content;
    assert!(
        albums.contains("belongs_to = \"super::singers::Entity\""),
        "{albums}"
    );
    assert!(albums.contains("on_delete = \"Cascade\""), "{albums}");
    assert!(
        albums.contains("belongs_to = \"super::labels::Entity\""),
        "{albums}"
    );
    let singers = &files
        .iter()
        .find(|f| f.name == "singers.rs")
        .expect("singers")
        .content;
    assert!(
        singers.contains("has_many = \"super::albums::Entity\""),
        "{singers}"
    );
}

/// A fresh database of the emulator, addressed the way a CLI user does (a `spanner://` URL
/// with `emulator_host`), with `DDL` applied.
async fn database_with_schema(prefix: &str) -> sqlx_spanner::SpannerConnectOptions {
    let options: sqlx_spanner::SpannerConnectOptions = format!(
        "spanner://projects/test-project/instances/test-instance/databases/{}\
         ?emulator_host={}&create_if_missing=true",
        spanner_tests::unique_database_name(prefix),
        spanner_tests::emulator_host()
    )
    .parse()
    .expect("database url");
    let pool = sqlx_spanner::SpannerPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .expect("connect");
    let mut conn = pool.acquire().await.expect("acquire");
    conn.execute_ddl(DDL.iter().copied())
        .await
        .expect("apply schema");
    drop(conn);
    pool.close().await;
    options
}

#[tokio::test]
async fn queries_through_the_generated_entities() {
    let pool = tokio::time::timeout(LIMIT, spanner_tests::pool_with_schema("codegen-q", DDL))
        .await
        .expect("setup timed out");
    let db = SpannerDatabase::from_pool(pool);
    db.register_entity::<labels::Entity>();
    db.register_entity::<singers::Entity>();
    db.register_entity::<albums::Entity>();
    tokio::time::timeout(LIMIT, async {
        labels::ActiveModel {
            label_id: Set(7),
            name: Set("Blue Note".into()),
        }
        .insert(&db)
        .await
        .expect("insert label");
        let singer = singers::ActiveModel {
            singer_id: Set(1),
            first_name: Set(Some("Marc".into())),
            last_name: Set("Richards".into()),
            email: Set(Some("marc@example.com".into())),
            active: Set(true),
        }
        .insert(&db)
        .await
        .expect("insert singer");
        assert_eq!(singer.last_name, "Richards");
        for (album_id, title, label_id) in [(1, "Total Junk", Some(7)), (2, "Go, Go, Go", None)] {
            albums::ActiveModel {
                singer_id: Set(1),
                album_id: Set(album_id),
                title: Set(title.into()),
                label_id: Set(label_id),
                rating: Set(Some(4.5)),
                cover: Set(Some(vec![1, 2, 3])),
                tags: Set(Some(vec!["rock".into()])),
                updated_at: Set(None),
            }
            .insert(&db)
            .await
            .expect("insert album");
        }

        // has_many (from interleaving) and belongs_to (from the foreign key).
        let albums: Vec<albums::Model> = singer
            .find_related(albums::Entity)
            .order_by_asc(albums::Column::AlbumId)
            .all(&db)
            .await
            .expect("albums of the singer");
        let titles: Vec<&str> = albums.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Total Junk", "Go, Go, Go"]);
        assert_eq!(albums[0].cover.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(albums[0].tags, Some(vec!["rock".to_string()]));
        let label = albums[0]
            .find_related(labels::Entity)
            .one(&db)
            .await
            .expect("label of the album")
            .expect("a label");
        assert_eq!(label.name, "Blue Note");
        let owner = albums[1]
            .find_related(singers::Entity)
            .one(&db)
            .await
            .expect("singer of the album")
            .expect("a singer");
        assert_eq!(owner.singer_id, 1);

        // The interleaving's ON DELETE CASCADE removes the albums with their singer.
        singers::Entity::delete_by_id(1)
            .exec(&db)
            .await
            .expect("delete singer");
        let left = albums::Entity::find().count(&db).await.expect("count");
        assert_eq!(left, 0);
    })
    .await
    .expect("queries timed out");
}
