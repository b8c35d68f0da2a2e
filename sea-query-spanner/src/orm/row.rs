//! Conversion of [`SpannerRow`]s into SeaORM [`QueryResult`]s.
//!
//! SeaORM cannot build its sqlx-backed row types for a foreign driver, so every row becomes
//! a [`ProxyRow`] (a map from column name to [`sea_query::Value`]). SeaORM reads a proxy
//! value only when its `Value` variant is exactly the one of the Rust field type (an `i32`
//! field needs `Value::Int`, an `i64` field `Value::BigInt`, a `NaiveDateTime` field
//! `Value::ChronoDateTime`, ...), while Spanner has a single `INT64`, a single `TIMESTAMP`,
//! and so on. So each column is converted:
//!
//! 1. to the variant of the entity field it will be read into, when that is known: entities
//!    registered with [`SpannerDatabase::register_entity`](super::SpannerDatabase::register_entity)
//!    (done automatically by the [schema helper](super::schema)) contribute, per table and
//!    column, the exact `Value` variant of the field (taken from
//!    `ActiveModel::default_values()`). The result column is traced back to its table and
//!    column through the statement SeaORM rendered (`"table"."col" AS "alias"`, table
//!    aliases, tables named in the statement);
//! 2. otherwise to the natural variant of the Spanner type: `INT64` -> `BigInt` (`i64`),
//!    `FLOAT64` -> `Double`, `FLOAT32` -> `Float`, `NUMERIC` -> `Decimal` (`BigDecimal` when
//!    out of `Decimal`'s range), `STRING` -> `String`, `BYTES` -> `Bytes`, `DATE` ->
//!    `ChronoDate`, `TIMESTAMP` -> `ChronoDateTimeUtc`, `JSON` -> `Json`, `UUID` -> `Uuid`,
//!    `ARRAY<T>` -> `Array`.
//!
//! Integer narrowing is range-checked; a value that does not fit is an error, never
//! truncated.
//!
//! Positional access (`into_tuple`, `try_get_by_index`) on a proxy row walks its entries in
//! the order of their keys (SeaORM stores them in a `BTreeMap`). When the alphabetical order
//! of the column names is not the `SELECT` order (or names repeat), each row also carries
//! one entry per column keyed `" #00000"`, `" #00001"`, ... (a leading space sorts them
//! first), so position `i` is the `i`-th selected column. Those extra entries are visible to
//! code that lists a row's columns (`QueryResult::column_names`, `into_json`).
//!
//! Errors never contain the values read (they may be personal data): only the column, the
//! Spanner type, the target type and the reason.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use sea_orm::{ProxyRow, QueryResult};
use sea_query::{ArrayType, OptionEnum, Value};
use sqlx_core::row::Row;
use sqlx_core::types::Json;
use sqlx_spanner::{SpannerRow, SpannerType};

/// The `Value` variants of registered entities' fields: table -> column -> template (a
/// value whose variant is the field's).
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    tables: HashMap<String, HashMap<String, Value>>,
}

/// Shared, growable registry.
pub(crate) type SharedRegistry = Arc<RwLock<TypeRegistry>>;

impl TypeRegistry {
    pub(crate) fn insert_table(&mut self, table: String, columns: HashMap<String, Value>) {
        self.tables.insert(table, columns);
    }

    fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    fn template(&self, table: &str, column: &str) -> Option<&Value> {
        self.tables.get(table)?.get(column)
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Word(String),
    Dot,
    /// `$n`
    Param(usize),
    Open,
    Close,
    Comma,
    Equals,
    Other,
}

/// A minimal tokenizer of the PostgreSQL SQL SeaORM renders: only quoted identifiers,
/// keywords and dots matter; string literals are skipped.
fn tokenize(sql: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut ident = String::new();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            ident.push('"');
                        } else {
                            break;
                        }
                    } else {
                        ident.push(c);
                    }
                }
                tokens.push(Token::Ident(ident));
            }
            '\'' => {
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                tokens.push(Token::Other);
            }
            '.' => tokens.push(Token::Dot),
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '=' => tokens.push(Token::Equals),
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_digit() {
                        digits.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(digits.parse().map_or(Token::Other, Token::Param));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut word = String::from(c);
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word.to_ascii_uppercase()));
            }
            c if c.is_whitespace() => {}
            _ => tokens.push(Token::Other),
        }
    }
    tokens
}

