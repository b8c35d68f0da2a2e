//! `BOOL` <-> `bool`

use prost_types::value::Kind;
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::unexpected;
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

impl Type<Spanner> for bool {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Bool)
    }
}

impl Encode<'_, Spanner> for bool {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(Kind::BoolValue(*self));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for bool {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        match value.kind() {
            Some(Kind::BoolValue(b)) => Ok(*b),
            other => Err(unexpected::<bool>(&value, other)),
        }
    }
}
