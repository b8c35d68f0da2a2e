//! Conversions between Rust types and GoogleSQL types (`Type`, `Encode`, `Decode`).
//!
//! | GoogleSQL | Rust |
//! |---|---|
//! | `BOOL` | `bool` |
//! | `INT64` | `i64` (and `i8`/`i16`/`i32`/`u8`/`u16`/`u32`, range-checked on decode) |
//! | `FLOAT32` / `FLOAT64` | `f32` / `f64` (NaN and infinities included) |
//! | `NUMERIC` | `bigdecimal::BigDecimal`, `rust_decimal::Decimal` (exact or an error), `String` (read) |
//! | `STRING` | `String`, `&str` |
//! | `BYTES` | `Vec<u8>`, `&[u8]` |
//! | `DATE` | `chrono::NaiveDate`, `time::Date` |
//! | `TIMESTAMP` | `chrono::DateTime<Utc>`, `time::OffsetDateTime` (nanoseconds kept) |
//! | `JSON` | `serde_json::Value`, `sqlx::types::Json<T>` |
//! | `STRING(36)` / `UUID` | `uuid::Uuid` (bound as STRING: the emulator has no UUID type) |
//! | `ENUM` | `i64` |
//! | `PROTO` | `Vec<u8>` |
//! | `ARRAY<T>` | `Vec<T>`, `Vec<Option<T>>` |
//! | `STRUCT` | [`SpannerStruct`] |
//!
//! `Option<T>` is NULL; NULL parameters keep their type.

mod array;
mod bool;
mod bytes;
#[cfg(feature = "chrono")]
mod chrono;
mod decode_error;
mod float;
mod int;
#[cfg(feature = "json")]
mod json;
mod numeric;
mod string;
mod structs;
mod time;
#[cfg(feature = "uuid")]
mod uuid;

pub use decode_error::DecodeError;
pub use structs::SpannerStruct;

pub(crate) use decode_error::decode_error;

use prost_types::value::Kind;
use sqlx_core::error::BoxDynError;

use crate::SpannerValueRef;

/// The string payload of a value (INT64, NUMERIC, STRING, BYTES, DATE, TIMESTAMP, JSON,
/// UUID, ENUM and PROTO travel as strings), for decoding it as `T`.
pub(crate) fn as_str<'r, T: ?Sized>(value: &SpannerValueRef<'r>) -> Result<&'r str, BoxDynError> {
    match value.kind() {
        Some(Kind::StringValue(s)) => Ok(s.as_str()),
        other => Err(unexpected::<T>(value, other)),
    }
}

/// The error for a wire value of the wrong shape (or NULL) met while decoding `T`. It
/// names the shape, never the value.
pub(crate) fn unexpected<T: ?Sized>(
    value: &SpannerValueRef<'_>,
    kind: Option<&Kind>,
) -> BoxDynError {
    let shape = match kind {
        None | Some(Kind::NullValue(_)) => return Box::new(sqlx_core::error::UnexpectedNullError),
        Some(Kind::NumberValue(_)) => "a number",
        Some(Kind::StringValue(_)) => "a string",
        Some(Kind::BoolValue(_)) => "a bool",
        Some(Kind::StructValue(_)) => "a struct",
        Some(Kind::ListValue(_)) => "a list",
    };
    Box::new(decode_error::<T>(
        value,
        format!("unexpected wire value: {shape}"),
    ))
}

/// A string-kinded wire value.
pub(crate) fn string_kind(s: impl Into<String>) -> Kind {
    Kind::StringValue(s.into())
}
