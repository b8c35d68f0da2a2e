//! [`SpannerValue`] and [`SpannerValueRef`]: a not-yet-decoded value of a result row.
//!
//! Spanner sends values in the protobuf `Value` encoding (INT64 as a decimal string, BYTES
//! as base64, TIMESTAMP as RFC 3339, ARRAY and STRUCT as lists). The value is kept in that
//! form and decoded lazily, by the [`Decode`](sqlx_core::decode::Decode) impl the caller
//! asks for.

use std::borrow::Cow;

use prost_types::value::Kind;
use sqlx_core::value::{Value, ValueRef};

use crate::{Spanner, SpannerTypeInfo};

/// An owned, not-yet-decoded value with its type.
#[derive(Debug, Clone)]
pub struct SpannerValue {
    pub(crate) value: prost_types::Value,
    pub(crate) type_info: SpannerTypeInfo,
}

/// A borrowed, not-yet-decoded value with its type.
#[derive(Debug, Clone)]
pub struct SpannerValueRef<'r> {
    pub(crate) value: &'r prost_types::Value,
    pub(crate) type_info: Cow<'r, SpannerTypeInfo>,
}

impl SpannerValue {
    /// A value of type `type_info` in Spanner's wire encoding.
    pub fn new(value: prost_types::Value, type_info: SpannerTypeInfo) -> Self {
        SpannerValue { value, type_info }
    }
}

impl<'r> SpannerValueRef<'r> {
    pub(crate) fn new(value: &'r prost_types::Value, type_info: &'r SpannerTypeInfo) -> Self {
        SpannerValueRef {
            value,
            type_info: Cow::Borrowed(type_info),
        }
    }

    /// A value nested in this one (an array element or struct field) with its own type.
    pub(crate) fn nested(value: &'r prost_types::Value, type_info: SpannerTypeInfo) -> Self {
        SpannerValueRef {
            value,
            type_info: Cow::Owned(type_info),
        }
    }

    /// The raw wire value.
    pub fn raw(&self) -> &'r prost_types::Value {
        self.value
    }

    /// The value's type.
    pub fn spanner_type_info(&self) -> &SpannerTypeInfo {
        &self.type_info
    }

    pub(crate) fn kind(&self) -> Option<&'r Kind> {
        self.value.kind.as_ref()
    }
}

fn kind_is_null(kind: Option<&Kind>) -> bool {
    matches!(kind, None | Some(Kind::NullValue(_)))
}

impl Value for SpannerValue {
    type Database = Spanner;

    fn as_ref(&self) -> SpannerValueRef<'_> {
        SpannerValueRef::new(&self.value, &self.type_info)
    }

    fn type_info(&self) -> Cow<'_, SpannerTypeInfo> {
        Cow::Borrowed(&self.type_info)
    }

    fn is_null(&self) -> bool {
        kind_is_null(self.value.kind.as_ref())
    }
}

impl<'r> ValueRef<'r> for SpannerValueRef<'r> {
    type Database = Spanner;

    fn to_owned(&self) -> SpannerValue {
        SpannerValue::new(self.value.clone(), self.type_info.clone().into_owned())
    }

    fn type_info(&self) -> Cow<'_, SpannerTypeInfo> {
        Cow::Borrowed(&self.type_info)
    }

    fn is_null(&self) -> bool {
        kind_is_null(self.value.kind.as_ref())
    }
}
