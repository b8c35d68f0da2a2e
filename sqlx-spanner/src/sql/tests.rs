use super::lexer::{tokenize, TokenKind};
use super::*;

fn rewrite(sql: &str) -> String {
    prepare_sql(sql).expect("prepare").sql
}

fn count(sql: &str) -> usize {
    prepare_sql(sql).expect("prepare").param_count
}

fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
    tokenize(sql)
        .expect("tokenize")
        .into_iter()
        .filter(|t| t.kind != TokenKind::Whitespace)
        .map(|t| (t.kind, t.text))
        .collect()
}

// ---------------------------------------------------------------- lexer

#[test]
fn tokens_roundtrip_losslessly() {
    let sql = "SELECT /* c */ a, 'x''' , r\"\\\"\" -- end\n# hash\n FROM `t` @{FORCE_INDEX=i} WHERE b = @p1 AND c = ? ; é";
    let tokens = tokenize(sql).expect("tokenize");
    let rebuilt: String = tokens.iter().map(|t| t.text).collect();
    assert_eq!(rebuilt, sql);
    for t in &tokens {
        assert_eq!(&sql[t.offset..t.offset + t.text.len()], t.text);
    }
}

#[test]
fn lexes_string_forms() {
    assert_eq!(kinds("'a'"), vec![(TokenKind::String, "'a'")]);
    assert_eq!(kinds("\"a\""), vec![(TokenKind::String, "\"a\"")]);
    assert_eq!(
        kinds("'''a'b''c'''"),
        vec![(TokenKind::String, "'''a'b''c'''")]
    );
    assert_eq!(
        kinds("\"\"\"a\"\nb\"\"\""),
        vec![(TokenKind::String, "\"\"\"a\"\nb\"\"\"")]
    );
    assert_eq!(kinds("''"), vec![(TokenKind::String, "''")]);
    assert_eq!(kinds("\"\""), vec![(TokenKind::String, "\"\"")]);
    assert_eq!(kinds(r"'it\'s'"), vec![(TokenKind::String, r"'it\'s'")]);
    assert_eq!(kinds(r"'\\'"), vec![(TokenKind::String, r"'\\'")]);
    assert_eq!(
        kinds(r"'''a\'''b'''"),
        vec![(TokenKind::String, r"'''a\'''b'''")]
    );
}

#[test]
fn lexes_raw_and_bytes_prefixes() {
    for sql in ["r'a'", "R'a'", "r\"a\"", "R'''a'''", "r\"\"\"a\"\"\""] {
        assert_eq!(kinds(sql), vec![(TokenKind::String, sql)], "{sql}");
    }
    for sql in [
        "b'a'",
        "B\"a\"",
        "rb'a'",
        "RB'a'",
        "rB'a'",
        "br'a'",
        "Br\"a\"",
        "bR'''a'''",
    ] {
        assert_eq!(kinds(sql), vec![(TokenKind::Bytes, sql)], "{sql}");
    }
    // A raw literal keeps its backslashes, but `\'` still does not close it.
    assert_eq!(kinds(r"r'a\'b'"), vec![(TokenKind::String, r"r'a\'b'")]);
    // Words that merely start like a prefix are identifiers.
    assert_eq!(
        kinds("rbx 'a'"),
        vec![(TokenKind::Word, "rbx"), (TokenKind::String, "'a'")]
    );
    assert_eq!(
        kinds("r 'a'"),
        vec![(TokenKind::Word, "r"), (TokenKind::String, "'a'")]
    );
}

