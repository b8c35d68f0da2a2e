//! Binding sea-query [`Values`] to [`sqlx_spanner::SpannerArguments`].
//!
//! Every sea-query [`Value`] variant carries its type even when it is `None`, so NULL
//! parameters are bound with their GoogleSQL type (Spanner needs it to plan a statement):
//!
//! | sea-query `Value` | GoogleSQL |
//! |---|---|
//! | `Bool` | `BOOL` |
//! | `TinyInt` .. `BigInt`, `TinyUnsigned` .. `BigUnsigned` | `INT64` (a `u64` above `i64::MAX` is an error) |
//! | `Float` / `Double` | `FLOAT32` / `FLOAT64` |
//! | `String`, `Char`, `Enum` (Postgres-style string enums) | `STRING` |
//! | `Bytes` | `BYTES` |
//! | `Json` | `JSON` |
//! | `ChronoDate`, `TimeDate` | `DATE` |
//! | `ChronoDateTime*`, `TimeDateTime*` | `TIMESTAMP` (naive date-times are taken as UTC) |
//! | `Uuid` | `STRING` (hyphenated; see below) |
//! | `Decimal`, `BigDecimal` | `NUMERIC` |
//! | `Array(ty, ..)` | `ARRAY<ty>` |
//!
//! UUIDs are bound as 36-character `STRING`s because the backend creates `Uuid` columns as
//! `STRING(36)` (the emulator and older Spanner databases have no `UUID` type), and
//! Spanner does not compare `STRING` with `UUID` implicitly. To bind a native `UUID`
//! parameter, use sqlx-spanner directly (`.bind(uuid)`).
//!
//! Time-of-day values (`ChronoTime`, `TimeTime`), nested arrays and the Postgres-only
//! variants have no Spanner type and are reported as a [`BindError`].
//!
//! ```ignore
//! use sea_query::Query;
//! use sea_query_spanner::{backend::SpannerQueryBuilder, binder::SqlxSpannerBinder};
//!
//! let (sql, values) = Query::select()
//!     .column("id")
//!     .from("users")
//!     .and_where(sea_query::Expr::col("name").eq("ann"))
//!     .build_sqlx(SpannerQueryBuilder);
//! let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), values).fetch_all(&pool).await?;
//! ```

use std::fmt;

use prost_types::value::Kind;
use sea_query::{
    ArrayType, DeleteStatement, InsertStatement, OptionEnum, QueryBuilder, SelectStatement,
    UpdateStatement, Value, Values, WithQuery,
};
use sqlx_core::arguments::IntoArguments;
use sqlx_core::error::BoxDynError;
use sqlx_spanner::{Spanner, SpannerArguments, SpannerType, SpannerTypeInfo};

/// A sea-query value that cannot be bound as a Spanner parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot bind parameter @p{position} ({value}) for Spanner: {reason}")]
pub struct BindError {
    /// 1-based position of the parameter (`@p{position}`).
    pub position: usize,
    /// The sea-query value, as written by `Debug` (possibly shortened).
    pub value: String,
    /// Why it cannot be bound.
    pub reason: String,
}

/// Parameters ready for [`sqlx::query_with`](sqlx_core::query::query_with), produced by
/// [`SqlxSpannerBinder`] or [`bind_values`].
///
/// If a value could not be converted, the error is kept here: [`SpannerValues::error`]
/// reports it, [`SpannerValues::into_result`] returns it, and
/// [`SqlxSpannerBinder::build_sqlx`] replaces the SQL by a statement that fails with the
/// error message, so that the query never runs with wrong parameters.
#[derive(Debug, Clone)]
pub struct SpannerValues(Result<SpannerArguments, BindError>);

impl SpannerValues {
    /// The conversion error, if a value could not be bound.
    pub fn error(&self) -> Option<&BindError> {
        self.0.as_ref().err()
    }

    /// The arguments, or the conversion error.
    ///
    /// # Errors
    ///
    /// The [`BindError`] of the first value that could not be bound.
    pub fn into_result(self) -> Result<SpannerArguments, BindError> {
        self.0
    }
}

impl IntoArguments<Spanner> for SpannerValues {
    /// The bound arguments. After a conversion error this is empty (and the SQL built by
    /// [`SqlxSpannerBinder::build_sqlx`] raises the error); prefer
    /// [`SqlxSpannerBinder::try_build_sqlx`] to see the error before running anything.
    fn into_arguments(self) -> SpannerArguments {
        self.0.unwrap_or_default()
    }
}

