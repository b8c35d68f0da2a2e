//! Unit tests of the PostgreSQL -> GoogleSQL translation.

use super::*;

#[track_caller]
fn ok(pg: &str, expected: &str) {
    match translate_postgres(pg) {
        Ok(got) => assert_eq!(got, expected, "input: {pg}"),
        Err(err) => panic!("translating {pg:?} failed: {err}"),
    }
}

#[track_caller]
fn unsupported_construct(pg: &str) -> String {
    match translate_postgres(pg) {
        Err(TranslateError::Unsupported { construct, reason }) => {
            assert!(!reason.is_empty());
            construct
        }
        other => panic!("expected Unsupported for {pg:?}, got {other:?}"),
    }
}

#[track_caller]
fn syntax_offset(pg: &str) -> usize {
    match translate_postgres(pg) {
        Err(TranslateError::Syntax { offset, .. }) => offset,
        other => panic!("expected Syntax for {pg:?}, got {other:?}"),
    }
}

// ----- SeaORM statement shapes ----------------------------------------

#[test]
fn find_by_id() {
    ok(
        r#"SELECT "cake"."id", "cake"."name" FROM "cake" WHERE "cake"."id" = $1 LIMIT $2"#,
        "SELECT `cake`.`id`, `cake`.`name` FROM `cake` WHERE `cake`.`id` = @p1 LIMIT @p2",
    );
}

#[test]
fn insert_returning() {
    ok(
        r#"INSERT INTO "cake" ("name") VALUES ($1) RETURNING "id", "name""#,
        "INSERT INTO `cake` (`name`) VALUES (@p1) THEN RETURN `id`, `name`",
    );
    ok(
        r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2), ($3, $4) RETURNING *"#,
        "INSERT INTO `cake` (`id`, `name`) VALUES (@p1, @p2), (@p3, @p4) THEN RETURN *",
    );
}

#[test]
fn insert_with_casts_from_sea_orm() {
    ok(
        r#"INSERT INTO "posts" ("id", "title", "text") VALUES (CAST($1 AS TEXT), $2, $3) RETURNING CAST("id" AS INTEGER)"#,
        "INSERT INTO `posts` (`id`, `title`, `text`) VALUES (CAST(@p1 AS STRING), @p2, @p3) THEN RETURN CAST(`id` AS INT64)",
    );
    // Enum columns are selected as `CAST(col AS "text")`.
    ok(
        r#"SELECT CAST("tea"."kind" AS "text") AS "kind", CAST("tea"."tags" AS "text"[]) FROM "tea""#,
        "SELECT CAST(`tea`.`kind` AS STRING) AS `kind`, CAST(`tea`.`tags` AS ARRAY<STRING>) FROM `tea`",
    );
}

#[test]
fn paginator_count() {
    ok(
        r#"SELECT COUNT(*) AS num_items FROM (SELECT "cake"."id", "cake"."name" FROM "cake" WHERE "cake"."name" LIKE $1) AS "sub_query""#,
        "SELECT COUNT(*) AS num_items FROM (SELECT `cake`.`id`, `cake`.`name` FROM `cake` WHERE `cake`.`name` LIKE @p1) AS `sub_query`",
    );
    ok(
        r#"SELECT "cake"."id" FROM "cake" ORDER BY "cake"."id" ASC LIMIT $1 OFFSET $2"#,
        "SELECT `cake`.`id` FROM `cake` ORDER BY `cake`.`id` ASC LIMIT @p1 OFFSET @p2",
    );
}

#[test]
fn exists_query() {
    ok(
        r#"SELECT 1 FROM (SELECT "cake"."id" FROM "cake") AS sub_query LIMIT 1"#,
        "SELECT 1 FROM (SELECT `cake`.`id` FROM `cake`) AS sub_query LIMIT 1",
    );
}