#[test]
fn lexes_identifiers_comments_and_params() {
    assert_eq!(
        kinds("`a` `b c`"),
        vec![
            (TokenKind::QuotedIdentifier, "`a`"),
            (TokenKind::QuotedIdentifier, "`b c`")
        ]
    );
    assert_eq!(
        kinds(r"`a\`b`"),
        vec![(TokenKind::QuotedIdentifier, r"`a\`b`")]
    );
    assert_eq!(
        kinds("@name @p1 @@var ?"),
        vec![
            (TokenKind::NamedParameter, "@name"),
            (TokenKind::NamedParameter, "@p1"),
            (TokenKind::SystemVariable, "@@var"),
            (TokenKind::Positional, "?"),
        ]
    );
    assert_eq!(
        kinds("a--x\nb#y\r\nc/*z*/d"),
        vec![
            (TokenKind::Word, "a"),
            (TokenKind::LineComment, "--x"),
            (TokenKind::Word, "b"),
            (TokenKind::LineComment, "#y"),
            (TokenKind::Word, "c"),
            (TokenKind::BlockComment, "/*z*/"),
            (TokenKind::Word, "d"),
        ]
    );
    assert_eq!(
        kinds("1 1.5 .5 1e+10 0x1F 2.0E-3"),
        vec![
            (TokenKind::Number, "1"),
            (TokenKind::Number, "1.5"),
            (TokenKind::Number, ".5"),
            (TokenKind::Number, "1e+10"),
            (TokenKind::Number, "0x1F"),
            (TokenKind::Number, "2.0E-3"),
        ]
    );
    assert_eq!(
        kinds("a-1"),
        vec![
            (TokenKind::Word, "a"),
            (TokenKind::Symbol, "-"),
            (TokenKind::Number, "1"),
        ]
    );
}

#[test]
fn unterminated_backtick_reports_offset() {
    assert_eq!(
        tokenize("SELECT `abc"),
        Err(SqlError::UnterminatedIdentifier { offset: 7 })
    );
}

#[test]
fn lexes_hints_as_single_tokens() {
    assert_eq!(
        kinds("FROM t@{FORCE_INDEX=idx} JOIN"),
        vec![
            (TokenKind::Word, "FROM"),
            (TokenKind::Word, "t"),
            (TokenKind::Hint, "@{FORCE_INDEX=idx}"),
            (TokenKind::Word, "JOIN"),
        ]
    );
    // A `}` inside a string does not end the hint.
    assert_eq!(
        kinds("@{A='}'} x"),
        vec![(TokenKind::Hint, "@{A='}'}"), (TokenKind::Word, "x")]
    );
    assert_eq!(
        tokenize("@{A=1"),
        Err(SqlError::UnterminatedHint { offset: 0 })
    );
}