/// Builds sea-query statements into GoogleSQL plus Spanner arguments, like sea-query-sqlx's
/// `SqlxBinder`.
pub trait SqlxSpannerBinder {
    /// Builds the statement with `query_builder` and binds its values.
    ///
    /// Never panics: if a value cannot be bound, the returned SQL is
    /// `SELECT ERROR('...')` carrying the [`BindError`] message, so running it fails with
    /// that message, and [`SpannerValues::error`] reports the error.
    fn build_sqlx<T: QueryBuilder>(&self, query_builder: T) -> (String, SpannerValues);

    /// Builds the statement with `query_builder` and binds its values.
    ///
    /// # Errors
    ///
    /// A [`BindError`] if a value has no Spanner equivalent.
    fn try_build_sqlx<T: QueryBuilder>(
        &self,
        query_builder: T,
    ) -> Result<(String, SpannerArguments), BindError> {
        let (sql, values) = self.build_sqlx(query_builder);
        values.into_result().map(|arguments| (sql, arguments))
    }
}

macro_rules! impl_binder {
    ($($statement:ty),* $(,)?) => {
        $(
            impl SqlxSpannerBinder for $statement {
                fn build_sqlx<T: QueryBuilder>(&self, query_builder: T) -> (String, SpannerValues) {
                    let (sql, values) = self.build(query_builder);
                    finish(sql, &values)
                }
            }
        )*
    };
}

impl_binder!(
    SelectStatement,
    InsertStatement,
    UpdateStatement,
    DeleteStatement,
    WithQuery
);

fn finish(sql: String, values: &Values) -> (String, SpannerValues) {
    match bind_values(values) {
        Ok(arguments) => (sql, SpannerValues(Ok(arguments))),
        Err(error) => (error_statement(&error), SpannerValues(Err(error))),
    }
}

/// A GoogleSQL statement that fails with the message of `error`.
fn error_statement(error: &BindError) -> String {
    let mut message = String::new();
    for c in format!("sea-query-spanner: {error}").chars() {
        match c {
            '\\' => message.push_str("\\\\"),
            '\'' => message.push_str("\\'"),
            c if c.is_control() => message.push(' '),
            c => message.push(c),
        }
    }
    format!("SELECT ERROR('{message}')")
}

/// Converts sea-query values into Spanner arguments (`@p1 .. @pN`, in order).
///
/// # Errors
///
/// A [`BindError`] for the first value that has no Spanner equivalent.
pub fn bind_values(values: &Values) -> Result<SpannerArguments, BindError> {
    let mut arguments = SpannerArguments::default();
    for (index, value) in values.0.iter().enumerate() {
        bind_value(&mut arguments, value).map_err(|reason| BindError {
            position: index + 1,
            value: short_debug(value),
            reason,
        })?;
    }
    Ok(arguments)
}

/// Appends one value to `arguments`.
///
/// # Errors
///
/// A description of why the value cannot be bound.
pub fn bind_value(arguments: &mut SpannerArguments, value: &Value) -> Result<(), String> {
    push(arguments, value).map_err(|e| e.to_string())
}

