//! `ARRAY<T>` <-> `Vec<T>` / `Vec<Option<T>>` / `&[T]` (NULL elements as `None`).

use prost_types::value::Kind;
use prost_types::ListValue;
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{decode_error, unexpected};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

/// Element types of `ARRAY<T>` (every scalar type except `u8`, whose vectors are BYTES,
/// and arrays themselves: Spanner has no arrays of arrays).
pub trait SpannerHasArrayType: Type<Spanner> {}

impl<T: SpannerHasArrayType> SpannerHasArrayType for Option<T> {}
impl<T: SpannerHasArrayType + ?Sized> SpannerHasArrayType for &'_ T {}

macro_rules! has_array_type {
    ($($ty:ty),* $(,)?) => { $(impl SpannerHasArrayType for $ty {})* };
}

has_array_type!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u16,
    u32,
    u64,
    f32,
    f64,
    String,
    str,
    Vec<u8>,
    [u8]
);
#[cfg(feature = "rust_decimal")]
has_array_type!(rust_decimal::Decimal);
#[cfg(feature = "bigdecimal")]
has_array_type!(bigdecimal::BigDecimal);
#[cfg(feature = "chrono")]
has_array_type!(
    chrono::NaiveDate,
    chrono::DateTime<chrono::Utc>,
    chrono::NaiveDateTime
);
#[cfg(feature = "time")]
has_array_type!(time::Date, time::OffsetDateTime, time::PrimitiveDateTime);
#[cfg(feature = "json")]
has_array_type!(serde_json::Value);
#[cfg(feature = "json")]
impl<T> SpannerHasArrayType for sqlx_core::types::Json<T> {}
#[cfg(feature = "uuid")]
has_array_type!(uuid::Uuid);

fn array_type<T: Type<Spanner> + ?Sized>() -> SpannerTypeInfo {
    SpannerTypeInfo::array_of(&T::type_info())
}

fn array_compatible<T: Type<Spanner> + ?Sized>(ty: &SpannerTypeInfo) -> bool {
    ty.array_element().is_some_and(|elem| T::compatible(&elem))
}

fn encode_slice<'q, T>(items: &[T], buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError>
where
    T: Encode<'q, Spanner>,
{
    let values = items
        .iter()
        .map(SpannerArgumentBuffer::encode_one)
        .collect::<Result<Vec<_>, _>>()?;
    buf.push(Kind::ListValue(ListValue { values }));
    Ok(IsNull::No)
}

impl<T: SpannerHasArrayType> Type<Spanner> for Vec<T> {
    fn type_info() -> SpannerTypeInfo {
        array_type::<T>()
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        array_compatible::<T>(ty)
    }
}

impl<T: SpannerHasArrayType> Type<Spanner> for [T] {
    fn type_info() -> SpannerTypeInfo {
        array_type::<T>()
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        array_compatible::<T>(ty)
    }
}

impl<T: SpannerHasArrayType, const N: usize> Type<Spanner> for [T; N] {
    fn type_info() -> SpannerTypeInfo {
        array_type::<T>()
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        array_compatible::<T>(ty)
    }
}

impl<'q, T> Encode<'q, Spanner> for Vec<T>
where
    T: Encode<'q, Spanner> + SpannerHasArrayType,
{
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_slice(self, buf)
    }
}

impl<'q, T> Encode<'q, Spanner> for &'_ [T]
where
    T: Encode<'q, Spanner> + SpannerHasArrayType,
{
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_slice(self, buf)
    }
}

impl<'q, T, const N: usize> Encode<'q, Spanner> for [T; N]
where
    T: Encode<'q, Spanner> + SpannerHasArrayType,
{
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_slice(self, buf)
    }
}

impl<'r, T> Decode<'r, Spanner> for Vec<T>
where
    T: Decode<'r, Spanner> + SpannerHasArrayType,
{
    fn decode(value: SpannerValueRef<'r>) -> Result<Self, BoxDynError> {
        let element = value
            .spanner_type_info()
            .array_element()
            .unwrap_or_else(|| SpannerTypeInfo::new(SpannerType::Unknown(0)));
        let list = match value.kind() {
            Some(Kind::ListValue(list)) => list,
            other => return Err(unexpected::<Self>(&value, other)),
        };
        list.values
            .iter()
            .enumerate()
            .map(|(index, item)| {
                T::decode(SpannerValueRef::nested(item, element.clone())).map_err(|e| {
                    // The element's error names its type and reason, never its value.
                    decode_error::<Self>(&value, format!("element {index}: {e}")).into()
                })
            })
            .collect()
    }
}
