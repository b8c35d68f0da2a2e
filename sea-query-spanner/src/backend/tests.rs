//! Unit tests for the GoogleSQL backend: rendered strings and error cases.

use sea_query::extension::postgres::PgExpr;
use sea_query::value::prelude::{chrono, serde_json, BigDecimal, Decimal, Uuid};
use sea_query::*;

use super::statement_internals::debug_tree;
use super::*;

const B: SpannerQueryBuilder = SpannerQueryBuilder;

fn inline<S: QueryStatementWriter>(stmt: &S) -> String {
    stmt.to_string(B)
}

/// `str::contains` (a plain `.contains` would resolve to `PgExpr::contains`).
fn has(haystack: &str, needle: &str) -> bool {
    haystack.contains(needle)
}

fn lit(v: impl Into<Value>) -> String {
    B.value_to_string(&v.into())
}

// ------------------------------------------------------------------------------------------
// Identifiers, literals, parameters
// ------------------------------------------------------------------------------------------

#[test]
fn identifiers_are_backtick_quoted_and_escaped() {
    let q = Query::select()
        .column("a`b")
        .column(("t", "c"))
        .from(("sch", "t"))
        .to_owned();
    assert_eq!(inline(&q), r"SELECT `a\`b`, `t`.`c` FROM `sch`.`t`");
}

#[test]
fn parameters_are_numbered_at_p() {
    let (sql, values) = Query::select()
        .column("a")
        .from("t")
        .and_where(Expr::col("a").eq(1))
        .and_where(Expr::col("b").eq("x"))
        .build(B);
    assert_eq!(sql, "SELECT `a` FROM `t` WHERE `a` = @p1 AND `b` = @p2");
    assert_eq!(
        values.0,
        vec![Value::Int(Some(1)), Value::String(Some("x".into()))]
    );
}

#[test]
fn string_literals_use_backslash_escapes() {
    assert_eq!(lit("it's"), r"'it\'s'");
    assert_eq!(lit("a\\b\nc\td\u{1}"), r"'a\\b\nc\td\u0001'");
    assert_eq!(lit('é'), "'é'");
    assert_eq!(
        B.unescape_string(r"it\'s \\ \n \x41 \u00e9 \101"),
        "it's \\ \n A é A"
    );
}

#[test]
fn scalar_literals() {
    assert_eq!(lit(true), "TRUE");
    assert_eq!(lit(false), "FALSE");
    assert_eq!(lit(Value::Int(None)), "NULL");
    assert_eq!(lit(42i64), "42");
    assert_eq!(lit(1.5f64), "1.5");
    assert_eq!(lit(2.0f64), "2.0");
    assert_eq!(lit(1.5f32), "CAST(1.5 AS FLOAT32)");
    assert_eq!(lit(f64::NAN), "CAST('nan' AS FLOAT64)");
    assert_eq!(lit(f64::NEG_INFINITY), "CAST('-inf' AS FLOAT64)");
    assert_eq!(lit(vec![0u8, b'a', b'\'', 0xff]), r"b'\x00a\'\xff'");
    assert_eq!(lit(Decimal::new(12345, 2)), "NUMERIC '123.45'");
    assert_eq!(lit("1.25".parse::<BigDecimal>().unwrap()), "NUMERIC '1.25'");
    assert_eq!(lit(Uuid::nil()), "'00000000-0000-0000-0000-000000000000'");
    assert_eq!(
        lit(serde_json::json!({"a": "it's"})),
        r#"JSON '{"a":"it\'s"}'"#
    );
}

#[test]
fn temporal_literals() {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    let dt = d.and_hms_micro_opt(10, 20, 30, 5).unwrap();
    assert_eq!(lit(d), "DATE '2024-01-31'");
    assert_eq!(lit(dt), "TIMESTAMP '2024-01-31 10:20:30.000005+00:00'");
    assert_eq!(
        lit(chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(
            dt,
            chrono::Utc
        )),
        "TIMESTAMP '2024-01-31 10:20:30.000005+00:00'"
    );
    let east = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
    assert_eq!(
        lit(chrono::DateTime::<chrono::FixedOffset>::from_naive_utc_and_offset(dt, east)),
        "TIMESTAMP '2024-01-31 12:20:30.000005+02:00'"
    );
    assert_eq!(lit(dt.time()), "'10:20:30.000005'");

    use sea_query::value::prelude::time;
    let td = time::Date::from_calendar_date(2024, time::Month::February, 3).unwrap();
    let tt = time::Time::from_hms_micro(4, 5, 6, 7).unwrap();
    let tdt = time::PrimitiveDateTime::new(td, tt);
    assert_eq!(lit(td), "DATE '2024-02-03'");
    assert_eq!(lit(tdt), "TIMESTAMP '2024-02-03 04:05:06.000007+00:00'");
    let off = tdt.assume_offset(time::UtcOffset::from_hms(-5, -30, 0).unwrap());
    assert_eq!(lit(off), "TIMESTAMP '2024-02-03 04:05:06.000007-05:30'");
}

#[test]
fn array_literals_are_typed() {
    assert_eq!(lit(vec![1i64, 2]), "ARRAY<INT64>[1, 2]");
    assert_eq!(lit(Vec::<String>::new()), "ARRAY<STRING>[]");
    assert_eq!(lit(vec!["a".to_string()]), "ARRAY<STRING>['a']");
    assert_eq!(lit(Value::Array(ArrayType::Int, None)), "NULL");
}

// ------------------------------------------------------------------------------------------
// SELECT
// ------------------------------------------------------------------------------------------

