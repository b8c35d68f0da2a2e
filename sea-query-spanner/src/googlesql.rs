//! The GoogleSQL rule book: what Cloud Spanner's SQL dialect can and cannot say.
//!
//! Two renderers produce GoogleSQL in this crate: the sea-query backend
//! ([`SpannerQueryBuilder`](crate::SpannerQueryBuilder)) and the SeaORM translator
//! ([`translate_postgres`](crate::orm::translate::translate_postgres)). Whenever a construct has
//! a GoogleSQL spelling, or has none, both ask this module, so the same request never becomes
//! different SQL (or an error in one and silently different SQL in the other):
//!
//! * **Locking** ([`lock_clause`]): `FOR UPDATE` only. `FOR NO KEY UPDATE`, `FOR SHARE`,
//!   `FOR KEY SHARE`, `OF tables`, `NOWAIT` and `SKIP LOCKED` are errors.
//! * **Upserts** ([`upsert`]): `ON CONFLICT DO NOTHING` -> `INSERT OR IGNORE`;
//!   `ON CONFLICT DO UPDATE` whose assignments are all `col = excluded.col` and cover every
//!   inserted column outside the conflict target -> `INSERT OR UPDATE`. Both act on primary
//!   key conflicts, so the conflict target is taken to be the primary key. Everything else
//!   (computed or partial updates, `WHERE`, `ON CONSTRAINT`, expression targets) is an error.
//! * **LIMIT / OFFSET** ([`UNBOUNDED_LIMIT`]): GoogleSQL has no `OFFSET` without `LIMIT`;
//!   an `OFFSET` alone gets `LIMIT 9223372036854775807`.
//! * **Statement size** ([`MAX_STATEMENT_PARAMS`]): at most 950 parameters per statement; the
//!   SeaORM adapter splits larger multi-row INSERTs into several statements of whole rows.
//! * **Type names in casts** ([`cast_type`]): PostgreSQL names (and GoogleSQL names) map to
//!   GoogleSQL scalar types; names without an equivalent are errors.

use std::fmt;

/// A construct GoogleSQL cannot express, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported {
    /// The construct, e.g. ``"`FOR SHARE`"``.
    pub(crate) construct: String,
    /// Why GoogleSQL cannot say it, and what to use instead.
    pub(crate) reason: String,
}

impl Unsupported {
    fn new(construct: impl Into<String>, reason: impl Into<String>) -> Self {
        Unsupported {
            construct: construct.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.construct, self.reason)
    }
}

// ---------------------------------------------------------------------------
// Locking
// ---------------------------------------------------------------------------

/// The lock strength of a PostgreSQL-style locking clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockStrength {
    /// `FOR UPDATE`.
    Update,
    /// `FOR NO KEY UPDATE`.
    NoKeyUpdate,
    /// `FOR SHARE`.
    Share,
    /// `FOR KEY SHARE`.
    KeyShare,
}

impl LockStrength {
    fn sql(self) -> &'static str {
        match self {
            LockStrength::Update => "FOR UPDATE",
            LockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
            LockStrength::Share => "FOR SHARE",
            LockStrength::KeyShare => "FOR KEY SHARE",
        }
    }
}

/// What a locking clause does when a row is locked by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockWait {
    /// Wait (the default).
    Block,
    /// `NOWAIT`.
    Nowait,
    /// `SKIP LOCKED`.
    SkipLocked,
}

/// The GoogleSQL locking clause for a request, or why there is none.
///
/// `of_tables` is `true` when the clause names tables (`FOR UPDATE OF t`).
pub(crate) fn lock_clause(
    strength: LockStrength,
    of_tables: bool,
    wait: LockWait,
) -> Result<&'static str, Unsupported> {
    if strength != LockStrength::Update {
        return Err(Unsupported::new(
            format!("`{}`", strength.sql()),
            "Spanner only has the FOR UPDATE locking clause (reads in a read-write \
             transaction already take shared locks); use FOR UPDATE",
        ));
    }
    if of_tables {
        return Err(Unsupported::new(
            "`FOR UPDATE OF ...`",
            "Spanner's FOR UPDATE takes no table list; it locks the rows the query reads",
        ));
    }
    match wait {
        LockWait::Block => Ok("FOR UPDATE"),
        LockWait::Nowait => Err(Unsupported::new(
            "`FOR UPDATE NOWAIT`",
            "Spanner has no lock wait policies (conflicts abort a transaction instead)",
        )),
        LockWait::SkipLocked => Err(Unsupported::new(
            "`FOR UPDATE SKIP LOCKED`",
            "Spanner has no lock wait policies (conflicts abort a transaction instead)",
        )),
    }
}

