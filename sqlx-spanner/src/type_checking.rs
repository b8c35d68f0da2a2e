//! [`TypeChecking`](sqlx_core::type_checking::TypeChecking) for [`Spanner`]: the Rust type the
//! query macros use for each GoogleSQL type, for parameters and for result columns.
//!
//! The type names are paths the macros write into the user's code, so they go through the
//! re-exports of the `sqlx` facade crate (`sqlx::types::chrono::...`), which the user's crate
//! depends on with the matching features (`chrono`, `time`, `rust_decimal`, `bigdecimal`,
//! `uuid`, `json`).
//!
//! | GoogleSQL | Rust |
//! |---|---|
//! | `BOOL` | `bool` |
//! | `INT64`, `ENUM` | `i64` |
//! | `FLOAT32` / `FLOAT64` | `f32` / `f64` |
//! | `NUMERIC` | `sqlx::types::BigDecimal` or `sqlx::types::Decimal` |
//! | `STRING` | `String` (`&str` as a parameter) |
//! | `BYTES`, `PROTO` | `Vec<u8>` (`&[u8]` as a parameter) |
//! | `DATE` | `sqlx::types::time::Date` or `sqlx::types::chrono::NaiveDate` |
//! | `TIMESTAMP` | `sqlx::types::time::OffsetDateTime` or `sqlx::types::chrono::DateTime<Utc>` |
//! | `JSON` | `sqlx::types::JsonValue` |
//! | `UUID` | `sqlx::types::Uuid` |
//! | `ARRAY<T>` | `Vec<T>` (`&[T]` as a parameter) |
//!
//! `STRUCT` and `INTERVAL` have no mapping: they need a type override (`` AS `col: Type` ``).

use crate::{Spanner, SpannerType, SpannerTypeInfo};

// The type paths below are also written into the user's code by the macros, so they name
// the `sqlx` facade; here they resolve through sqlx-core, which `sqlx::types` re-exports.
#[allow(unused_imports, dead_code)]
mod sqlx {
    pub use sqlx_core::*;
}

/// The Cargo feature that adds a Rust type for `info`, if one does.
fn feature_gate(info: &SpannerTypeInfo) -> Option<&'static str> {
    match info.spanner_type() {
        SpannerType::Json => Some("json"),
        SpannerType::Uuid => Some("uuid"),
        SpannerType::Date | SpannerType::Timestamp => Some("time"),
        SpannerType::Numeric => Some("bigdecimal"),
        SpannerType::Array(inner) => feature_gate(&SpannerTypeInfo::new((**inner).clone())),
        _ => None,
    }
}

sqlx_core::impl_type_checking!(
    Spanner {
        bool,
        i64,
        f64,
        f32,
        String | &str,
        Vec<u8> | &[u8],

        #[cfg(feature = "json")]
        sqlx::types::JsonValue,

        #[cfg(feature = "uuid")]
        sqlx::types::Uuid,

        Vec<bool> | &[bool],
        Vec<i64> | &[i64],
        Vec<f64> | &[f64],
        Vec<f32> | &[f32],
        Vec<String> | &[String],
        Vec<Vec<u8>> | &[Vec<u8>],

        #[cfg(feature = "json")]
        Vec<sqlx::types::JsonValue> | &[sqlx::types::JsonValue],

        #[cfg(feature = "uuid")]
        Vec<sqlx::types::Uuid> | &[sqlx::types::Uuid],
    },
    ParamChecking::Strong,
    feature-types: info => feature_gate(info),
    datetime-types: {
        chrono: {
            sqlx::types::chrono::NaiveDate,
            sqlx::types::chrono::DateTime<sqlx::types::chrono::Utc>,
            Vec<sqlx::types::chrono::NaiveDate> | &[sqlx::types::chrono::NaiveDate],
            Vec<sqlx::types::chrono::DateTime<sqlx::types::chrono::Utc>> | &[sqlx::types::chrono::DateTime<sqlx::types::chrono::Utc>],
        },
        time: {
            sqlx::types::time::Date,
            sqlx::types::time::OffsetDateTime,
            Vec<sqlx::types::time::Date> | &[sqlx::types::time::Date],
            Vec<sqlx::types::time::OffsetDateTime> | &[sqlx::types::time::OffsetDateTime],
        },
    },
    numeric-types: {
        bigdecimal: {
            sqlx::types::BigDecimal,
            Vec<sqlx::types::BigDecimal> | &[sqlx::types::BigDecimal],
        },
        rust_decimal: {
            sqlx::types::Decimal,
            Vec<sqlx::types::Decimal> | &[sqlx::types::Decimal],
        },
    },
);