#[test]
fn select_with_joins_group_by_having() {
    let q = Query::select()
        .column(("u", "id"))
        .expr_as(Func::count(Expr::col(("o", "id"))), "n")
        .from_as("users", "u")
        .left_join(
            TableRef::Table(TableName(None, "orders".into_iden()), Some("o".into_iden())),
            Expr::col(("o", "user_id")).equals(("u", "id")),
        )
        .join(
            JoinType::StraightJoin,
            "x",
            Expr::col(("x", "id")).equals(("u", "id")),
        )
        .group_by_col(("u", "id"))
        .and_having(Func::count(Expr::col(("o", "id"))).gt(2))
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `u`.`id`, COUNT(`o`.`id`) AS `n` FROM `users` AS `u` \
         LEFT JOIN `orders` AS `o` ON `o`.`user_id` = `u`.`id` \
         INNER JOIN `x` ON `x`.`id` = `u`.`id` \
         GROUP BY `u`.`id` HAVING COUNT(`o`.`id`) > 2"
    );
}

#[test]
fn select_subquery_and_cte() {
    let sub = Query::select().column("id").from("t").to_owned();
    let q = Query::select()
        .column("id")
        .from_subquery(sub.clone(), "s")
        .and_where(Expr::col("id").in_subquery(sub.clone()))
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `id` FROM (SELECT `id` FROM `t`) AS `s` WHERE `id` IN (SELECT `id` FROM `t`)"
    );

    let cte = CommonTableExpression::new()
        .query(sub)
        .table_name("c")
        .to_owned();
    let with = WithClause::new().cte(cte).to_owned();
    let q = Query::select().column("id").from("c").to_owned().with(with);
    assert_eq!(
        inline(&q),
        "WITH `c` AS (SELECT `id` FROM `t`) SELECT `id` FROM `c`"
    );
}

#[test]
fn window_functions() {
    let q = Query::select()
        .expr_window_as(
            Func::sum(Expr::col("x")),
            WindowStatement::partition_by("g")
                .order_by("y", Order::Desc)
                .frame_between(FrameType::Rows, Frame::Preceding(2), Frame::CurrentRow)
                .to_owned(),
            "s",
        )
        .from("t")
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT SUM(`x`) OVER ( PARTITION BY `g` ORDER BY `y` DESC \
         ROWS BETWEEN 2 PRECEDING AND CURRENT ROW ) AS `s` FROM `t`"
    );
}

#[test]
fn set_operations_are_explicit() {
    let a = Query::select().column("a").from("t").to_owned();
    let q = a
        .clone()
        .union(UnionType::Distinct, a.clone())
        .union(UnionType::All, a.clone())
        .union(UnionType::Intersect, a.clone())
        .union(UnionType::Except, a.clone())
        .to_owned();
    // Mixed operations are grouped left to right, as GoogleSQL requires.
    assert_eq!(
        inline(&q),
        "(((SELECT `a` FROM `t` UNION DISTINCT (SELECT `a` FROM `t`)) \
         UNION ALL (SELECT `a` FROM `t`)) INTERSECT DISTINCT (SELECT `a` FROM `t`)) \
         EXCEPT DISTINCT (SELECT `a` FROM `t`)"
    );
    let q = a
        .clone()
        .union(UnionType::All, a.clone())
        .union(UnionType::All, a.clone())
        .order_by("a", Order::Asc)
        .limit(3)
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `t` UNION ALL (SELECT `a` FROM `t`) UNION ALL (SELECT `a` FROM `t`) \
         ORDER BY `a` ASC LIMIT 3"
    );
    let cte = CommonTableExpression::new()
        .query(a.clone())
        .table_name("c")
        .to_owned();
    let c = Query::select().column("a").from("c").to_owned();
    let q = c
        .clone()
        .union(UnionType::Distinct, c.clone())
        .union(UnionType::All, c.clone())
        .to_owned()
        .with(WithClause::new().cte(cte).to_owned());
    let (sql, _) = q.build(B);
    assert_eq!(
        sql,
        "WITH `c` AS (SELECT `a` FROM `t`) (SELECT `a` FROM `c` UNION DISTINCT \
         (SELECT `a` FROM `c`)) UNION ALL (SELECT `a` FROM `c`)"
    );
}

#[test]
fn limit_and_offset() {
    let (sql, values) = Query::select()
        .column("a")
        .from("t")
        .limit(10)
        .offset(20)
        .build(B);
    assert_eq!(sql, "SELECT `a` FROM `t` LIMIT @p1 OFFSET @p2");
    assert_eq!(
        values.0,
        vec![Value::BigUnsigned(Some(10)), Value::BigUnsigned(Some(20))]
    );

    let q = Query::select().column("a").from("t").offset(5).to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `t` LIMIT 9223372036854775807 OFFSET 5"
    );
}

#[test]
fn nulls_ordering_is_emulated_when_needed() {
    let q = Query::select()
        .column("a")
        .from("t")
        .order_by_with_nulls("a", Order::Asc, NullOrdering::Last)
        .order_by_with_nulls("b", Order::Desc, NullOrdering::First)
        .order_by_with_nulls("c", Order::Asc, NullOrdering::First)
        .order_by_with_nulls("d", Order::Desc, NullOrdering::Last)
        .order_by("e", Order::Desc)
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `t` ORDER BY `a` IS NULL, `a` ASC, `b` IS NULL DESC, `b` DESC, \
         `c` ASC, `d` DESC, `e` DESC"
    );
    // Parameters in the repeated expression are pushed twice, in order.
    let (sql, values) = Query::select()
        .column("a")
        .from("t")
        .order_by_expr_with_nulls(Expr::col("a").add(1), Order::Asc, NullOrdering::Last)
        .build(B);
    assert_eq!(
        sql,
        "SELECT `a` FROM `t` ORDER BY `a` + @p1 IS NULL, `a` + @p2 ASC"
    );
    assert_eq!(values.0.len(), 2);
}

