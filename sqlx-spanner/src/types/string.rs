//! `STRING` <-> `String` / `&str`. `String` also reads JSON and UUID columns as text.

use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

/// Types whose wire value is their exact text: STRING, and JSON, UUID and NUMERIC (a
/// NUMERIC reads as its exact decimal text, all 38 digits).
fn compatible(ty: &SpannerTypeInfo) -> bool {
    ty.is(&SpannerType::String)
        || ty.is(&SpannerType::Json)
        || ty.is(&SpannerType::Uuid)
        || ty.is(&SpannerType::Numeric)
}

impl Type<Spanner> for str {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::String)
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        compatible(ty)
    }
}

impl Type<Spanner> for String {
    fn type_info() -> SpannerTypeInfo {
        <str as Type<Spanner>>::type_info()
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        compatible(ty)
    }
}

impl Encode<'_, Spanner> for &'_ str {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(*self));
        Ok(IsNull::No)
    }
}

impl Encode<'_, Spanner> for String {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(self.as_str()));
        Ok(IsNull::No)
    }
}

impl<'r> Decode<'r, Spanner> for &'r str {
    fn decode(value: SpannerValueRef<'r>) -> Result<Self, BoxDynError> {
        as_str::<Self>(&value)
    }
}

impl Decode<'_, Spanner> for String {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        as_str::<Self>(&value).map(str::to_owned)
    }
}