#[test]
fn joins_and_related_aliases() {
    ok(
        r#"SELECT "cake"."id" AS "A_id", "cake"."name" AS "A_name", "r0"."id" AS "B_id", "r0"."cake_id" AS "B_cake_id" FROM "cake" LEFT JOIN "fruit" AS "r0" ON "cake"."id" = "r0"."cake_id" ORDER BY "cake"."id" ASC"#,
        "SELECT `cake`.`id` AS `A_id`, `cake`.`name` AS `A_name`, `r0`.`id` AS `B_id`, `r0`.`cake_id` AS `B_cake_id` FROM `cake` LEFT JOIN `fruit` AS `r0` ON `cake`.`id` = `r0`.`cake_id` ORDER BY `cake`.`id` ASC",
    );
    ok(
        r#"SELECT "fruit"."id" FROM "fruit" INNER JOIN "cake" ON "cake"."id" = "fruit"."cake_id" WHERE "cake"."id" IN ($1, $2, $3) AND "fruit"."name" IS NOT NULL"#,
        "SELECT `fruit`.`id` FROM `fruit` INNER JOIN `cake` ON `cake`.`id` = `fruit`.`cake_id` WHERE `cake`.`id` IN (@p1, @p2, @p3) AND `fruit`.`name` IS NOT NULL",
    );
}