#[test]
fn order_by_field_list() {
    let q = Query::select()
        .column("a")
        .from("t")
        .order_by("a", Order::Field(Values(vec![1.into(), 2.into()])))
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `t` ORDER BY CASE WHEN `a`=1 THEN 0 WHEN `a`=2 THEN 1 ELSE 2 END"
    );
}

#[test]
fn like_escape_is_translated_to_backslash() {
    let q = Query::select()
        .column("a")
        .from("t")
        .and_where(Expr::col("a").like(LikeExpr::new("50!%_x\\").escape('!')))
        .to_owned();
    assert_eq!(
        inline(&q),
        r"SELECT `a` FROM `t` WHERE `a` LIKE '50\\%_x\\\\'"
    );
    assert_eq!(
        super::query::translate_like_pattern("a!%b!!c!_", '!'),
        r"a\%b!c\_"
    );
    assert_eq!(super::query::translate_like_pattern(r"a\%", '\\'), r"a\%");
}

#[test]
fn ilike_becomes_lower_like_lower() {
    let q = Query::select()
        .column("a")
        .from("t")
        .and_where(Expr::col("a").ilike("%Ab%"))
        .and_where(Expr::col("b").not_ilike("x"))
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `t` WHERE LOWER(`a`) LIKE LOWER('%Ab%') AND LOWER(`b`) NOT LIKE LOWER('x')"
    );
}

#[test]
fn operators_and_functions() {
    let q = Query::select()
        .expr(Expr::col("a").modulo(3).add(1))
        .expr(Expr::col("s").concat("x"))
        .expr(Func::coalesce([Expr::col("a"), Expr::val(0)]))
        .expr(Func::if_null(Expr::col("a"), 0))
        .expr(Func::random())
        .expr(Expr::current_timestamp())
        .expr(Expr::current_date())
        .from("t")
        .and_where(Expr::col("a").is_in(Vec::<i32>::new()))
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT MOD(`a`, 3) + 1, `s` || 'x', COALESCE(`a`, 0), IFNULL(`a`, 0), RAND(), \
         CURRENT_TIMESTAMP(), CURRENT_DATE() FROM `t` WHERE 1 = 2"
    );
}

#[test]
fn custom_with_values_uses_question_marks_and_dollar_numbers() {
    let (sql, values) = Query::select()
        .expr(Expr::cust_with_values("? + ? = '?'", [1, 2]))
        .expr(Expr::cust_with_values("$2 - $1", [3, 4]))
        .build(B);
    assert_eq!(sql, "SELECT @p1 + @p2 = '?', @p3 - @p4");
    assert_eq!(
        values.0,
        vec![
            Value::Int(Some(1)),
            Value::Int(Some(2)),
            Value::Int(Some(4)),
            Value::Int(Some(3))
        ]
    );
    // Too few values never panics.
    let q = Query::select()
        .expr(Expr::cust_with_values("? ?", [1]))
        .to_owned();
    assert_eq!(inline(&q), "SELECT 1 <unsupported: missing value for `?`>");
}

#[test]
fn locking() {
    let base = Query::select().column("a").from("t").to_owned();
    assert_eq!(
        inline(&base.clone().lock(LockType::Update).to_owned()),
        "SELECT `a` FROM `t` FOR UPDATE"
    );
    assert!(B
        .build_checked(&base.clone().lock(LockType::Update).to_owned())
        .is_ok());
    // Everything else is an error, never silently different SQL.
    let unsupported = [
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned(),
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::Nowait)
            .to_owned(),
        base.clone()
            .lock_with_tables(LockType::Update, ["t"])
            .to_owned(),
        base.clone().lock_shared().to_owned(),
        base.clone().lock(LockType::NoKeyUpdate).to_owned(),
        base.clone().lock(LockType::KeyShare).to_owned(),
    ];
    for stmt in unsupported {
        let sql = inline(&stmt);
        assert!(has(&sql, "<unsupported: `FOR "), "{sql}");
        match B.build_checked(&stmt) {
            Err(SpannerSqlError::UnsupportedFeature(what)) => {
                assert!(has(&what, "`FOR "), "{what}")
            }
            other => panic!("expected an error for {sql}, got {other:?}"),
        }
    }
}

#[test]
fn force_index_hint() {
    let q = Query::select()
        .column("a")
        .from_as(force_index("Singers", "SingersByName").unwrap(), "s")
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT `a` FROM `Singers`@{FORCE_INDEX=SingersByName} AS `s`"
    );
    assert!(force_index("t", "bad name").is_err());
    assert!(force_index("t", "").is_err());
}

#[test]
fn distinct_on_and_select_into_are_marked() {
    let q = Query::select()
        .distinct_on(["a"])
        .column("a")
        .from("t")
        .to_owned();
    assert!(has(&inline(&q), "<unsupported: DISTINCT ON>"));
}

#[test]
fn values_list_becomes_union_all_select() {
    let q = Query::select()
        .column(Asterisk)
        .from_values([(1, "a"), (2, "b")], "v")
        .to_owned();
    assert_eq!(
        inline(&q),
        "SELECT * FROM (SELECT 1, 'a' UNION ALL SELECT 2, 'b') AS `v`"
    );
}

// ------------------------------------------------------------------------------------------
// INSERT / UPDATE / DELETE
// ------------------------------------------------------------------------------------------

fn insert() -> InsertStatement {
    Query::insert()
        .into_table("t")
        .columns(["id", "a", "b"])
        .values_panic([1.into(), "x".into(), 2.5.into()])
        .values_panic([2.into(), "y".into(), 3.5.into()])
        .to_owned()
}

