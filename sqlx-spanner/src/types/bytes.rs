//! `BYTES` <-> `Vec<u8>` / `&[u8]` (base64 on the wire). `PROTO` values decode as bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, decode_error, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

fn compatible(ty: &SpannerTypeInfo) -> bool {
    ty.is(&SpannerType::Bytes) || ty.is_proto()
}

impl Type<Spanner> for [u8] {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Bytes)
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        compatible(ty)
    }
}

impl Type<Spanner> for Vec<u8> {
    fn type_info() -> SpannerTypeInfo {
        <[u8] as Type<Spanner>>::type_info()
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        compatible(ty)
    }
}

impl Encode<'_, Spanner> for &'_ [u8] {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(STANDARD.encode(self)));
        Ok(IsNull::No)
    }
}

impl Encode<'_, Spanner> for Vec<u8> {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(STANDARD.encode(self)));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for Vec<u8> {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        let text = as_str::<Self>(&value)?;
        STANDARD
            .decode(text)
            .map_err(|_| decode_error::<Self>(&value, "not valid base64").into())
    }
}
