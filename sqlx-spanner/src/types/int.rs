//! `INT64` <-> `i64`; narrower integers are range-checked when decoded, never wrapped.
//! Protocol-buffer `ENUM` values decode as `i64` too.

use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

fn decode_i64(value: &SpannerValueRef<'_>) -> Result<i64, BoxDynError> {
    let text = as_str(value)?;
    text.parse::<i64>()
        .map_err(|e| format!("invalid INT64 {text:?} from Spanner: {e}").into())
}

macro_rules! int_type {
    ($($ty:ty),*) => {$(
        impl Type<Spanner> for $ty {
            fn type_info() -> SpannerTypeInfo {
                SpannerTypeInfo::new(SpannerType::Int64)
            }

            fn compatible(ty: &SpannerTypeInfo) -> bool {
                ty.is(&SpannerType::Int64) || ty.is_enum()
            }
        }

        impl Encode<'_, Spanner> for $ty {
            fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
                buf.push(string_kind(self.to_string()));
                Ok(IsNull::No)
            }
        }

        impl Decode<'_, Spanner> for $ty {
            fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
                let wide = decode_i64(&value)?;
                <$ty>::try_from(wide).map_err(|_| {
                    format!(
                        "INT64 value {wide} is out of range for {}",
                        stringify!($ty)
                    )
                    .into()
                })
            }
        }
    )*};
}

int_type!(i8, i16, i32, i64, u8, u16, u32);

// u64 can hold values INT64 cannot: encoding checks the range instead of wrapping.
impl Type<Spanner> for u64 {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Int64)
    }
}

impl Encode<'_, Spanner> for u64 {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let value =
            i64::try_from(*self).map_err(|_| format!("u64 value {self} does not fit in INT64"))?;
        buf.push(string_kind(value.to_string()));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for u64 {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        let wide = decode_i64(&value)?;
        u64::try_from(wide)
            .map_err(|_| format!("INT64 value {wide} is out of range for u64").into())
    }
}
