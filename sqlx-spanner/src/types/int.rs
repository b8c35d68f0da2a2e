//! `INT64` <-> `i64`; narrower integers are range-checked when decoded, never wrapped.
//! Protocol-buffer `ENUM` values decode as `i64` too.

use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, decode_error, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

/// Decodes an INT64 wire value (a decimal string) for the Rust type `T`.
fn decode_i64<T>(value: &SpannerValueRef<'_>) -> Result<i64, BoxDynError> {
    let text = as_str::<T>(value)?;
    text.parse::<i64>()
        .map_err(|_| decode_error::<T>(value, "not a base-10 INT64").into())
}

/// Narrows an INT64 to `T`: out of range is an error, never a wrap.
fn narrow<T: TryFrom<i64>>(value: &SpannerValueRef<'_>) -> Result<T, BoxDynError> {
    let wide = decode_i64::<T>(value)?;
    T::try_from(wide)
        .map_err(|_| decode_error::<T>(value, "the value is out of range for the Rust type").into())
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
                narrow::<$ty>(&value)
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
            i64::try_from(*self).map_err(|_| "a u64 above i64::MAX does not fit in INT64")?;
        buf.push(string_kind(value.to_string()));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for u64 {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        narrow::<u64>(&value)
    }
}