/// The field types an `INSERT` or `UPDATE` tells through its values: SeaORM binds each
/// column's value with the variant of the entity field (`Value::Int` for an `i32` field),
/// so `INSERT INTO t (c, ..) VALUES ($1, ..)` and `UPDATE t SET c = $1, ..` give column `c`
/// that variant. Used for the `RETURNING` columns of unregistered entities.
pub(crate) fn value_templates(sql: &str, values: &sea_query::Values) -> HashMap<String, Value> {
    let tokens = tokenize(sql);
    let mut templates = HashMap::new();
    let mut add = |column: &str, param: &Token| {
        if let Token::Param(n) = param {
            if let Some(value) = n.checked_sub(1).and_then(|i| values.0.get(i)) {
                templates.insert(column.to_string(), value.as_null());
            }
        }
    };
    match tokens.first() {
        Some(Token::Word(w)) if w == "INSERT" => {
            let Some(open) = tokens.iter().position(|t| *t == Token::Open) else {
                return templates;
            };
            let mut columns = Vec::new();
            let mut at = open + 1;
            while let Some(token) = tokens.get(at) {
                match token {
                    Token::Ident(name) => columns.push(name.as_str()),
                    Token::Comma => {}
                    _ => break,
                }
                at += 1;
            }
            // `) VALUES (` then one value per column.
            if tokens.get(at) != Some(&Token::Close)
                || tokens.get(at + 1) != Some(&Token::Word("VALUES".into()))
                || tokens.get(at + 2) != Some(&Token::Open)
            {
                return templates;
            }
            let mut at = at + 3;
            for column in columns {
                let (Some(param), Some(Token::Comma | Token::Close)) =
                    (tokens.get(at), tokens.get(at + 1))
                else {
                    break;
                };
                add(column, param);
                at += 2;
            }
        }
        Some(Token::Word(w)) if w == "UPDATE" => {
            let Some(set) = tokens.iter().position(|t| *t == Token::Word("SET".into())) else {
                return templates;
            };
            let mut at = set + 1;
            while let (Some(Token::Ident(column)), Some(Token::Equals), Some(param)) =
                (tokens.get(at), tokens.get(at + 1), tokens.get(at + 2))
            {
                add(column, param);
                if tokens.get(at + 3) != Some(&Token::Comma) {
                    break;
                }
                at += 4;
            }
        }
        _ => {}
    }
    templates
}

/// For one statement: which registered (table, column) each result column comes from.
#[derive(Debug, Default)]
pub(crate) struct ColumnHints {
    by_name: HashMap<String, Value>,
    /// Registered tables named in the statement, in order, for unqualified columns.
    tables: Vec<String>,
    registry: Option<SharedRegistry>,
    /// The template of each result column, resolved once from the first row (every row
    /// of a result has the same columns).
    resolved: std::sync::OnceLock<Vec<Option<Value>>>,
}