fn short_debug(value: &Value) -> String {
    let mut text = format!("{value:?}");
    if text.len() > 120 {
        let mut end = 117;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

#[derive(Debug)]
struct Unbindable(String);

impl fmt::Display for Unbindable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<BoxDynError> for Unbindable {
    fn from(error: BoxDynError) -> Self {
        Unbindable(error.to_string())
    }
}

fn unsupported(what: &str) -> Unbindable {
    Unbindable(format!("{what} has no Spanner type"))
}

fn push(args: &mut SpannerArguments, value: &Value) -> Result<(), Unbindable> {
    match value {
        Value::Bool(v) => args.add(*v)?,
        Value::TinyInt(v) => args.add(v.map(i64::from))?,
        Value::SmallInt(v) => args.add(v.map(i64::from))?,
        Value::Int(v) => args.add(v.map(i64::from))?,
        Value::BigInt(v) => args.add(*v)?,
        Value::TinyUnsigned(v) => args.add(v.map(i64::from))?,
        Value::SmallUnsigned(v) => args.add(v.map(i64::from))?,
        Value::Unsigned(v) => args.add(v.map(i64::from))?,
        Value::BigUnsigned(v) => {
            let v = v
                .map(i64::try_from)
                .transpose()
                .map_err(|_| Unbindable("u64 value exceeds INT64's range".into()))?;
            args.add(v)?;
        }
        Value::Float(v) => args.add(*v)?,
        Value::Double(v) => args.add(*v)?,
        Value::String(v) => args.add(v.as_deref())?,
        Value::Char(v) => args.add(v.map(String::from))?,
        Value::Enum(OptionEnum::Some(e)) => args.add(e.value.as_ref())?,
        Value::Enum(OptionEnum::None(_)) => args.add(None::<String>)?,
        Value::Bytes(v) => args.add(v.as_deref())?,
        Value::Json(v) => args.add(v.as_deref().map(sqlx_core::types::Json))?,
        Value::ChronoDate(v) => args.add(*v)?,
        Value::ChronoTime(_) => return Err(unsupported("a time of day (chrono::NaiveTime)")),
        Value::ChronoDateTime(v) => args.add(v.map(|v| v.and_utc()))?,
        Value::ChronoDateTimeUtc(v) => args.add(*v)?,
        Value::ChronoDateTimeLocal(v) => args.add(v.map(|v| v.to_utc()))?,
        Value::ChronoDateTimeWithTimeZone(v) => args.add(v.map(|v| v.to_utc()))?,
        Value::TimeDate(v) => args.add(*v)?,
        Value::TimeTime(_) => return Err(unsupported("a time of day (time::Time)")),
        Value::TimeDateTime(v) => args.add(v.map(|v| v.assume_utc()))?,
        Value::TimeDateTimeWithTimeZone(v) => args.add(*v)?,
        // `STRING` (36 characters), matching the `STRING(36)` columns the backend creates
        // for UUIDs (the emulator has no `UUID` type); see the module docs.
        Value::Uuid(v) => args.add(v.map(|u| u.hyphenated().to_string()))?,
        Value::Decimal(v) => args.add(*v)?,
        #[cfg(feature = "with-bigdecimal")]
        Value::BigDecimal(v) => args.add(v.as_deref().cloned())?,
        Value::Array(ty, elements) => push_array(args, ty, elements.as_deref())?,
        #[allow(unreachable_patterns)]
        other => {
            return Err(Unbindable(format!(
                "the sea-query value variant of {} has no Spanner type",
                short_debug(other)
            )))
        }
    }
    Ok(())
}

fn push_array(
    args: &mut SpannerArguments,
    ty: &ArrayType,
    elements: Option<&Vec<Value>>,
) -> Result<(), Unbindable> {
    let element_type = SpannerTypeInfo::new(array_element_type(ty)?);
    let array_type = SpannerTypeInfo::array_of(&element_type);
    let Some(elements) = elements else {
        args.add_raw(
            array_type,
            prost_types::Value {
                kind: Some(Kind::NullValue(0)),
            },
        );
        return Ok(());
    };
    let mut encoded = Vec::with_capacity(elements.len());
    for element in elements {
        if matches!(element, Value::Array(..)) {
            return Err(Unbindable(
                "nested arrays have no Spanner type (ARRAY<ARRAY<..>> is not allowed)".into(),
            ));
        }
        let mut one = SpannerArguments::default();
        push(&mut one, element)?;
        let argument = one
            .values()
            .first()
            .ok_or_else(|| Unbindable("an array element produced no value".into()))?;
        if argument.type_info != element_type {
            return Err(Unbindable(format!(
                "array element of type {} in an ARRAY<{}>",
                argument.type_info, element_type
            )));
        }
        encoded.push(argument.value.clone());
    }
    args.add_raw(
        array_type,
        prost_types::Value {
            kind: Some(Kind::ListValue(prost_types::ListValue { values: encoded })),
        },
    );
    Ok(())
}

/// The Spanner element type of a sea-query array type.
fn array_element_type(ty: &ArrayType) -> Result<SpannerType, Unbindable> {
    Ok(match ty {
        ArrayType::Bool => SpannerType::Bool,
        ArrayType::TinyInt
        | ArrayType::SmallInt
        | ArrayType::Int
        | ArrayType::BigInt
        | ArrayType::TinyUnsigned
        | ArrayType::SmallUnsigned
        | ArrayType::Unsigned
        | ArrayType::BigUnsigned => SpannerType::Int64,
        ArrayType::Float => SpannerType::Float32,
        ArrayType::Double => SpannerType::Float64,
        ArrayType::String | ArrayType::Char | ArrayType::Enum(_) => SpannerType::String,
        ArrayType::Bytes => SpannerType::Bytes,
        ArrayType::Json => SpannerType::Json,
        ArrayType::ChronoDate | ArrayType::TimeDate => SpannerType::Date,
        ArrayType::ChronoDateTime
        | ArrayType::ChronoDateTimeUtc
        | ArrayType::ChronoDateTimeLocal
        | ArrayType::ChronoDateTimeWithTimeZone
        | ArrayType::TimeDateTime
        | ArrayType::TimeDateTimeWithTimeZone => SpannerType::Timestamp,
        ArrayType::Uuid => SpannerType::String,
        ArrayType::Decimal => SpannerType::Numeric,
        #[cfg(feature = "with-bigdecimal")]
        ArrayType::BigDecimal => SpannerType::Numeric,
        ArrayType::ChronoTime | ArrayType::TimeTime => {
            return Err(unsupported("an array of times of day"))
        }
        #[allow(unreachable_patterns)]
        other => return Err(unsupported(&format!("an array of {other:?}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{Expr, Query};

    fn types(values: Vec<Value>) -> Vec<String> {
        bind_values(&Values(values))
            .expect("bind")
            .values()
            .iter()
            .map(|a| a.type_info.to_string())
            .collect()
    }

    #[test]
    fn typed_nulls() {
        let got = types(vec![
            Value::Bool(None),
            Value::Int(None),
            Value::BigUnsigned(None),
            Value::Float(None),
            Value::Double(None),
            Value::String(None),
            Value::Bytes(None),
            Value::Json(None),
            Value::ChronoDate(None),
            Value::ChronoDateTime(None),
            Value::TimeDateTimeWithTimeZone(None),
            Value::Uuid(None),
            Value::Decimal(None),
            Value::Decimal(None),
            Value::Array(ArrayType::Int, None),
        ]);
        assert_eq!(
            got,
            [
                "BOOL",
                "INT64",
                "INT64",
                "FLOAT32",
                "FLOAT64",
                "STRING",
                "BYTES",
                "JSON",
                "DATE",
                "TIMESTAMP",
                "TIMESTAMP",
                "STRING",
                "NUMERIC",
                "NUMERIC",
                "ARRAY<INT64>"
            ]
        );
    }

    #[test]
    fn arrays_keep_elements_and_nulls() {
        let args = bind_values(&Values(vec![Value::Array(
            ArrayType::String,
            Some(Box::new(vec![
                Value::String(Some("a".into())),
                Value::String(None),
            ])),
        )]))
        .expect("bind");
        let value = &args.values()[0];
        assert_eq!(value.type_info.to_string(), "ARRAY<STRING>");
        match &value.value.kind {
            Some(Kind::ListValue(list)) => {
                assert_eq!(list.values.len(), 2);
                assert_eq!(list.values[0].kind, Some(Kind::StringValue("a".into())));
                assert_eq!(list.values[1].kind, Some(Kind::NullValue(0)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        let error = bind_values(&Values(vec![
            Value::Int(Some(1)),
            Value::BigUnsigned(Some(u64::MAX)),
        ]))
        .expect_err("u64::MAX does not fit");
        assert_eq!(error.position, 2);
        assert!(error.reason.contains("INT64"), "{error}");

        let error = bind_values(&Values(vec![Value::ChronoTime(None)])).expect_err("time");
        assert!(error.to_string().contains("time of day"), "{error}");
    }

    #[test]
    fn build_sqlx_with_failing_value_yields_failing_sql() {
        let query = Query::select().expr(Expr::val(u64::MAX)).to_owned();
        let (sql, values) = query.build_sqlx(sea_query::PostgresQueryBuilder);
        assert!(
            sql.starts_with("SELECT ERROR('sea-query-spanner: "),
            "{sql}"
        );
        assert!(values.error().is_some());
        assert!(query
            .try_build_sqlx(sea_query::PostgresQueryBuilder)
            .is_err());

        let query = Query::select().expr(Expr::val(7_i32)).to_owned();
        let (sql, arguments) = query
            .try_build_sqlx(sea_query::PostgresQueryBuilder)
            .expect("binds");
        assert_eq!(sql, "SELECT $1");
        assert_eq!(arguments.values().len(), 1);
        assert_eq!(
            arguments.values()[0].value.kind,
            Some(Kind::StringValue("7".into()))
        );
    }
}
