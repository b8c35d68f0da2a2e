//! `uuid::Uuid` is bound as `STRING` (the 36-character hyphenated form), to be stored in
//! `STRING(36)` columns: the emulator (and so every test) has no `UUID` type. It decodes
//! from `STRING` and from `UUID` columns.

use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;
use uuid::Uuid;

use super::{as_str, decode_error, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

impl Type<Spanner> for Uuid {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::String)
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        ty.is(&SpannerType::Uuid) || ty.is(&SpannerType::String)
    }
}

impl Encode<'_, Spanner> for Uuid {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(self.hyphenated().to_string()));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for Uuid {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        let text = as_str::<Self>(&value)?;
        // uuid's parse errors quote characters of the input: not repeated here.
        Uuid::parse_str(text)
            .map_err(|_| decode_error::<Self>(&value, "not a UUID in text form").into())
    }
}