#[test]
fn insert_multi_row() {
    let (sql, values) = insert().build(B);
    assert_eq!(
        sql,
        "INSERT INTO `t` (`id`, `a`, `b`) VALUES (@p1, @p2, @p3), (@p4, @p5, @p6)"
    );
    assert_eq!(values.0.len(), 6);
}

#[test]
fn insert_or_ignore() {
    let q = insert()
        .on_conflict(OnConflict::column("id").do_nothing().to_owned())
        .to_owned();
    assert_eq!(
        inline(&q),
        "INSERT OR IGNORE INTO `t` (`id`, `a`, `b`) VALUES (1, 'x', 2.5), (2, 'y', 3.5)"
    );
}

#[test]
fn insert_or_update() {
    let q = insert()
        .on_conflict(
            OnConflict::column("id")
                .update_columns(["a", "b"])
                .to_owned(),
        )
        .returning_col("id")
        .to_owned();
    let (sql, values) = q.build(B);
    assert_eq!(
        sql,
        "INSERT OR UPDATE INTO `t` (`id`, `a`, `b`) VALUES (@p1, @p2, @p3), (@p4, @p5, @p6) \
         THEN RETURN `id`"
    );
    assert_eq!(values.0.len(), 6);
}

#[test]
fn partial_or_computed_upserts_are_errors() {
    let computed = insert()
        .on_conflict(
            OnConflict::column("id")
                .update_column("a")
                .value("b", Expr::col("b").add(1))
                .to_owned(),
        )
        .returning_all()
        .to_owned();
    let partial = insert()
        .on_conflict(OnConflict::column("id").update_column("a").to_owned())
        .to_owned();
    let conditional = insert()
        .on_conflict(
            OnConflict::column("id")
                .update_columns(["a", "b"])
                .action_and_where(Expr::col("a").gt(1))
                .to_owned(),
        )
        .to_owned();
    for (stmt, what) in [
        (computed, "SET b = <expression>"),
        (partial, "keeps some inserted columns"),
        (conditional, "WHERE"),
    ] {
        let (sql, _) = stmt.build(B);
        assert!(has(&sql, "<unsupported: `ON CONFLICT"), "{sql}");
        assert!(!has(&sql, " ON CONFLICT ("), "{sql}");
        match B.build_checked(&stmt) {
            Err(SpannerSqlError::UnsupportedFeature(message)) => {
                assert!(has(&message, what), "{message}")
            }
            other => panic!("expected an error for {sql}, got {other:?}"),
        }
    }
}

/// The backend and the SeaORM translator (fed sea-query's PostgreSQL rendering of the same
/// statement) follow one rule book: the same SQL, or an error in both.
#[cfg(feature = "sea-orm")]
#[test]
fn backend_and_translator_agree() {
    use crate::orm::translate::translate_postgres;

    fn check<S: QueryStatementWriter>(stmt: S) {
        let postgres = stmt.to_string(PostgresQueryBuilder);
        let translated = translate_postgres(&postgres);
        let rendered = B.build_checked(&stmt).map(|_| stmt.to_string(B));
        match (&translated, &rendered) {
            (Ok(t), Ok(r)) => {
                let normalize = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(normalize(t), normalize(r), "from {postgres}");
            }
            (Err(_), Err(_)) => {}
            _ => panic!("disagree on {postgres}: translator {translated:?}, backend {rendered:?}"),
        }
    }

    let base = Query::select().column("a").from("t").to_owned();
    check(base.clone().lock(LockType::Update).to_owned());
    check(base.clone().lock_shared().to_owned());
    check(base.clone().lock(LockType::NoKeyUpdate).to_owned());
    check(base.clone().lock(LockType::KeyShare).to_owned());
    check(
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::Nowait)
            .to_owned(),
    );
    check(
        base.clone()
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned(),
    );
    check(
        base.clone()
            .lock_with_tables(LockType::Update, ["t"])
            .to_owned(),
    );
    check(base.clone().offset(5).to_owned());
    for ty in [
        "text",
        "bigint",
        "INT64",
        "double precision",
        "interval",
        "my_enum",
    ] {
        check(
            Query::select()
                .expr(Expr::col("a").cast_as(ty))
                .from("t")
                .to_owned(),
        );
    }
    check(base.clone().limit(3).offset(5).to_owned());

    let upserts = [
        OnConflict::column("id").do_nothing().to_owned(),
        OnConflict::column("id")
            .update_columns(["a", "b"])
            .to_owned(),
        OnConflict::column("id").update_column("a").to_owned(),
        OnConflict::column("id")
            .update_column("a")
            .value("b", Expr::col("b").add(1))
            .to_owned(),
        OnConflict::column("id")
            .update_columns(["a", "b"])
            .action_and_where(Expr::col("a").gt(1))
            .to_owned(),
    ];
    for upsert in upserts {
        check(insert().on_conflict(upsert).to_owned());
    }
}

#[test]
fn insert_select() {
    let q = Query::insert()
        .into_table("t")
        .columns(["a"])
        .select_from(Query::select().column("a").from("u").to_owned())
        .unwrap()
        .to_owned();
    assert_eq!(inline(&q), "INSERT INTO `t` (`a`) SELECT `a` FROM `u`");
}

#[test]
fn update_requires_where() {
    let q = Query::update().table("t").value("a", 1).to_owned();
    assert_eq!(inline(&q), "UPDATE `t` SET `a` = 1 WHERE TRUE");
    let (sql, _) = Query::update()
        .table("t")
        .value("a", 1)
        .and_where(Expr::col("id").eq(5))
        .returning(Query::returning().columns(["id", "a"]))
        .build(B);
    assert_eq!(
        sql,
        "UPDATE `t` SET `a` = @p1 WHERE `id` = @p2 THEN RETURN `id`, `a`"
    );
    let q = Query::update().table("t").value("a", 1).limit(1).to_owned();
    assert!(has(&inline(&q), "<unsupported: LIMIT in UPDATE>"));
}