impl ColumnHints {
    /// Hints for the result columns of `sql` (the PostgreSQL text SeaORM rendered), and the
    /// templates its values tell ([`value_templates`]); registered entities come first.
    pub(crate) fn new(
        registry: &SharedRegistry,
        sql: &str,
        from_values: Option<&HashMap<String, Value>>,
    ) -> Self {
        let Ok(guard) = registry.read() else {
            return ColumnHints::default();
        };
        if guard.tables.is_empty() {
            return ColumnHints {
                by_name: from_values.cloned().unwrap_or_default(),
                ..ColumnHints::default()
            };
        }
        let tokens = tokenize(sql);
        let mut aliases: HashMap<&str, &str> = HashMap::new();
        let mut tables: Vec<String> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let Token::Ident(name) = token else { continue };
            if !guard.has_table(name) {
                continue;
            }
            if !tables.contains(name) {
                tables.push(name.clone());
            }
            // `"table" AS "alias"` (not preceded by a dot, i.e. not a column).
            let after_dot = i > 0 && tokens[i - 1] == Token::Dot;
            if let (false, Some(Token::Word(w)), Some(Token::Ident(alias))) =
                (after_dot, tokens.get(i + 1), tokens.get(i + 2))
            {
                if w == "AS" {
                    aliases.insert(alias.as_str(), name.as_str());
                }
            }
        }
        let mut by_name = HashMap::new();
        let mut i = 0;
        while i + 2 < tokens.len() {
            if let (Token::Ident(qualifier), Token::Dot, Token::Ident(column)) =
                (&tokens[i], &tokens[i + 1], &tokens[i + 2])
            {
                let table = aliases
                    .get(qualifier.as_str())
                    .copied()
                    .unwrap_or(qualifier.as_str());
                let result_name = match (tokens.get(i + 3), tokens.get(i + 4)) {
                    (Some(Token::Word(w)), Some(Token::Ident(alias))) if w == "AS" => {
                        alias.as_str()
                    }
                    _ => column.as_str(),
                };
                if let Some(template) = guard.template(table, column) {
                    by_name
                        .entry(result_name.to_string())
                        .or_insert_with(|| template.clone());
                }
                i += 3;
            } else {
                i += 1;
            }
        }
        drop(guard);
        for (column, template) in from_values.into_iter().flatten() {
            let registered = tables.iter().any(|table| {
                registry
                    .read()
                    .is_ok_and(|r| r.template(table, column).is_some())
            });
            if !registered {
                by_name
                    .entry(column.clone())
                    .or_insert_with(|| template.clone());
            }
        }
        ColumnHints {
            by_name,
            tables,
            registry: Some(registry.clone()),
            resolved: std::sync::OnceLock::new(),
        }
    }

    fn template(&self, name: &str) -> Option<Value> {
        if let Some(found) = self.by_name.get(name) {
            return Some(found.clone());
        }
        let registry = self.registry.as_ref()?.read().ok()?;
        self.tables
            .iter()
            .find_map(|table| registry.template(table, name).cloned())
    }
}

/// Converts one Spanner row into a SeaORM [`QueryResult`] (a proxy row).
pub(crate) fn to_query_result(
    row: &SpannerRow,
    hints: &ColumnHints,
) -> Result<QueryResult, String> {
    let templates = hints.resolved.get_or_init(|| {
        row.columns()
            .iter()
            .map(|column| hints.template(sqlx_core::column::Column::name(column)))
            .collect()
    });
    let columns = row.columns();
    // Whether iterating the map by key visits the columns in select order.
    let in_key_order = columns.windows(2).all(|pair| {
        sqlx_core::column::Column::name(&pair[0]) < sqlx_core::column::Column::name(&pair[1])
    });
    let mut values = BTreeMap::new();
    for (index, column) in columns.iter().enumerate() {
        let name = sqlx_core::column::Column::name(column);
        let ty = sqlx_core::column::Column::type_info(column).spanner_type();
        let template = templates.get(index).and_then(Option::as_ref);
        let value = convert(row, index, ty, template)
            .map_err(|e| format!("column `{name}` ({}): {e}", ty.name()))?;
        if !in_key_order {
            values.insert(positional_key(index), value.clone());
        }
        values.insert(name.to_string(), value);
    }
    Ok(ProxyRow::new(values).into())
}

/// The key of the entry that holds column `index` for positional reads (sorts before any
/// column name that starts with a printable character other than a space).
fn positional_key(index: usize) -> String {
    format!(" #{index:05}")
}

type Conv<T> = Result<T, String>;

fn get<'r, T>(row: &'r SpannerRow, index: usize) -> Conv<Option<T>>
where
    T: sqlx_core::decode::Decode<'r, sqlx_spanner::Spanner>
        + sqlx_core::types::Type<sqlx_spanner::Spanner>,
{
    // sqlx's decode errors may quote the value: report the target type only.
    row.try_get::<Option<T>, usize>(index)
        .map_err(|_| format!("cannot be read as {}", std::any::type_name::<T>()))
}

