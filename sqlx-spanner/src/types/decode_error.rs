//! [`DecodeError`]: why a Spanner value could not be decoded into a Rust type.
//!
//! The rule for every message the type conversions produce: it names the GoogleSQL type,
//! the Rust type and the reason, and never the value itself (a value may be personal data,
//! and errors end up in logs). sqlx adds the column (name or index) around it.

use std::borrow::Cow;
use std::fmt;

use crate::SpannerValueRef;

/// A value that could not be decoded into the requested Rust type.
///
/// It names the value's GoogleSQL type, the Rust type and the reason, never the value.
/// sqlx wraps it in [`sqlx_core::error::Error::ColumnDecode`], which adds the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    spanner_type: String,
    rust_type: &'static str,
    reason: Cow<'static, str>,
}

impl DecodeError {
    /// A decode error for a value of type `spanner_type` requested as `rust_type`.
    pub(crate) fn new(
        spanner_type: String,
        rust_type: &'static str,
        reason: impl Into<Cow<'static, str>>,
    ) -> Self {
        DecodeError {
            spanner_type,
            rust_type,
            reason: reason.into(),
        }
    }

    /// The GoogleSQL type of the value, e.g. `NUMERIC` or `ARRAY<STRING>`.
    pub fn spanner_type(&self) -> &str {
        &self.spanner_type
    }

    /// The Rust type the value was requested as, e.g. `i32`.
    pub fn rust_type(&self) -> &'static str {
        self.rust_type
    }

    /// Why the value does not decode (never the value itself).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {} as `{}`: {}",
            self.spanner_type, self.rust_type, self.reason
        )
    }
}

impl std::error::Error for DecodeError {}

/// The decode error for `value` requested as `T`.
pub(crate) fn decode_error<T: ?Sized>(
    value: &SpannerValueRef<'_>,
    reason: impl Into<Cow<'static, str>>,
) -> DecodeError {
    DecodeError::new(
        value.spanner_type_info().to_string(),
        std::any::type_name::<T>(),
        reason,
    )
}