#[test]
fn update_and_delete() {
    ok(
        r#"UPDATE "cake" SET "name" = $1 WHERE "cake"."id" = $2 RETURNING "id", "name""#,
        "UPDATE `cake` SET `name` = @p1 WHERE `cake`.`id` = @p2 THEN RETURN `id`, `name`",
    );
    ok(
        r#"DELETE FROM "cake" WHERE "cake"."name" LIKE $1"#,
        "DELETE FROM `cake` WHERE `cake`.`name` LIKE @p1",
    );
    // Spanner requires a WHERE clause.
    ok(
        r#"UPDATE "cake" SET "name" = $1"#,
        "UPDATE `cake` SET `name` = @p1 WHERE TRUE",
    );
    ok(r#"DELETE FROM "cake""#, "DELETE FROM `cake` WHERE TRUE");
    ok(
        r#"DELETE FROM "cake" RETURNING "id""#,
        "DELETE FROM `cake` WHERE TRUE THEN RETURN `id`",
    );
    // A WHERE inside a subquery does not count.
    ok(
        r#"UPDATE "cake" SET "n" = (SELECT MAX("x") FROM "y" WHERE "y"."a" = $1)"#,
        "UPDATE `cake` SET `n` = (SELECT MAX(`x`) FROM `y` WHERE `y`.`a` = @p1) WHERE TRUE",
    );
}

#[test]
fn upserts() {
    ok(
        r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO NOTHING RETURNING "id""#,
        "INSERT OR IGNORE INTO `cake` (`id`, `name`) VALUES (@p1, @p2) THEN RETURN `id`",
    );
    ok(
        r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT DO NOTHING"#,
        "INSERT OR IGNORE INTO `cake` (`id`, `name`) VALUES (@p1, @p2)",
    );
    ok(
        r#"INSERT INTO "cake" ("id", "name", "price") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name", "price" = "excluded"."price""#,
        "INSERT OR UPDATE INTO `cake` (`id`, `name`, `price`) VALUES (@p1, @p2, @p3)",
    );
    ok(
        r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "id" = "excluded"."id", "name" = "excluded"."name" RETURNING "id""#,
        "INSERT OR UPDATE INTO `cake` (`id`, `name`) VALUES (@p1, @p2) THEN RETURN `id`",
    );
}

#[test]
fn unsupported_upserts() {
    // Partial update: INSERT OR UPDATE would also overwrite "price".
    unsupported_construct(
        r#"INSERT INTO "cake" ("id", "name", "price") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#,
    );
    // Computed assignment.
    unsupported_construct(
        r#"INSERT INTO "cake" ("id", "n") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "n" = "cake"."n" + 1"#,
    );
    // Copy from a different column.
    unsupported_construct(
        r#"INSERT INTO "cake" ("id", "a", "b") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "a" = "excluded"."b", "b" = "excluded"."a""#,
    );
    // Conditional update.
    unsupported_construct(
        r#"INSERT INTO "cake" ("id", "n") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "n" = "excluded"."n" WHERE "cake"."n" < 5"#,
    );
    let c = unsupported_construct(
        r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT ON CONSTRAINT "pk" DO NOTHING"#,
    );
    assert!(c.contains("ON CONSTRAINT"));
    unsupported_construct(
        r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT (LOWER("name")) DO NOTHING"#,
    );
    unsupported_construct(
        r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT ("id") WHERE "x" DO NOTHING"#,
    );
}

#[test]
fn default_values_are_rejected() {
    unsupported_construct(r#"INSERT INTO "cake" DEFAULT VALUES RETURNING "id""#);
    unsupported_construct(r#"INSERT INTO "cake" VALUES (DEFAULT) RETURNING "id""#);
    unsupported_construct(r#"INSERT INTO "cake" () VALUES ()"#);
}

#[test]
fn insert_select_and_default_keyword() {
    ok(
        r#"INSERT INTO "a" ("x", "y") SELECT "b"."x", DEFAULT FROM "b""#,
        "INSERT INTO `a` (`x`, `y`) SELECT `b`.`x`, DEFAULT FROM `b`",
    );
}

// ----- lexical translation -------------------------------------------

#[test]
fn identifiers_are_requoted() {
    ok(r#"SELECT "a""b" FROM "t""#, r#"SELECT `a"b` FROM `t`"#);
    ok(r#"SELECT "a`b\c" FROM "t""#, r"SELECT `a\`b\\c` FROM `t`");
    ok(r#"SELECT "ünï" FROM "日本""#, "SELECT `ünï` FROM `日本`");
    ok("SELECT Ünï, a$b FROM t", "SELECT `Ünï`, `a$b` FROM t");
    assert_eq!(syntax_offset(r#"SELECT """#), 7);
}

#[test]
fn strings_are_reescaped() {
    ok("SELECT 'it''s'", r"SELECT 'it\'s'");
    ok(r"SELECT 'C:\dir'", r"SELECT 'C:\\dir'");
    ok(r"SELECT E'a\nb\tc\\d\'e'", r"SELECT 'a\nb\tc\\d\'e'");
    ok(r"SELECT E'x''y'", r"SELECT 'x\'y'");
    ok(r"SELECT E'\x41\102\u00e9\U0001F600'", "SELECT 'ABé😀'");
    ok(r"SELECT E'\303\251'", "SELECT 'é'");
    ok(r"SELECT E'\uD83D\uDE00'", "SELECT '😀'");
    ok(r"SELECT E'\b\f\0'", r"SELECT '\x08\x0c\x00'");
    ok(r"SELECT E'\q\é'", "SELECT 'qé'");
    ok("SELECT 'héllo ☃'", "SELECT 'héllo ☃'");
    ok("SELECT $$it's$$, $tag$a$$b$tag$", r"SELECT 'it\'s', 'a$$b'");
    ok("SELECT N'x'", "SELECT 'x'");
    ok("SELECT 'a'\n'b'", "SELECT 'ab'");
    ok("SELECT 'a' 'b'", "SELECT 'a' 'b'");
    ok("SELECT '\u{1}'", r"SELECT '\x01'");
    ok("SELECT ''", "SELECT ''");
}

#[test]
fn sea_query_inline_values() {
    // sea-query inlines values with `E'...'` when they need escaping.
    ok(
        r#"SELECT "cake"."id" FROM "cake" WHERE "cake"."name" = E'Cheese\'s \\ cake\n' AND "cake"."ok" = TRUE AND "cake"."price" > 1.5"#,
        r"SELECT `cake`.`id` FROM `cake` WHERE `cake`.`name` = 'Cheese\'s \\ cake\n' AND `cake`.`ok` = TRUE AND `cake`.`price` > 1.5",
    );
}

#[test]
fn numbers_and_operators() {
    ok(
        "SELECT 1, 1.5, .5, 1e10, 2.5E-3, 1_000, 0x1F",
        "SELECT 1, 1.5, .5, 1e10, 2.5E-3, 1000, 0x1F",
    );
    ok(
        r#"SELECT "a"+-1, "b"<>2, "c"!=3, "d"||'x'"#,
        r#"SELECT `a`+-1, `b`<>2, `c`!=3, `d`||'x'"#,
    );
    ok(
        r#"SELECT "a" >= $1 AND "b" <= $2"#,
        "SELECT `a` >= @p1 AND `b` <= @p2",
    );
    ok(r#"SELECT "t".* FROM "t""#, "SELECT `t`.* FROM `t`");
    unsupported_construct("SELECT 0o17");
    assert_eq!(syntax_offset("SELECT 12abc"), 7);
}

#[test]
fn comments_are_dropped() {
    ok("SELECT /* c */ 1 -- tail", "SELECT 1");
    ok("SELECT /* a /* nested */ b */ 1", "SELECT 1");
    ok("SELECT 1--x\n, 2", "SELECT 1 , 2");
    assert_eq!(syntax_offset("SELECT /* a /* b */ 1"), 7);
}

#[test]
fn params() {
    ok("SELECT $1, $10, $2", "SELECT @p1, @p10, @p2");
    assert_eq!(syntax_offset("SELECT $0"), 7);
    assert_eq!(syntax_offset("SELECT $99999999999"), 7);
}

// ----- casts -------------------------------------------------------------

#[test]
fn casts() {
    ok("SELECT $1::text", "SELECT CAST(@p1 AS STRING)");
    ok(
        r#"SELECT "t"."c"::bigint FROM "t""#,
        "SELECT CAST(`t`.`c` AS INT64) FROM `t`",
    );
    ok(
        "SELECT ($1 + 1)::double precision",
        "SELECT CAST((@p1 + 1) AS FLOAT64)",
    );
    ok("SELECT COUNT(*)::int", "SELECT CAST(COUNT(*) AS INT64)");
    ok(
        "SELECT $1::int::text",
        "SELECT CAST(CAST(@p1 AS INT64) AS STRING)",
    );
    ok(
        "SELECT '2024-01-01'::date",
        "SELECT CAST('2024-01-01' AS DATE)",
    );
    ok(
        "SELECT $1::timestamp with time zone",
        "SELECT CAST(@p1 AS TIMESTAMP)",
    );
    ok(
        "SELECT $1::timestamptz, $2::jsonb, $3::bytea",
        "SELECT CAST(@p1 AS TIMESTAMP), CAST(@p2 AS JSON), CAST(@p3 AS BYTES)",
    );
    ok(
        "SELECT $1::uuid, $2::boolean, $3::real, $4::numeric",
        "SELECT CAST(@p1 AS STRING), CAST(@p2 AS BOOL), CAST(@p3 AS FLOAT32), CAST(@p4 AS NUMERIC)",
    );
    ok("SELECT $1::bigint[]", "SELECT CAST(@p1 AS ARRAY<INT64>)");
    ok(
        "SELECT ARRAY[1, 2]::int[]",
        "SELECT CAST(ARRAY[1, 2] AS ARRAY<INT64>)",
    );
    ok(
        "SELECT CAST($1 AS character varying)",
        "SELECT CAST(@p1 AS STRING)",
    );
    ok("SELECT NULL::text", "SELECT CAST(NULL AS STRING)");
    ok(
        "SELECT DATE '2024-01-01'::text",
        "SELECT CAST(DATE '2024-01-01' AS STRING)",
    );
    ok(
        "SELECT \"f\"(\"x\")::text",
        "SELECT CAST(`f`(`x`) AS STRING)",
    );
    ok(
        "SELECT lower(\"x\")::text",
        "SELECT CAST(lower(`x`) AS STRING)",
    );
    ok(
        "SELECT CAST(CAST($1 AS int) AS text)",
        "SELECT CAST(CAST(@p1 AS INT64) AS STRING)",
    );
    ok(
        "SELECT CAST((SELECT \"a\" AS \"b\" FROM \"t\") AS text)",
        "SELECT CAST((SELECT `a` AS `b` FROM `t`) AS STRING)",
    );
}

#[test]
fn unsupported_casts() {
    let c = unsupported_construct(r#"INSERT INTO "t" ("c") VALUES (CAST($1 AS "tea_kind"))"#);
    assert!(c.contains("tea_kind"), "{c}");
    unsupported_construct(r#"SELECT $1::"tea_kind""#);
    unsupported_construct("SELECT $1::varchar(10)");
    unsupported_construct("SELECT CAST($1 AS numeric(10, 2))");
    unsupported_construct("SELECT $1::int[][]");
    unsupported_construct("SELECT $1::interval");
    unsupported_construct("SELECT TIME '10:00'::text");
    // The operand of `::` after `END` is a whole CASE expression.
    unsupported_construct("SELECT CASE WHEN TRUE THEN 1 END::text");
    ok(
        "SELECT (CASE WHEN TRUE THEN 1 END)::text",
        "SELECT CAST((CASE WHEN TRUE THEN 1 END) AS STRING)",
    );
}

// ----- clauses -----------------------------------------------------------

#[test]
fn offset_without_limit() {
    ok(
        r#"SELECT "id" FROM "t" OFFSET $1"#,
        "SELECT `id` FROM `t` LIMIT 9223372036854775807 OFFSET @p1",
    );
    ok(
        r#"SELECT "id" FROM "t" LIMIT $1 OFFSET $2"#,
        "SELECT `id` FROM `t` LIMIT @p1 OFFSET @p2",
    );
    ok(
        r#"SELECT * FROM (SELECT "id" FROM "t" LIMIT 5) AS "s" OFFSET 2"#,
        "SELECT * FROM (SELECT `id` FROM `t` LIMIT 5) AS `s` LIMIT 9223372036854775807 OFFSET 2",
    );
    ok(
        r#"SELECT "id" FROM "t" LIMIT 5 UNION ALL (SELECT "id" FROM "u" OFFSET 3)"#,
        "SELECT `id` FROM `t` LIMIT 5 UNION ALL (SELECT `id` FROM `u` LIMIT 9223372036854775807 OFFSET 3)",
    );
}

#[test]
fn set_operations() {
    ok(
        r#"SELECT "id" FROM "a" UNION (SELECT "id" FROM "b")"#,
        "SELECT `id` FROM `a` UNION DISTINCT (SELECT `id` FROM `b`)",
    );
    ok(
        r#"SELECT "id" FROM "a" UNION ALL (SELECT "id" FROM "b")"#,
        "SELECT `id` FROM `a` UNION ALL (SELECT `id` FROM `b`)",
    );
    ok(
        r#"SELECT "id" FROM "a" INTERSECT (SELECT "id" FROM "b") EXCEPT (SELECT "id" FROM "c")"#,
        "SELECT `id` FROM `a` INTERSECT DISTINCT (SELECT `id` FROM `b`) EXCEPT DISTINCT (SELECT `id` FROM `c`)",
    );
    ok(
        r#"SELECT "id" FROM "a" UNION DISTINCT SELECT "id" FROM "b""#,
        "SELECT `id` FROM `a` UNION DISTINCT SELECT `id` FROM `b`",
    );
}

#[test]
fn predicates_pass_through() {
    ok(
        r#"SELECT "id" FROM "t" WHERE "a" IS NULL AND "b" IS NOT NULL AND "c" NOT IN ($1) AND "d" BETWEEN $2 AND $3 AND 1 = 2 AND "e" IS DISTINCT FROM $4 AND EXISTS (SELECT 1) ORDER BY "a" DESC NULLS LAST, "b" NULLS FIRST"#,
        "SELECT `id` FROM `t` WHERE `a` IS NULL AND `b` IS NOT NULL AND `c` NOT IN (@p1) AND `d` BETWEEN @p2 AND @p3 AND 1 = 2 AND `e` IS DISTINCT FROM @p4 AND EXISTS (SELECT 1) ORDER BY `a` DESC NULLS LAST, `b` NULLS FIRST",
    );
    ok(
        r#"SELECT COALESCE(MAX("id"), 0) AS "m", CASE WHEN ("a" > 1) THEN 'x' ELSE 'y' END FROM "t" GROUP BY "b" HAVING COUNT(*) > $1"#,
        "SELECT COALESCE(MAX(`id`), 0) AS `m`, CASE WHEN (`a` > 1) THEN 'x' ELSE 'y' END FROM `t` GROUP BY `b` HAVING COUNT(*) > @p1",
    );
    ok(
        r#"WITH "c" AS (SELECT "id" FROM "t") SELECT * FROM "c""#,
        "WITH `c` AS (SELECT `id` FROM `t`) SELECT * FROM `c`",
    );
    ok(
        r#"SELECT "id" FROM "t" WHERE "id" = $1 FOR UPDATE"#,
        "SELECT `id` FROM `t` WHERE `id` = @p1 FOR UPDATE",
    );
}

#[test]
fn ilike_with_simple_operands() {
    ok(
        r#"SELECT "id" FROM "t" WHERE "t"."name" ILIKE $1"#,
        "SELECT `id` FROM `t` WHERE LOWER(`t`.`name`) LIKE LOWER(@p1)",
    );
    ok(
        r#"SELECT "id" FROM "t" WHERE "a" = 1 AND "t"."name" NOT ILIKE '%x%' AND "b" = 2"#,
        "SELECT `id` FROM `t` WHERE `a` = 1 AND LOWER(`t`.`name`) NOT LIKE LOWER('%x%') AND `b` = 2",
    );
    ok(
        r#"SELECT ("name" ILIKE "pattern") FROM "t""#,
        "SELECT (LOWER(`name`) LIKE LOWER(`pattern`)) FROM `t`",
    );
    unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" || "b" ILIKE $1"#);
    unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" ILIKE $1 || 'x'"#);
    unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" ILIKE LOWER($1)"#);
}

#[test]
fn like_escape() {
    ok(
        r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE E'\\'"#,
        "SELECT `id` FROM `t` WHERE `a` LIKE @p1",
    );
    ok(
        r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE '\'"#,
        "SELECT `id` FROM `t` WHERE `a` LIKE @p1",
    );
    unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE '!'"#);
}

#[test]
fn any_and_all() {
    ok(
        r#"SELECT "id" FROM "t" WHERE "id" = ANY($1)"#,
        "SELECT `id` FROM `t` WHERE `id` IN UNNEST(@p1)",
    );
    ok(
        r#"SELECT "id" FROM "t" WHERE "id" <> ALL($1)"#,
        "SELECT `id` FROM `t` WHERE `id` NOT IN UNNEST(@p1)",
    );
    ok(
        r#"SELECT "id" FROM "t" WHERE "id" = ANY(SELECT "x" FROM "u")"#,
        "SELECT `id` FROM `t` WHERE `id` IN (SELECT `x` FROM `u`)",
    );
    unsupported_construct(r#"SELECT "id" FROM "t" WHERE "id" > ANY($1)"#);
    ok(r#"SELECT ALL "id" FROM "t""#, "SELECT ALL `id` FROM `t`");
}

#[test]
fn arrays() {
    ok("SELECT ARRAY [1,2]", "SELECT ARRAY [1,2]");
    ok("SELECT ARRAY[$1, $2]", "SELECT ARRAY[@p1, @p2]");
    unsupported_construct(r#"SELECT "a"[1] FROM "t""#);
    unsupported_construct(r#"SELECT ARRAY[1,2,3][1:2]"#);
}

#[test]
fn unsupported_constructs() {
    let cases = [
        (r#"SELECT DISTINCT ON ("a") "a" FROM "t""#, "DISTINCT ON"),
        (r#"SELECT "a" FROM "t" FOR SHARE"#, "FOR SHARE"),
        (
            r#"SELECT "a" FROM "t" FOR NO KEY UPDATE"#,
            "FOR NO KEY UPDATE",
        ),
        (r#"SELECT "a" FROM "t" FOR KEY SHARE"#, "FOR KEY SHARE"),
        (r#"SELECT "a" FROM "t" FOR UPDATE OF "t""#, "FOR UPDATE OF"),
        (
            r#"SELECT "a" FROM "t" FOR UPDATE NOWAIT"#,
            "FOR UPDATE NOWAIT",
        ),
        (
            r#"SELECT "a" FROM "t" FOR UPDATE SKIP LOCKED"#,
            "FOR UPDATE SKIP",
        ),
        (r#"SELECT "j" -> 'a' FROM "t""#, "->"),
        (r#"SELECT "j" ->> 'a' FROM "t""#, "->>"),
        (r#"SELECT 1 FROM "t" WHERE "j" @> $1"#, "@>"),
        (r#"SELECT 1 FROM "t" WHERE "j" <@ $1"#, "<@"),
        (r#"SELECT 1 FROM "t" WHERE "a" && $1"#, "&&"),
        (r#"SELECT 1 FROM "t" WHERE "j" ? 'k'"#, "?"),
        (r#"SELECT 1 FROM "t" WHERE "a" ~ 'x'"#, "~"),
        (r#"SELECT 1 FROM "t" WHERE "a" ~* 'x'"#, "~*"),
        (r#"SELECT "a" % 2 FROM "t""#, "%"),
        (r#"SELECT "a" ^ 2 FROM "t""#, "^"),
        (r#"SELECT 1 FROM "t" WHERE "v" @@ $1"#, "@@"),
        (
            r#"SELECT 1 FROM "t" WHERE "a" SIMILAR TO 'x'"#,
            "SIMILAR TO",
        ),
        (r#"SELECT 1 FROM "t", LATERAL (SELECT 1) AS "x""#, "LATERAL"),
        (r#"SELECT COUNT(*) FILTER (WHERE "a") FROM "t""#, "FILTER"),
        (r#"SELECT NOW() - INTERVAL '1 day'"#, "INTERVAL"),
        (r#"SELECT "a" INTO TABLE "b" FROM "t""#, "INTO"),
        (
            r#"SELECT * FROM "t" TABLESAMPLE SYSTEM (10)"#,
            "TABLESAMPLE",
        ),
        (
            r#"UPDATE "t" SET "a" = "u"."a" FROM "u" WHERE "t"."id" = "u"."id""#,
            "UPDATE ... FROM",
        ),
        (
            r#"DELETE FROM "t" USING "u" WHERE "t"."id" = "u"."id""#,
            "DELETE ... USING",
        ),
        (
            r#"WITH "x" AS (DELETE FROM "t" RETURNING "id") SELECT * FROM "x""#,
            "DELETE",
        ),
        (
            r#"SELECT * FROM (UPDATE "t" SET "a" = 1 RETURNING "a") AS "x""#,
            "UPDATE",
        ),
        (r#"CREATE TABLE "t" ("id" serial)"#, "CREATE"),
        (r#"EXPLAIN SELECT 1"#, "EXPLAIN"),
        ("SELECT 1; SELECT 2", "multiple statements"),
        ("SELECT B'0101'", "bit-string"),
        ("SELECT U&'d\\0061t'", "Unicode"),
    ];
    for (sql, needle) in cases {
        let construct = unsupported_construct(sql);
        assert!(
            construct.contains(needle),
            "{sql}: construct {construct:?} should mention {needle:?}"
        );
    }
}

#[test]
fn error_messages_are_clear() {
    let err = translate_postgres(r#"SELECT 1 FROM "t" WHERE "j" @> $1"#).expect_err("error");
    assert_eq!(
        err.to_string(),
        "cannot translate operator `@>` to GoogleSQL: containment, overlap and \
         key-existence operators have no GoogleSQL equivalent"
    );
    let err = translate_postgres("SELECT 'abc").expect_err("error");
    assert_eq!(
        err.to_string(),
        "invalid PostgreSQL SQL at byte 7: unterminated string constant"
    );
}

#[test]
fn lexical_errors() {
    assert_eq!(syntax_offset("SELECT 'abc"), 7);
    assert_eq!(syntax_offset("SELECT E'abc\\'"), 7);
    assert_eq!(syntax_offset("SELECT \"abc"), 7);
    assert_eq!(syntax_offset("SELECT $$abc"), 7);
    assert_eq!(syntax_offset("SELECT 1 /* x"), 9);
    assert_eq!(syntax_offset("SELECT {"), 7);
    assert_eq!(syntax_offset("SELECT E'\\uZZZZ'"), 11);
    assert_eq!(syntax_offset("SELECT E'\\xff'"), 7);
}

#[test]
fn empty_and_trailing_semicolon() {
    ok("", "");
    ok("  -- nothing\n", "");
    ok("SELECT 1;", "SELECT 1");
    ok("SELECT 1 ; ", "SELECT 1");
}

#[test]
fn never_panics() {
    let samples = [
        r#"INSERT INTO "cäke" ("id", "ñame") VALUES ($1, E'\303\251\'') ON CONFLICT ("id") DO UPDATE SET "ñame" = "excluded"."ñame" RETURNING "id";"#,
        r#"SELECT "a"::text, CAST($1 AS "t"[]), $$x$$, $q$y$q$ FROM "t" WHERE "a" ILIKE $2 OFFSET 1 -- é"#,
        "SELECT /* ☃ /* 🎉 */ */ U&'x' B'1' 0x 1e+ .5. :: [ ] ; $ $a E'\\",
    ];
    for sample in samples {
        for (i, _) in sample.char_indices() {
            let _ = translate_postgres(&sample[..i]);
            let _ = translate_postgres(&sample[i..]);
        }
    }
    let deep = "(".repeat(10_000) + &")".repeat(10_000);
    let _ = translate_postgres(&deep);
    let casts = "SELECT $1".to_owned() + &"::text".repeat(2_000);
    assert!(translate_postgres(&casts).is_ok());
}

#[test]
fn large_inserts_split_into_whole_rows() {
    use sea_query::{Value, Values};
    let rows = 5;
    let mut sql = String::from(r#"INSERT INTO "t" ("a", "b") VALUES "#);
    let mut values = Vec::new();
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${})", 2 * r + 1, 2 * r + 2));
        values.push(Value::Int(Some(r)));
        values.push(Value::String(Some(format!("v{r}"))));
    }
    sql.push_str(r#" RETURNING "a""#);
    let parts = translate_postgres_split(&sql, &Values(values), 4).expect("split");
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[0].0,
        "INSERT INTO `t` (`a`, `b`) VALUES (@p1, @p2), (@p3, @p4) THEN RETURN `a`"
    );
    assert_eq!(
        parts[2].0,
        "INSERT INTO `t` (`a`, `b`) VALUES (@p1, @p2) THEN RETURN `a`"
    );
    assert_eq!(
        parts[2].1 .0,
        vec![Value::Int(Some(4)), Value::String(Some("v4".into()))]
    );
    // Under the limit, or not a multi-row INSERT: one statement.
    let one = translate_postgres_split(r#"SELECT $1"#, &Values(vec![Value::Int(Some(1))]), 4)
        .expect("one");
    assert_eq!(one.len(), 1);
}