fn narrow<T: TryFrom<i64>>(v: Option<i64>, what: &str) -> Conv<Option<T>> {
    v.map(|v| T::try_from(v).map_err(|_| format!("the value does not fit in {what}")))
        .transpose()
}

/// Converts column `index` of type `ty` into the variant of `template` if given (and
/// compatible), else into the natural variant.
fn convert(
    row: &SpannerRow,
    index: usize,
    ty: &SpannerType,
    template: Option<&Value>,
) -> Conv<Value> {
    Ok(match ty {
        SpannerType::Bool => Value::Bool(get(row, index)?),
        SpannerType::Int64 => {
            let v: Option<i64> = get(row, index)?;
            match template {
                Some(Value::TinyInt(_)) => Value::TinyInt(narrow(v, "i8")?),
                Some(Value::SmallInt(_)) => Value::SmallInt(narrow(v, "i16")?),
                Some(Value::Int(_)) => Value::Int(narrow(v, "i32")?),
                Some(Value::TinyUnsigned(_)) => Value::TinyUnsigned(narrow(v, "u8")?),
                Some(Value::SmallUnsigned(_)) => Value::SmallUnsigned(narrow(v, "u16")?),
                Some(Value::Unsigned(_)) => Value::Unsigned(narrow(v, "u32")?),
                Some(Value::BigUnsigned(_)) => Value::BigUnsigned(narrow(v, "u64")?),
                Some(Value::Bool(_)) => Value::Bool(v.map(|v| v != 0)),
                _ => Value::BigInt(v),
            }
        }
        SpannerType::Float32 => {
            let v: Option<f32> = get(row, index)?;
            match template {
                Some(Value::Double(_)) => Value::Double(v.map(f64::from)),
                _ => Value::Float(v),
            }
        }
        SpannerType::Float64 => {
            let v: Option<f64> = get(row, index)?;
            match template {
                #[allow(clippy::cast_possible_truncation)]
                Some(Value::Float(_)) => Value::Float(v.map(|v| v as f32)),
                _ => Value::Double(v),
            }
        }
        SpannerType::Numeric => match template {
            Some(Value::BigDecimal(_)) => {
                Value::BigDecimal(get::<bigdecimal::BigDecimal>(row, index)?.map(Box::new))
            }
            Some(Value::Decimal(_)) => Value::Decimal(get(row, index)?),
            _ => match get::<rust_decimal::Decimal>(row, index) {
                Ok(v) => Value::Decimal(v),
                Err(_) => {
                    Value::BigDecimal(get::<bigdecimal::BigDecimal>(row, index)?.map(Box::new))
                }
            },
        },
        SpannerType::String => {
            let v: Option<String> = get(row, index)?;
            match template {
                Some(Value::Uuid(_)) => Value::Uuid(
                    v.map(|s| {
                        uuid::Uuid::parse_str(&s).map_err(|_| "the value is not a UUID".to_string())
                    })
                    .transpose()?,
                ),
                Some(Value::Char(_)) => Value::Char(
                    v.map(|s| {
                        let mut chars = s.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => Ok(c),
                            _ => Err("the value is not a single character".to_string()),
                        }
                    })
                    .transpose()?,
                ),
                Some(Value::Enum(OptionEnum::None(name))) => match v {
                    None => Value::Enum(OptionEnum::None(name.clone())),
                    Some(s) => Value::Enum(OptionEnum::Some(Box::new(sea_query::Enum {
                        type_name: name.clone(),
                        value: s.into(),
                    }))),
                },
                Some(Value::Enum(OptionEnum::Some(e))) => match v {
                    None => Value::Enum(OptionEnum::None(e.type_name.clone())),
                    Some(s) => Value::Enum(OptionEnum::Some(Box::new(sea_query::Enum {
                        type_name: e.type_name.clone(),
                        value: s.into(),
                    }))),
                },
                _ => Value::String(v),
            }
        }
        SpannerType::Bytes => Value::Bytes(get(row, index)?),
        SpannerType::Json => {
            let v: Option<Json<serde_json::Value>> = get(row, index)?;
            Value::Json(v.map(|Json(v)| Box::new(v)))
        }
        SpannerType::Uuid => {
            let v: Option<uuid::Uuid> = get(row, index)?;
            match template {
                Some(Value::String(_)) => Value::String(v.map(|u| u.to_string())),
                _ => Value::Uuid(v),
            }
        }
        SpannerType::Date => match template {
            Some(Value::TimeDate(_)) => Value::TimeDate(get(row, index)?),
            _ => Value::ChronoDate(get(row, index)?),
        },
        SpannerType::Timestamp => {
            let v: Option<chrono::DateTime<chrono::Utc>> = get(row, index)?;
            match template {
                Some(Value::ChronoDateTime(_)) => Value::ChronoDateTime(v.map(|v| v.naive_utc())),
                Some(Value::ChronoDateTimeLocal(_)) => {
                    Value::ChronoDateTimeLocal(v.map(|v| v.with_timezone(&chrono::Local)))
                }
                Some(Value::ChronoDateTimeWithTimeZone(_)) => {
                    Value::ChronoDateTimeWithTimeZone(v.map(|v| v.fixed_offset()))
                }
                Some(Value::TimeDateTime(_)) => {
                    let v: Option<time::OffsetDateTime> = get(row, index)?;
                    Value::TimeDateTime(v.map(|v| time::PrimitiveDateTime::new(v.date(), v.time())))
                }
                Some(Value::TimeDateTimeWithTimeZone(_)) => {
                    Value::TimeDateTimeWithTimeZone(get(row, index)?)
                }
                _ => Value::ChronoDateTimeUtc(v),
            }
        }
        SpannerType::Array(element) => convert_array(row, index, element, template)?,
        other => {
            return Err(format!(
                "the Spanner type {} cannot be read through SeaORM",
                other.name()
            ))
        }
    })
}