#[test]
fn unterminated_constructs_report_offsets() {
    assert_eq!(
        tokenize("SELECT 'abc"),
        Err(SqlError::UnterminatedString { offset: 7 })
    );
    assert_eq!(
        tokenize("SELECT rb'abc"),
        Err(SqlError::UnterminatedString { offset: 7 })
    );
    assert_eq!(
        tokenize("SELECT '''abc''"),
        Err(SqlError::UnterminatedString { offset: 7 })
    );
    assert_eq!(
        tokenize(r"SELECT 'abc\'"),
        Err(SqlError::UnterminatedString { offset: 7 })
    );
    assert_eq!(
        tokenize(r"SELECT 'abc\"),
        Err(SqlError::UnterminatedString { offset: 7 })
    );
    assert_eq!(
        tokenize("SELECT `abc"),
        Err(SqlError::UnterminatedIdentifier { offset: 7 })
    );
    assert_eq!(
        tokenize("SELECT 1 /* abc"),
        Err(SqlError::UnterminatedComment { offset: 9 })
    );
    assert_eq!(
        tokenize("SELECT 1 /*/"),
        Err(SqlError::UnterminatedComment { offset: 9 })
    );
}

#[test]
fn block_comments_do_not_nest() {
    let tokens = kinds("/* a /* b */ c */");
    assert_eq!(tokens[0], (TokenKind::BlockComment, "/* a /* b */"));
    assert_eq!(tokens[1], (TokenKind::Word, "c"));
}

#[test]
fn multibyte_text_is_handled() {
    let sql = "SELECT 'é?', `ü?`, ö, ? -- ñ?\n/* ☃? */ FROM t WHERE x = '日本'";
    let prepared = prepare_sql(sql).expect("prepare");
    assert_eq!(
        prepared.sql,
        "SELECT 'é?', `ü?`, ö, @p1 -- ñ?\n/* ☃? */ FROM t WHERE x = '日本'"
    );
    assert_eq!(prepared.param_count, 1);
    // A backslash before a multi-byte character.
    assert_eq!(rewrite("SELECT '\\é', ?"), "SELECT '\\é', @p1");
    // Unterminated literals ending in multi-byte characters.
    assert!(tokenize("'é").is_err());
    assert!(tokenize("'\\é").is_err());
    assert!(tokenize("`é\\").is_err());
}

#[test]
fn never_panics_on_arbitrary_prefixes() {
    let samples = [
        "SELECT 'a?b' , \"c\" , '''d''' , r'\\' , b\"\\\"\" , `e\\`` , @p1 , ? -- x\n",
        "/* é */ @{H=1} INSERT INTO t (a) VALUES (?) THEN RETURN a; #c\n SELECT 1",
        "@@ @ @{ @` ` r' b\" rb''' \\ é日本🎉",
    ];
    for sample in samples {
        for (i, _) in sample.char_indices() {
            let prefix = &sample[..i];
            let _ = tokenize(prefix);
            let _ = prepare_sql(prefix);
            let _ = split_statements(prefix);
            let _ = statement_kind(prefix);
            let suffix = &sample[i..];
            let _ = prepare_sql(suffix);
            let _ = split_statements(suffix);
        }
    }
}

#[test]
fn deeply_repeated_hint_openers_do_not_recurse() {
    let sql = "@{".repeat(100_000);
    assert!(tokenize(&sql).is_err());
}

// ---------------------------------------------------------------- prepare_sql

#[test]
fn rewrites_question_marks_in_order() {
    let prepared = prepare_sql("SELECT * FROM t WHERE a = ? AND b IN (?, ?)").expect("ok");
    assert_eq!(
        prepared.sql,
        "SELECT * FROM t WHERE a = @p1 AND b IN (@p2, @p3)"
    );
    assert_eq!(prepared.param_count, 3);
    assert_eq!(prepared.kind, StatementKind::Query);
    assert!(!prepared.has_then_return);
    assert!(prepared.returns_rows());
}

#[test]
fn question_marks_in_literals_identifiers_and_comments_are_kept() {
    let cases = [
        "SELECT '?'",
        "SELECT \"?\"",
        "SELECT '''?'''",
        "SELECT \"\"\"?\"\"\"",
        "SELECT r'?'",
        "SELECT R\"?\"",
        "SELECT b'?'",
        "SELECT rb'?'",
        "SELECT BR\"\"\"?\"\"\"",
        "SELECT `?`",
        "SELECT 1 -- ?",
        "SELECT 1 # ?",
        "SELECT 1 /* ? */",
        "SELECT 'it\\'s ?'",
        "SELECT `a\\`?`",
        "SELECT * FROM t@{HINT='?'}",
    ];
    for sql in cases {
        let prepared = prepare_sql(sql).expect(sql);
        assert_eq!(prepared.sql, sql);
        assert_eq!(prepared.param_count, 0, "{sql}");
    }
}

#[test]
fn mixed_literal_and_placeholder() {
    assert_eq!(
        rewrite("SELECT '?', ?, \"?\", ? /* ? */ -- ?\n, ?"),
        "SELECT '?', @p1, \"?\", @p2 /* ? */ -- ?\n, @p3"
    );
    // `@p1AND` would be one parameter named `p1AND`: the rewriter keeps the word apart.
    assert_eq!(rewrite("a=?AND b=?"), "a=@p1 AND b=@p2");
}

#[test]
fn named_pn_parameters_are_kept_and_counted() {
    let prepared = prepare_sql("SELECT @p2, @p1, @P3, @p3").expect("ok");
    assert_eq!(prepared.sql, "SELECT @p2, @p1, @P3, @p3");
    assert_eq!(prepared.param_count, 3);
    // Other names are left alone and not counted.
    assert_eq!(count("SELECT @name, @p0, @p01, @pa, @@var"), 0);
    assert_eq!(count("SELECT @p10"), 10);
    // `@pN` inside literals and comments does not count.
    assert_eq!(count("SELECT '@p5', `@p6`, ? -- @p7"), 1);
}

#[test]
fn mixing_styles_is_an_error() {
    assert_eq!(
        prepare_sql("SELECT @p1, ?"),
        Err(SqlError::MixedPlaceholders { offset: 12 })
    );
    assert_eq!(
        prepare_sql("SELECT ?, @p1"),
        Err(SqlError::MixedPlaceholders { offset: 7 })
    );
    // Non-positional names may accompany `?`.
    assert_eq!(rewrite("SELECT @name, ?"), "SELECT @name, @p1");
}

#[test]
fn empty_and_comment_only_input() {
    let prepared = prepare_sql("").expect("ok");
    assert_eq!(prepared.sql, "");
    assert_eq!(prepared.param_count, 0);
    assert_eq!(prepared.kind, StatementKind::Empty);
    assert!(!prepared.returns_rows());
    assert_eq!(
        prepare_sql("  -- only a comment\n/* ? */")
            .expect("ok")
            .kind,
        StatementKind::Empty
    );
}

#[test]
fn errors_propagate_from_prepare() {
    assert_eq!(
        prepare_sql("SELECT ? 'abc"),
        Err(SqlError::UnterminatedString { offset: 9 })
    );
    let err = prepare_sql("SELECT /*").expect_err("error");
    assert_eq!(
        err.to_string(),
        "unterminated block comment starting at byte 7"
    );
}

// ---------------------------------------------------------------- statement kinds

#[test]
fn classifies_statements() {
    let cases = [
        ("SELECT 1", StatementKind::Query),
        ("select 1", StatementKind::Query),
        (
            "  -- c\n /* d */ # e\n WITH x AS (SELECT 1) SELECT * FROM x",
            StatementKind::Query,
        ),
        ("((SELECT 1)) UNION ALL (SELECT 2)", StatementKind::Query),
        (
            "@{USE_ADDITIONAL_PARALLELISM=TRUE} SELECT 1",
            StatementKind::Query,
        ),
        ("GRAPH FinGraph MATCH (n) RETURN n", StatementKind::Query),
        ("FROM t |> WHERE a = 1", StatementKind::Query),
        ("INSERT INTO t (a) VALUES (1)", StatementKind::Dml),
        ("insert or update t (a) values (1)", StatementKind::Dml),
        ("UPDATE t SET a = 1 WHERE true", StatementKind::Dml),
        ("DELETE FROM t WHERE true", StatementKind::Dml),
        (
            "@{PDML_MAX_PARALLELISM=10} DELETE t WHERE true",
            StatementKind::Dml,
        ),
        (
            "CREATE TABLE t (a INT64) PRIMARY KEY (a)",
            StatementKind::Ddl,
        ),
        ("ALTER TABLE t ADD COLUMN b STRING(MAX)", StatementKind::Ddl),
        ("DROP TABLE t", StatementKind::Ddl),
        ("RENAME TABLE a TO b", StatementKind::Ddl),
        ("GRANT SELECT ON TABLE t TO ROLE r", StatementKind::Ddl),
        ("REVOKE SELECT ON TABLE t FROM ROLE r", StatementKind::Ddl),
        ("ANALYZE", StatementKind::Ddl),
        ("BEGIN", StatementKind::Other),
        ("COMMIT", StatementKind::Other),
        ("SET TRANSACTION READ ONLY", StatementKind::Other),
        ("CALL cancel_query('1')", StatementKind::Other),
        ("42", StatementKind::Other),
        ("", StatementKind::Empty),
        ("/* x */", StatementKind::Empty),
    ];
    for (sql, kind) in cases {
        assert_eq!(statement_kind(sql), Ok(kind), "{sql}");
        assert_eq!(prepare_sql(sql).map(|p| p.kind), Ok(kind), "{sql}");
    }
}

#[test]
fn detects_then_return() {
    let yes = [
        "INSERT INTO t (a) VALUES (1) THEN RETURN a",
        "insert into t (a) values (1) then return *",
        "UPDATE t SET a = 1 WHERE true THEN /* c */ RETURN WITH ACTION a",
        "DELETE FROM t WHERE a = (SELECT 1) THEN RETURN a",
        "UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END WHERE true THEN RETURN a",
    ];
    for sql in yes {
        let prepared = prepare_sql(sql).expect(sql);
        assert!(prepared.has_then_return, "{sql}");
        assert!(prepared.returns_rows(), "{sql}");
    }
    let no = [
        "INSERT INTO t (a) VALUES (1)",
        "INSERT INTO t (a) VALUES ('THEN RETURN')",
        "INSERT INTO t (a) VALUES (1) -- THEN RETURN a",
        "UPDATE t SET a = CASE WHEN b THEN `return` END WHERE true",
        "UPDATE t SET a = CASE WHEN b THEN return END WHERE true",
        "UPDATE t SET a = (SELECT CASE WHEN b THEN 1 END) WHERE true",
        "INSERT INTO t (`THEN`, `RETURN`) VALUES (1, 2)",
        "SELECT 1 THEN RETURN",
    ];
    for sql in no {
        let prepared = prepare_sql(sql).expect(sql);
        assert!(!prepared.has_then_return, "{sql}");
    }
    assert!(!prepare_sql("INSERT INTO t (a) VALUES (1)")
        .expect("ok")
        .returns_rows());
    assert!(!prepare_sql("CREATE TABLE t").expect("ok").returns_rows());
}

// ---------------------------------------------------------------- split_statements

#[test]
fn splits_scripts() {
    assert_eq!(
        split_statements("SELECT 1; SELECT 2;").expect("ok"),
        vec!["SELECT 1", "SELECT 2"]
    );
    assert_eq!(
        split_statements("CREATE TABLE a (x INT64) PRIMARY KEY (x);\n\nCREATE INDEX i ON a (x)")
            .expect("ok"),
        vec![
            "CREATE TABLE a (x INT64) PRIMARY KEY (x)",
            "CREATE INDEX i ON a (x)"
        ]
    );
}

#[test]
fn split_ignores_semicolons_in_literals_identifiers_and_comments() {
    let script = "SELECT ';', \";\", ''';''', r';', b';', `;` -- ;\n; /* ; */ SELECT 2 # ;\n;";
    assert_eq!(
        split_statements(script).expect("ok"),
        vec![
            "SELECT ';', \";\", ''';''', r';', b';', `;` -- ;",
            "/* ; */ SELECT 2 # ;"
        ]
    );
    assert_eq!(
        split_statements("SELECT 1 FROM t@{HINT=';'}; SELECT 2").expect("ok"),
        vec!["SELECT 1 FROM t@{HINT=';'}", "SELECT 2"]
    );
}

#[test]
fn split_drops_empty_and_comment_only_pieces() {
    assert_eq!(split_statements("").expect("ok"), Vec::<&str>::new());
    assert_eq!(
        split_statements(" ;; ; \n").expect("ok"),
        Vec::<&str>::new()
    );
    assert_eq!(
        split_statements("-- header\n;SELECT 1;;/* trailing */\n-- end").expect("ok"),
        vec!["SELECT 1"]
    );
    assert_eq!(
        split_statements("-- leading comment\nSELECT 1").expect("ok"),
        vec!["-- leading comment\nSELECT 1"]
    );
}

#[test]
fn split_reports_errors() {
    assert_eq!(
        split_statements("SELECT 1; SELECT 'x"),
        Err(SqlError::UnterminatedString { offset: 17 })
    );
}

#[test]
fn strip_comments_keeps_literals() {
    let sql =
        "-- lead\nCREATE TABLE t (a STRING(MAX) DEFAULT ('--x')) /* c */ PRIMARY KEY (a) # end";
    assert_eq!(
        strip_comments(sql).unwrap(),
        "CREATE TABLE t (a STRING(MAX) DEFAULT ('--x'))   PRIMARY KEY (a)"
    );
}

#[test]
fn a_placeholder_is_not_glued_to_the_next_word() {
    // Before: `SELECT ?1` became `SELECT @p11` (a different parameter) and `?abc` `@p1abc`.
    assert_eq!(prepare_sql("SELECT ?1").unwrap().sql, "SELECT @p1 1");
    assert_eq!(prepare_sql("SELECT ?abc").unwrap().sql, "SELECT @p1 abc");
    assert_eq!(prepare_sql("SELECT ?, ?").unwrap().sql, "SELECT @p1, @p2");
}
