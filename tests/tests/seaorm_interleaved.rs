//! Interleaved tables (singer > album > song) created from SeaORM entities with the schema
//! helper, used through SeaORM, with `ON DELETE CASCADE` verified.

use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, Set, Statement};
use sea_query_spanner::backend::{InterleaveOnDelete, SpannerTableOptions};
use sea_query_spanner::orm::{SpannerDatabase, SpannerSchema};
use spanner_tests::entities::{album, singer, song};

fn schema() -> SpannerSchema {
    SpannerSchema::new()
        .table::<singer::Entity>()
        .table_with::<album::Entity>(
            SpannerTableOptions::new()
                .interleave_in_parent("singer", InterleaveOnDelete::Cascade)
                .commit_timestamp("updated_at"),
        )
        .table_with::<song::Entity>(
            SpannerTableOptions::new().interleave_in_parent("album", InterleaveOnDelete::Cascade),
        )
}

#[test]
fn interleaved_ddl() {
    let statements = schema().statements().expect("render");
    let album = statements
        .iter()
        .find(|s| s.contains("CREATE TABLE `album`"))
        .expect("album");
    assert!(
        album.contains("PRIMARY KEY (`singer_id`, `album_id`)"),
        "{album}"
    );
    assert!(
        album.contains("INTERLEAVE IN PARENT `singer` ON DELETE CASCADE"),
        "{album}"
    );
    assert!(album.contains("allow_commit_timestamp = true"), "{album}");
    let song = statements
        .iter()
        .find(|s| s.contains("CREATE TABLE `song`"))
        .expect("song");
    assert!(
        song.contains("PRIMARY KEY (`singer_id`, `album_id`, `track_id`)"),
        "{song}"
    );
    assert!(
        song.contains("INTERLEAVE IN PARENT `album` ON DELETE CASCADE"),
        "{song}"
    );
}

#[tokio::test]
async fn interleaved_tables_cascade() {
    let db = SpannerDatabase::from_pool(spanner_tests::pool("orm-inter").await);
    schema()
        .apply(&db)
        .await
        .expect("create interleaved schema");

    // The tables really are interleaved (read back from INFORMATION_SCHEMA).
    let parents = db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            r#"SELECT "TABLE_NAME", "PARENT_TABLE_NAME", "ON_DELETE_ACTION" FROM "INFORMATION_SCHEMA"."TABLES" WHERE "TABLE_SCHEMA" = '' ORDER BY "TABLE_NAME""#,
        ))
        .await
        .expect("information schema");
    let parents: Vec<(String, Option<String>, Option<String>)> = parents
        .iter()
        .map(|r| {
            (
                r.try_get("", "TABLE_NAME").expect("name"),
                r.try_get("", "PARENT_TABLE_NAME").expect("parent"),
                r.try_get("", "ON_DELETE_ACTION").expect("action"),
            )
        })
        .collect();
    assert_eq!(
        parents,
        [
            (
                "album".to_string(),
                Some("singer".to_string()),
                Some("CASCADE".to_string())
            ),
            ("singer".to_string(), None, None),
            (
                "song".to_string(),
                Some("album".to_string()),
                Some("CASCADE".to_string())
            ),
        ]
    );

    for (id, name) in [(1_i64, "Marc"), (2, "Catalina")] {
        singer::ActiveModel {
            singer_id: Set(id),
            name: Set(name.into()),
        }
        .insert(&db)
        .await
        .expect("insert singer");
    }
    album::Entity::insert_many([
        album::ActiveModel {
            singer_id: Set(1),
            album_id: Set(1),
            title: Set("Total Junk".into()),
            updated_at: Set(None),
        },
        album::ActiveModel {
            singer_id: Set(1),
            album_id: Set(2),
            title: Set("Go, Go, Go".into()),
            updated_at: Set(None),
        },
        album::ActiveModel {
            singer_id: Set(2),
            album_id: Set(1),
            title: Set("Green".into()),
            updated_at: Set(None),
        },
    ])
    .exec(&db)
    .await
    .expect("insert albums");
    let mut songs = Vec::new();
    for (singer_id, album_id, track_id) in [(1, 1, 1), (1, 1, 2), (1, 2, 1), (2, 1, 1)] {
        songs.push(song::ActiveModel {
            singer_id: Set(singer_id),
            album_id: Set(album_id),
            track_id: Set(track_id),
            name: Set(format!("Song {singer_id}-{album_id}-{track_id}")),
        });
    }
    song::Entity::insert_many(songs)
        .exec(&db)
        .await
        .expect("insert songs");

    // A child row without a parent is rejected by Spanner.
    let orphan = song::ActiveModel {
        singer_id: Set(9),
        album_id: Set(9),
        track_id: Set(1),
        name: Set("Orphan".into()),
    }
    .insert(&db)
    .await;
    assert!(orphan.is_err(), "{orphan:?}");

    // Composite keys: find_by_id with a tuple, relations over composite foreign keys.
    let album = album::Entity::find_by_id((1_i64, 1_i64))
        .one(&db)
        .await
        .expect("find album")
        .expect("album exists");
    assert_eq!(album.title, "Total Junk");
    let tracks: Vec<i32> = album
        .find_related(song::Entity)
        .order_by_asc(song::Column::TrackId)
        .all(&db)
        .await
        .expect("songs of album")
        .into_iter()
        .map(|s| s.track_id)
        .collect();
    assert_eq!(tracks, [1, 2]);
    let with_albums = singer::Entity::find()
        .find_with_related(album::Entity)
        .all(&db)
        .await
        .expect("find_with_related");
    let counts: Vec<(i64, usize)> = with_albums
        .iter()
        .map(|(s, albums)| (s.singer_id, albums.len()))
        .collect();
    assert_eq!(counts, [(1, 2), (2, 1)]);

    // Commit timestamps through a raw statement (PENDING_COMMIT_TIMESTAMP()).
    db.execute_raw(Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        r#"UPDATE "album" SET "updated_at" = PENDING_COMMIT_TIMESTAMP() WHERE "singer_id" = $1"#,
        [2_i64.into()],
    ))
    .await
    .expect("commit timestamp");
    let green = album::Entity::find_by_id((2_i64, 1_i64))
        .one(&db)
        .await
        .expect("find")
        .expect("exists");
    let stamped = green.updated_at.expect("timestamp written");
    assert!((chrono::Utc::now() - stamped).num_minutes().abs() < 10);

    // Deleting a singer cascades to its albums and their songs.
    let res = singer::Entity::delete_by_id(1_i64)
        .exec(&db)
        .await
        .expect("delete singer");
    assert_eq!(res.rows_affected, 1);
    assert_eq!(
        album::Entity::find()
            .filter(album::Column::SingerId.eq(1))
            .count(&db)
            .await
            .expect("albums left"),
        0
    );
    let remaining: Vec<(i64, i64, i32)> = song::Entity::find()
        .all(&db)
        .await
        .expect("songs left")
        .into_iter()
        .map(|s| (s.singer_id, s.album_id, s.track_id))
        .collect();
    assert_eq!(remaining, [(2, 1, 1)]);

    // Deleting an album (composite key) cascades to its songs only.
    album::Entity::delete_many()
        .filter(album::Column::SingerId.eq(2))
        .filter(album::Column::AlbumId.eq(1))
        .exec(&db)
        .await
        .expect("delete album");
    assert_eq!(song::Entity::find().count(&db).await.expect("count"), 0);
    assert_eq!(singer::Entity::find().count(&db).await.expect("count"), 1);
}