fn array<'r, T>(
    row: &'r SpannerRow,
    index: usize,
    ty: ArrayType,
    wrap: impl Fn(Option<T>) -> Conv<Value>,
) -> Conv<Value>
where
    T: sqlx_core::decode::Decode<'r, sqlx_spanner::Spanner>
        + sqlx_core::types::Type<sqlx_spanner::Spanner>,
    Vec<Option<T>>: sqlx_core::decode::Decode<'r, sqlx_spanner::Spanner>
        + sqlx_core::types::Type<sqlx_spanner::Spanner>,
{
    let v: Option<Vec<Option<T>>> = get(row, index)?;
    let values = match v {
        None => None,
        Some(elements) => Some(Box::new(
            elements
                .into_iter()
                .map(&wrap)
                .collect::<Conv<Vec<Value>>>()?,
        )),
    };
    Ok(Value::Array(ty, values))
}

fn convert_array(
    row: &SpannerRow,
    index: usize,
    element: &SpannerType,
    template: Option<&Value>,
) -> Conv<Value> {
    let wanted = match template {
        Some(Value::Array(ty, _)) => Some(ty),
        _ => None,
    };
    match element {
        SpannerType::Bool => array(row, index, ArrayType::Bool, |v| Ok(Value::Bool(v))),
        SpannerType::Int64 => match wanted {
            Some(ArrayType::Int) => array::<i64>(row, index, ArrayType::Int, |v| {
                Ok(Value::Int(narrow(v, "i32")?))
            }),
            Some(ArrayType::SmallInt) => array::<i64>(row, index, ArrayType::SmallInt, |v| {
                Ok(Value::SmallInt(narrow(v, "i16")?))
            }),
            _ => array(row, index, ArrayType::BigInt, |v| Ok(Value::BigInt(v))),
        },
        SpannerType::Float32 => array(row, index, ArrayType::Float, |v| Ok(Value::Float(v))),
        SpannerType::Float64 => array(row, index, ArrayType::Double, |v| Ok(Value::Double(v))),
        SpannerType::String => array(row, index, ArrayType::String, |v| Ok(Value::String(v))),
        SpannerType::Bytes => array(row, index, ArrayType::Bytes, |v| Ok(Value::Bytes(v))),
        SpannerType::Numeric => array(row, index, ArrayType::Decimal, |v| Ok(Value::Decimal(v))),
        SpannerType::Date => array(row, index, ArrayType::ChronoDate, |v| {
            Ok(Value::ChronoDate(v))
        }),
        SpannerType::Timestamp => array(row, index, ArrayType::ChronoDateTimeUtc, |v| {
            Ok(Value::ChronoDateTimeUtc(v))
        }),
        SpannerType::Uuid => array(row, index, ArrayType::Uuid, |v| Ok(Value::Uuid(v))),
        SpannerType::Json => array::<Json<serde_json::Value>>(row, index, ArrayType::Json, |v| {
            Ok(Value::Json(v.map(|Json(v)| Box::new(v))))
        }),
        other => Err(format!(
            "ARRAY<{}> cannot be read through SeaORM",
            other.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> SharedRegistry {
        let mut registry = TypeRegistry::default();
        registry.insert_table(
            "cake".into(),
            HashMap::from([
                ("id".to_string(), Value::Int(None)),
                ("name".to_string(), Value::String(None)),
            ]),
        );
        registry.insert_table(
            "fruit".into(),
            HashMap::from([
                ("id".to_string(), Value::BigInt(None)),
                ("cake_id".to_string(), Value::Int(None)),
            ]),
        );
        Arc::new(RwLock::new(registry))
    }

    #[test]
    fn hints_follow_qualified_columns_and_aliases() {
        let registry = registry();
        let hints = ColumnHints::new(
            &registry,
            r#"SELECT "cake"."id" AS "A_id", "fruit"."id" AS "B_id", "r0"."id" FROM "cake" LEFT JOIN "fruit" AS "r0" ON 'x"y' = "r0"."cake_id""#,
            None,
        );
        assert_eq!(hints.template("A_id"), Some(Value::Int(None)));
        assert_eq!(hints.template("B_id"), Some(Value::BigInt(None)));
        assert_eq!(hints.template("cake_id"), Some(Value::Int(None)));
        assert_eq!(hints.template("num_items"), None);
    }

    #[test]
    fn hints_for_returning_use_the_named_table() {
        let registry = registry();
        let hints = ColumnHints::new(
            &registry,
            r#"INSERT INTO "fruit" ("id", "cake_id") VALUES ($1, $2) RETURNING "id", "cake_id""#,
            None,
        );
        assert_eq!(hints.template("id"), Some(Value::BigInt(None)));
        assert_eq!(hints.template("cake_id"), Some(Value::Int(None)));
    }

    #[test]
    fn values_tell_insert_and_update_column_types() {
        let values = sea_query::Values(vec![
            Value::Int(Some(1)),
            Value::String(Some("x".into())),
            Value::SmallInt(Some(2)),
        ]);
        let insert = value_templates(
            r#"INSERT INTO "t" ("id", "name", "n") VALUES ($1, $2, $3) RETURNING "id""#,
            &values,
        );
        assert_eq!(insert.get("id"), Some(&Value::Int(None)));
        assert_eq!(insert.get("n"), Some(&Value::SmallInt(None)));
        let update = value_templates(
            r#"UPDATE "t" SET "id" = $1, "name" = $2 WHERE "t"."n" = $3 RETURNING "id""#,
            &values,
        );
        assert_eq!(update.get("id"), Some(&Value::Int(None)));
        assert_eq!(
            update.get("n"),
            None,
            "WHERE values do not tell field types"
        );
        let empty = TypeRegistry::default();
        let hints = ColumnHints::new(
            &Arc::new(RwLock::new(empty)),
            r#"INSERT INTO "t" ("id") VALUES ($1) RETURNING "id""#,
            Some(&insert),
        );
        assert_eq!(hints.template("id"), Some(Value::Int(None)));
    }
}