// ---------------------------------------------------------------------------
// Upserts
// ---------------------------------------------------------------------------

/// The GoogleSQL upsert an `ON CONFLICT` clause becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upsert {
    /// `INSERT OR IGNORE`.
    OrIgnore,
    /// `INSERT OR UPDATE`.
    OrUpdate,
}

impl Upsert {
    /// The statement's leading keywords.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Upsert::OrIgnore => "INSERT OR IGNORE",
            Upsert::OrUpdate => "INSERT OR UPDATE",
        }
    }
}

/// The shape of an `ON CONFLICT` clause, as far as the rules care.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// The columns of the conflict target (empty if none was given).
    pub(crate) target: Vec<String>,
    /// `ON CONFLICT ON CONSTRAINT name`.
    pub(crate) on_constraint: bool,
    /// The target is (or contains) an expression instead of columns.
    pub(crate) expression_target: bool,
    /// A `WHERE` on the target or on the update.
    pub(crate) condition: bool,
    /// `DO NOTHING` (else `DO UPDATE`).
    pub(crate) do_nothing: bool,
    /// Columns assigned `excluded.<same column>`.
    pub(crate) from_excluded: Vec<String>,
    /// The first column assigned anything else, if any.
    pub(crate) computed: Option<String>,
}

fn contains(list: &[String], name: &str) -> bool {
    list.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// The error for `DO UPDATE SET column = <not excluded.column>`.
pub(crate) fn computed_upsert_assignment(column: &str) -> Unsupported {
    Unsupported::new(
        format!("`ON CONFLICT DO UPDATE SET {column} = <expression>`"),
        "Spanner's INSERT OR UPDATE can only store the inserted values; every assignment \
         must be `col = excluded.col`",
    )
}

/// How an INSERT with `conflict`, inserting `inserted` columns, is said in GoogleSQL.
pub(crate) fn upsert(inserted: &[String], conflict: &Conflict) -> Result<Upsert, Unsupported> {
    if conflict.on_constraint {
        return Err(Unsupported::new(
            "`ON CONFLICT ON CONSTRAINT`",
            "Spanner upserts (INSERT OR UPDATE / INSERT OR IGNORE) only detect conflicts on \
             the primary key; name the primary key columns instead",
        ));
    }
    if conflict.expression_target {
        return Err(Unsupported::new(
            "`ON CONFLICT` with an expression target",
            "Spanner upserts only detect conflicts on primary key columns",
        ));
    }
    if conflict.condition {
        return Err(Unsupported::new(
            "`ON CONFLICT ... WHERE ...`",
            "Spanner's INSERT OR UPDATE / INSERT OR IGNORE cannot be conditional",
        ));
    }
    if conflict.do_nothing {
        return Ok(Upsert::OrIgnore);
    }
    if let Some(column) = &conflict.computed {
        return Err(computed_upsert_assignment(column));
    }
    if let Some(extra) = conflict
        .from_excluded
        .iter()
        .find(|c| !contains(inserted, c))
    {
        return Err(Unsupported::new(
            format!("`ON CONFLICT DO UPDATE SET {extra} = excluded.{extra}`"),
            format!(
                "column `{extra}` is not inserted, and Spanner's INSERT OR UPDATE only writes \
                 the inserted columns"
            ),
        ));
    }
    if let Some(kept) = inserted
        .iter()
        .find(|c| !contains(&conflict.target, c) && !contains(&conflict.from_excluded, c))
    {
        return Err(Unsupported::new(
            "`ON CONFLICT DO UPDATE` that keeps some inserted columns",
            format!(
                "Spanner's INSERT OR UPDATE overwrites every inserted column, but `{kept}` is \
                 not in the update list; update all inserted columns or insert fewer"
            ),
        ));
    }
    Ok(Upsert::OrUpdate)
}

// ---------------------------------------------------------------------------
// LIMIT / OFFSET
// ---------------------------------------------------------------------------

/// The `LIMIT` written before an `OFFSET` that has none (GoogleSQL requires one).
pub(crate) const UNBOUNDED_LIMIT: &str = "9223372036854775807";

// ---------------------------------------------------------------------------
// Statement size
// ---------------------------------------------------------------------------

/// The most parameters one statement may have (the emulator's limit; production Spanner's
/// is not lower).
pub(crate) const MAX_STATEMENT_PARAMS: usize = 950;

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// Maps a type name in a cast (lower- or upper-case; PostgreSQL names with multi-word names
/// joined by single spaces, or GoogleSQL names) to its GoogleSQL scalar type.
pub(crate) fn cast_type(name: &str) -> Result<&'static str, Unsupported> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "text" | "varchar" | "character varying" | "uuid" | "string" => "STRING",
        "smallint" | "int2" | "integer" | "int" | "int4" | "bigint" | "int8" | "int64" => "INT64",
        "real" | "float4" | "float32" => "FLOAT32",
        "double precision" | "float8" | "float" | "float64" => "FLOAT64",
        "numeric" | "decimal" => "NUMERIC",
        "boolean" | "bool" => "BOOL",
        "bytea" | "bytes" => "BYTES",
        "date" => "DATE",
        "timestamp"
        | "timestamptz"
        | "timestamp with time zone"
        | "timestamp without time zone" => "TIMESTAMP",
        "json" | "jsonb" => "JSON",
        _ => {
            return Err(Unsupported::new(
                format!("cast to type `{name}`"),
                "the type has no GoogleSQL equivalent (Spanner has no user-defined or enum \
                 types: store enums as strings, e.g. `db_type = \"String(StringLen::None)\"`)",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_for_update_locks() {
        assert_eq!(
            lock_clause(LockStrength::Update, false, LockWait::Block),
            Ok("FOR UPDATE")
        );
        for strength in [
            LockStrength::NoKeyUpdate,
            LockStrength::Share,
            LockStrength::KeyShare,
        ] {
            assert!(lock_clause(strength, false, LockWait::Block).is_err());
        }
        assert!(lock_clause(LockStrength::Update, true, LockWait::Block).is_err());
        assert!(lock_clause(LockStrength::Update, false, LockWait::Nowait).is_err());
        assert!(lock_clause(LockStrength::Update, false, LockWait::SkipLocked).is_err());
    }

    #[test]
    fn upsert_shapes() {
        let inserted = vec!["id".to_string(), "a".to_string()];
        let nothing = Conflict {
            target: vec!["id".into()],
            do_nothing: true,
            ..Conflict::default()
        };
        assert_eq!(upsert(&inserted, &nothing), Ok(Upsert::OrIgnore));
        let all = Conflict {
            target: vec!["id".into()],
            from_excluded: vec!["a".into()],
            ..Conflict::default()
        };
        assert_eq!(upsert(&inserted, &all), Ok(Upsert::OrUpdate));
        let partial = Conflict {
            target: vec!["id".into()],
            ..all.clone()
        };
        assert_eq!(upsert(&inserted, &partial), Ok(Upsert::OrUpdate));
        let keeps = Conflict {
            from_excluded: vec![],
            ..all.clone()
        };
        assert!(upsert(&inserted, &keeps).is_err());
        let computed = Conflict {
            computed: Some("a".into()),
            ..all.clone()
        };
        assert!(upsert(&inserted, &computed).is_err());
        let conditional = Conflict {
            condition: true,
            ..all
        };
        assert!(upsert(&inserted, &conditional).is_err());
    }

    #[test]
    fn cast_types() {
        assert_eq!(cast_type("text"), Ok("STRING"));
        assert_eq!(cast_type("INT64"), Ok("INT64"));
        assert_eq!(cast_type("double precision"), Ok("FLOAT64"));
        assert!(cast_type("interval").is_err());
    }
}