#[test]
fn delete_requires_where() {
    let q = Query::delete().from_table("t").to_owned();
    assert_eq!(inline(&q), "DELETE FROM `t` WHERE TRUE");
    let (sql, _) = Query::delete()
        .from_table("t")
        .and_where(Expr::col("id").eq(1))
        .returning_all()
        .build(B);
    assert_eq!(sql, "DELETE FROM `t` WHERE `id` = @p1 THEN RETURN *");
    let q = Query::delete().from_table("t").limit(3).to_owned();
    assert_eq!(
        inline(&q),
        "DELETE FROM `t` WHERE TRUE<unsupported: LIMIT in DELETE>"
    );
}

// ------------------------------------------------------------------------------------------
// CREATE TABLE
// ------------------------------------------------------------------------------------------

#[test]
fn create_table_basic() {
    let t = Table::create()
        .table("users")
        .if_not_exists()
        .col(ColumnDef::new("id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("bio").text())
        .col(ColumnDef::new("active").boolean().not_null().default(true))
        .col(
            ColumnDef::new("created_at")
                .timestamp_with_time_zone()
                .not_null()
                .default(Expr::current_timestamp()),
        )
        .to_owned();
    let sql = B.build_table_create(&t).unwrap();
    assert_eq!(
        sql,
        "CREATE TABLE IF NOT EXISTS `users` (`id` INT64 NOT NULL, `name` STRING(100) NOT NULL, \
         `bio` STRING(MAX), `active` BOOL NOT NULL DEFAULT (TRUE), \
         `created_at` TIMESTAMP NOT NULL DEFAULT (CURRENT_TIMESTAMP())) PRIMARY KEY (`id`)"
    );
    assert_eq!(t.to_string(B), sql);
}

#[test]
fn create_table_composite_key_index_and_constraints() {
    let t = Table::create()
        .table("albums")
        .col(ColumnDef::new("singer_id").integer().not_null())
        .col(ColumnDef::new("album_id").integer().not_null())
        .col(
            ColumnDef::new("price")
                .decimal_len(10, 2)
                .check(Expr::col("price").gt(0)),
        )
        .col(
            ColumnDef::new("title_upper")
                .string()
                .generated(Func::upper(Expr::col("title")), true),
        )
        .col(ColumnDef::new("title").string())
        .primary_key(
            Index::create()
                .col("singer_id")
                .col(("album_id", IndexOrder::Desc)),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_singer")
                .from_col("singer_id")
                .to("singers", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .check(Check::named("title_len", Expr::cust("LENGTH(`title`) > 0")))
        .index(Index::create().name("by_title").col("title").unique())
        .to_owned();
    let stmts = B.build_table_create_batch(&t).unwrap();
    assert_eq!(
        stmts,
        vec![
            "CREATE TABLE `albums` (`singer_id` INT64 NOT NULL, `album_id` INT64 NOT NULL, \
             `price` NUMERIC, `title_upper` STRING(MAX) AS (UPPER(`title`)) STORED, \
             `title` STRING(MAX), CONSTRAINT `fk_singer` FOREIGN KEY (`singer_id`) \
             REFERENCES `singers` (`id`) ON DELETE CASCADE, CHECK (`price` > 0), \
             CONSTRAINT `title_len` CHECK (LENGTH(`title`) > 0)) \
             PRIMARY KEY (`singer_id`, `album_id` DESC)"
                .to_owned(),
            "CREATE UNIQUE INDEX `by_title` ON `albums` (`title`)".to_owned(),
        ]
    );
    assert!(matches!(
        B.build_table_create(&t),
        Err(SpannerSqlError::UnsupportedFeature(_))
    ));
    // The trait rendering joins the statements.
    assert_eq!(t.to_string(B), stmts.join(";\n"));
}

#[test]
fn create_table_unique_column_becomes_index() {
    let t = Table::create()
        .table(("app", "users"))
        .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
        .col(ColumnDef::new("email").string().not_null().unique_key())
        .to_owned();
    assert_eq!(
        B.build_table_create_batch(&t).unwrap(),
        vec![
            "CREATE TABLE `app`.`users` (`id` STRING(36) NOT NULL, `email` STRING(MAX) NOT NULL) \
             PRIMARY KEY (`id`)",
            "CREATE UNIQUE INDEX `app`.`UQ_users_email` ON `app`.`users` (`email`)",
        ]
    );
}

#[test]
fn create_table_auto_increment_identity() {
    let t = Table::create()
        .table("items")
        .col(
            ColumnDef::new("id")
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new("name").string())
        .to_owned();
    assert_eq!(
        B.build_table_create(&t).unwrap(),
        "CREATE TABLE `items` (`id` INT64 NOT NULL GENERATED BY DEFAULT AS IDENTITY \
         (BIT_REVERSED_POSITIVE), `name` STRING(MAX)) PRIMARY KEY (`id`)"
    );
    let bad = Table::create()
        .table("t")
        .col(ColumnDef::new("id").string().auto_increment().primary_key())
        .to_owned();
    assert!(matches!(
        B.build_table_create(&bad),
        Err(SpannerSqlError::UnsupportedFeature(_))
    ));
}

#[test]
fn column_type_mapping() {
    let cases: Vec<(ColumnType, &str)> = vec![
        (ColumnType::TinyInteger, "INT64"),
        (ColumnType::SmallInteger, "INT64"),
        (ColumnType::Integer, "INT64"),
        (ColumnType::BigInteger, "INT64"),
        (ColumnType::TinyUnsigned, "INT64"),
        (ColumnType::SmallUnsigned, "INT64"),
        (ColumnType::Unsigned, "INT64"),
        (ColumnType::BigUnsigned, "INT64"),
        (ColumnType::Float, "FLOAT32"),
        (ColumnType::Double, "FLOAT64"),
        (ColumnType::Decimal(Some((10, 2))), "NUMERIC"),
        (ColumnType::Money(None), "NUMERIC"),
        (ColumnType::String(StringLen::N(10)), "STRING(10)"),
        (ColumnType::String(StringLen::None), "STRING(MAX)"),
        (ColumnType::String(StringLen::Max), "STRING(MAX)"),
        (ColumnType::Char(Some(3)), "STRING(3)"),
        (ColumnType::Char(None), "STRING(1)"),
        (ColumnType::Text, "STRING(MAX)"),
        (ColumnType::Binary(16), "BYTES(16)"),
        (ColumnType::VarBinary(StringLen::N(8)), "BYTES(8)"),
        (ColumnType::VarBinary(StringLen::None), "BYTES(MAX)"),
        (ColumnType::Blob, "BYTES(MAX)"),
        (ColumnType::Boolean, "BOOL"),
        (ColumnType::Date, "DATE"),
        (ColumnType::DateTime, "TIMESTAMP"),
        (ColumnType::Timestamp, "TIMESTAMP"),
        (ColumnType::TimestampWithTimeZone, "TIMESTAMP"),
        (ColumnType::Json, "JSON"),
        (ColumnType::JsonBinary, "JSON"),
        (ColumnType::Uuid, "STRING(36)"),
        (
            ColumnType::Array(ColumnType::BigInteger.into()),
            "ARRAY<INT64>",
        ),
        (
            ColumnType::Array(ColumnType::String(StringLen::N(5)).into()),
            "ARRAY<STRING(5)>",
        ),
        (
            ColumnType::Vector(Some(3)),
            "ARRAY<FLOAT32>(vector_length=>3)",
        ),
        (
            ColumnType::Enum {
                name: "mood".into(),
                variants: vec!["happy".into()],
            },
            "STRING(MAX)",
        ),
        (ColumnType::custom("PROTO<x.Y>"), "PROTO<x.Y>"),
    ];
    for (ty, expected) in cases {
        let t = Table::create()
            .table("t")
            .col(ColumnDef::new_with_type("c", ty.clone()).primary_key())
            .to_owned();
        assert_eq!(
            B.build_table_create(&t).unwrap(),
            format!("CREATE TABLE `t` (`c` {expected}) PRIMARY KEY (`c`)"),
            "{ty:?}"
        );
    }
}

#[test]
fn unsupported_column_types_are_errors() {
    for ty in [
        ColumnType::Time,
        ColumnType::Year,
        ColumnType::Interval(None, None),
        ColumnType::Bit(None),
        ColumnType::VarBit(3),
        ColumnType::Cidr,
        ColumnType::Inet,
        ColumnType::MacAddr,
        ColumnType::LTree,
        ColumnType::Array(ColumnType::Array(ColumnType::Integer.into()).into()),
    ] {
        let t = Table::create()
            .table("t")
            .col(ColumnDef::new("id").integer().primary_key())
            .col(ColumnDef::new_with_type("c", ty.clone()))
            .to_owned();
        match B.build_table_create(&t) {
            Err(SpannerSqlError::UnsupportedType { column, .. }) => assert_eq!(column, "c"),
            other => panic!("{ty:?}: {other:?}"),
        }
        // Best-effort rendering never emits a wrong type silently.
        assert!(has(&t.to_string(B), "<unsupported: column `c`: type"));
    }
    let no_type = Table::create()
        .table("t")
        .col(ColumnDef::new("c").primary_key())
        .to_owned();
    assert!(matches!(
        B.build_table_create(&no_type),
        Err(SpannerSqlError::InvalidStatement(_))
    ));
    let temp = Table::create()
        .table("t")
        .temporary()
        .col(ColumnDef::new("c").integer())
        .to_owned();
    assert!(B.build_table_create(&temp).is_err());
}

#[test]
fn foreign_key_actions() {
    let fk = |del: ForeignKeyAction, upd: Option<ForeignKeyAction>| {
        let mut fk = ForeignKey::create()
            .name("fk")
            .from("child", "pid")
            .to("parent", "id")
            .on_delete(del)
            .to_owned();
        if let Some(u) = upd {
            fk.on_update(u);
        }
        fk
    };
    assert_eq!(
        B.build_foreign_key_create(&fk(ForeignKeyAction::NoAction, None))
            .unwrap(),
        "ALTER TABLE `child` ADD CONSTRAINT `fk` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) \
         ON DELETE NO ACTION"
    );
    assert_eq!(
        fk(ForeignKeyAction::Cascade, Some(ForeignKeyAction::NoAction)).to_string(B),
        "ALTER TABLE `child` ADD CONSTRAINT `fk` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) \
         ON DELETE CASCADE"
    );
    for (del, upd) in [
        (ForeignKeyAction::Restrict, None),
        (ForeignKeyAction::SetNull, None),
        (ForeignKeyAction::SetDefault, None),
        (ForeignKeyAction::Cascade, Some(ForeignKeyAction::Cascade)),
    ] {
        assert!(matches!(
            B.build_foreign_key_create(&fk(del, upd)),
            Err(SpannerSqlError::UnsupportedFeature(_))
        ));
    }
    let drop = ForeignKey::drop().name("fk").table("child").to_owned();
    assert_eq!(
        B.build_foreign_key_drop(&drop).unwrap(),
        "ALTER TABLE `child` DROP CONSTRAINT `fk`"
    );
    assert_eq!(
        drop.to_string(B),
        "ALTER TABLE `child` DROP CONSTRAINT `fk`"
    );
}

#[test]
fn spanner_table_options() {
    let t = Table::create()
        .table("albums")
        .col(
            ColumnDef::new("singer_id")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new("album_id")
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("updated_at").timestamp())
        .to_owned();
    let opts = SpannerTableOptions::new()
        .interleave_in_parent("singers", InterleaveOnDelete::Cascade)
        .commit_timestamp("updated_at");
    assert_eq!(
        B.build_table_create_with(&t, &opts).unwrap(),
        vec![
            "CREATE TABLE `albums` (`singer_id` INT64 NOT NULL, `album_id` INT64 NOT NULL, \
             `updated_at` TIMESTAMP OPTIONS (allow_commit_timestamp = true)) \
             PRIMARY KEY (`singer_id`, `album_id`), INTERLEAVE IN PARENT `singers` ON DELETE CASCADE"
        ]
    );
    let opts = SpannerTableOptions::new().interleave_in_parent("singers", Default::default());
    assert!(B.build_table_create_with(&t, &opts).unwrap()[0]
        .ends_with("INTERLEAVE IN PARENT `singers` ON DELETE NO ACTION"));
    // Commit timestamps need an existing TIMESTAMP column.
    let bad = SpannerTableOptions::new().commit_timestamp("album_id");
    assert!(B.build_table_create_with(&t, &bad).is_err());
    let bad = SpannerTableOptions::new().commit_timestamp("nope");
    assert!(B.build_table_create_with(&t, &bad).is_err());
}

// ------------------------------------------------------------------------------------------
// Indexes
// ------------------------------------------------------------------------------------------

#[test]
fn create_and_drop_index() {
    let idx = Index::create()
        .name("by_name")
        .table("singers")
        .col("last")
        .col(("first", IndexOrder::Desc))
        .include("bio")
        .if_not_exists()
        .to_owned();
    assert_eq!(
        B.build_index_create(&idx).unwrap(),
        "CREATE INDEX IF NOT EXISTS `by_name` ON `singers` (`last`, `first` DESC) STORING (`bio`)"
    );
    assert_eq!(idx.to_string(B), B.build_index_create(&idx).unwrap());

    let opts = SpannerIndexOptions::new()
        .null_filtered()
        .storing("age")
        .interleave_in("singers");
    let idx = Index::create()
        .table("albums")
        .col("singer_id")
        .col("title")
        .unique()
        .to_owned();
    assert_eq!(
        B.build_index_create_with(&idx, &opts).unwrap(),
        "CREATE UNIQUE NULL_FILTERED INDEX `UQ_albums_singer_id_title` ON `albums` \
         (`singer_id`, `title`) STORING (`age`), INTERLEAVE IN `singers`"
    );

    let drop = Index::drop()
        .name("by_name")
        .table("singers")
        .if_exists()
        .to_owned();
    assert_eq!(
        B.build_index_drop(&drop).unwrap(),
        "DROP INDEX IF EXISTS `by_name`"
    );
    assert_eq!(drop.to_string(B), "DROP INDEX IF EXISTS `by_name`");
}

#[test]
fn unsupported_index_features() {
    let partial = Index::create()
        .name("i")
        .table("t")
        .col("a")
        .and_where(Expr::col("a").gt(1))
        .to_owned();
    assert!(matches!(
        B.build_index_create(&partial),
        Err(SpannerSqlError::UnsupportedFeature(_))
    ));
    let typed = Index::create()
        .name("i")
        .table("t")
        .col("a")
        .full_text()
        .to_owned();
    assert!(B.build_index_create(&typed).is_err());
    let expr = Index::create()
        .name("i")
        .table("t")
        .col(Expr::col("a").add(1))
        .to_owned();
    assert!(B.build_index_create(&expr).is_err());
    let prefix = Index::create()
        .name("i")
        .table("t")
        .col(("a", 10))
        .to_owned();
    assert!(B.build_index_create(&prefix).is_err());
    let no_table = Index::create().name("i").col("a").to_owned();
    assert!(B.build_index_create(&no_table).is_err());
}

// ------------------------------------------------------------------------------------------
// ALTER / DROP / RENAME / TRUNCATE
// ------------------------------------------------------------------------------------------

#[test]
fn alter_table_one_statement_per_change() {
    let fk = TableForeignKey::new()
        .name("fk_p")
        .from_col("pid")
        .to_tbl("parent")
        .to_col("id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned();
    let alter = Table::alter()
        .table("t")
        .add_column(
            ColumnDef::new("score")
                .double()
                .not_null()
                .default(0.5)
                .check(Expr::col("score").gte(0)),
        )
        .add_column_if_not_exists(ColumnDef::new("tags").array(ColumnType::String(StringLen::None)))
        .add_column(ColumnDef::new("code").string_len(8).unique_key())
        .modify_column(ColumnDef::new("name").string_len(200).not_null())
        .modify_column(ColumnDef::new("state").default("new"))
        .drop_column("old")
        .add_foreign_key(&fk)
        .drop_foreign_key("fk_q")
        .to_owned();
    assert_eq!(
        B.build_table_alter_batch(&alter).unwrap(),
        vec![
            "ALTER TABLE `t` ADD COLUMN `score` FLOAT64 NOT NULL DEFAULT (0.5)",
            "ALTER TABLE `t` ADD CHECK (`score` >= 0)",
            "ALTER TABLE `t` ADD COLUMN IF NOT EXISTS `tags` ARRAY<STRING(MAX)>",
            "ALTER TABLE `t` ADD COLUMN `code` STRING(8)",
            "CREATE UNIQUE INDEX `UQ_t_code` ON `t` (`code`)",
            "ALTER TABLE `t` ALTER COLUMN `name` STRING(200) NOT NULL",
            "ALTER TABLE `t` ALTER COLUMN `state` SET DEFAULT ('new')",
            "ALTER TABLE `t` DROP COLUMN `old`",
            "ALTER TABLE `t` ADD CONSTRAINT `fk_p` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) \
             ON DELETE CASCADE",
            "ALTER TABLE `t` DROP CONSTRAINT `fk_q`",
        ]
    );
    assert_eq!(
        alter.to_string(B),
        B.build_table_alter_batch(&alter).unwrap().join(";\n")
    );
}

#[test]
fn alter_table_recovers_expressions() {
    let alter = Table::alter()
        .table(("s", "t"))
        .add_column(
            ColumnDef::new("id")
                .string_len(36)
                .default(Func::cust("GENERATE_UUID")),
        )
        .add_column(
            ColumnDef::new("d")
                .date()
                .default(chrono::NaiveDate::from_ymd_opt(2024, 5, 6).unwrap()),
        )
        .add_column(
            ColumnDef::new("flag")
                .boolean()
                .not_null()
                .default(Expr::col("x").is_null().and(Expr::cust("TRUE"))),
        )
        .add_column(ColumnDef::new("note").string().default("it's"))
        .add_column(
            ColumnDef::new("ts")
                .timestamp()
                .default(Expr::current_timestamp()),
        )
        .add_column(
            ColumnDef::new("full")
                .string()
                .generated(Expr::col("a").concat(Expr::col("b")), true),
        )
        .to_owned();
    assert_eq!(
        B.build_table_alter_batch(&alter).unwrap(),
        vec![
            "ALTER TABLE `s`.`t` ADD COLUMN `id` STRING(36) DEFAULT (GENERATE_UUID())",
            "ALTER TABLE `s`.`t` ADD COLUMN `d` DATE DEFAULT (DATE '2024-05-06')",
            "ALTER TABLE `s`.`t` ADD COLUMN `flag` BOOL NOT NULL DEFAULT (`x` IS NULL AND (TRUE))",
            r"ALTER TABLE `s`.`t` ADD COLUMN `note` STRING(MAX) DEFAULT ('it\'s')",
            "ALTER TABLE `s`.`t` ADD COLUMN `ts` TIMESTAMP DEFAULT (CURRENT_TIMESTAMP())",
            "ALTER TABLE `s`.`t` ADD COLUMN `full` STRING(MAX) AS (`a` || `b`) STORED",
        ]
    );
    // Shapes that cannot be recovered are reported, not guessed.
    let alter = Table::alter()
        .table("t")
        .add_column(
            ColumnDef::new("c")
                .integer()
                .default(Expr::case(Expr::col("a").eq(1), 1).finally(2)),
        )
        .to_owned();
    assert!(matches!(
        B.build_table_alter_batch(&alter),
        Err(SpannerSqlError::UnsupportedExpression(_))
    ));
}

#[test]
fn alter_table_errors() {
    let cases = [
        Table::alter().table("t").rename_column("a", "b").to_owned(),
        Table::alter()
            .table("t")
            .drop_column_if_exists("a")
            .to_owned(),
        Table::alter()
            .table("t")
            .modify_column(ColumnDef::new("a").not_null())
            .to_owned(),
        Table::alter()
            .table("t")
            .add_column(ColumnDef::new("a").time())
            .to_owned(),
        Table::alter().table("t").to_owned(),
        Table::alter()
            .add_column(ColumnDef::new("a").integer())
            .to_owned(),
    ];
    for alter in cases {
        assert!(B.build_table_alter_batch(&alter).is_err(), "{alter:?}");
        // The trait rendering never panics and marks the problem.
        assert!(has(&alter.to_string(B), "<unsupported: "), "{alter:?}");
    }
}

#[test]
fn drop_rename_truncate() {
    let drop = Table::drop()
        .table("a")
        .table(("s", "b"))
        .if_exists()
        .to_owned();
    assert_eq!(
        B.build_table_drop_batch(&drop).unwrap(),
        vec!["DROP TABLE IF EXISTS `a`", "DROP TABLE IF EXISTS `s`.`b`"]
    );
    assert_eq!(
        drop.to_string(B),
        "DROP TABLE IF EXISTS `a`;\nDROP TABLE IF EXISTS `s`.`b`"
    );
    let cascade = Table::drop().table("a").cascade().to_owned();
    assert!(B.build_table_drop_batch(&cascade).is_err());

    let rename = Table::rename().table("a", "b").to_owned();
    assert_eq!(
        B.build_table_rename(&rename).unwrap(),
        "ALTER TABLE `a` RENAME TO `b`"
    );
    assert_eq!(rename.to_string(B), "ALTER TABLE `a` RENAME TO `b`");

    let truncate = Table::truncate().table("a").to_owned();
    assert_eq!(
        B.build_table_truncate(&truncate).unwrap(),
        "DELETE FROM `a` WHERE TRUE"
    );
    assert_eq!(truncate.to_string(B), "DELETE FROM `a` WHERE TRUE");
}

#[test]
fn debug_tree_parses_nested_values() {
    let node = debug_tree::parse(&Expr::val("a\"b\\c\n'é")).unwrap();
    assert_eq!(
        node,
        debug_tree::Node::Tuple(
            "Value".into(),
            vec![debug_tree::Node::Tuple(
                "String".into(),
                vec![debug_tree::Node::Tuple(
                    "Some".into(),
                    vec![debug_tree::Node::Str("a\"b\\c\n'é".into())]
                )]
            )]
        )
    );
    let e = debug_tree::expr(&debug_tree::parse(&Expr::val('\'')).unwrap()).unwrap();
    assert_eq!(e, Expr::Value(Value::String(Some("'".into()))));
}
