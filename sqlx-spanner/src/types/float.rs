//! `FLOAT32` <-> `f32`, `FLOAT64` <-> `f64`, with NaN and infinities (sent as the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"`).

use prost_types::value::Kind;
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{decode_error, unexpected};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

fn encode_float(value: f64) -> Kind {
    if value.is_nan() {
        Kind::StringValue("NaN".into())
    } else if value.is_infinite() {
        Kind::StringValue(if value > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Kind::NumberValue(value)
    }
}

/// Decodes a FLOAT64 or FLOAT32 wire value for the Rust type `T`.
fn decode_float<T>(value: &SpannerValueRef<'_>) -> Result<f64, BoxDynError> {
    match value.kind() {
        Some(Kind::NumberValue(n)) => Ok(*n),
        Some(Kind::StringValue(s)) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(decode_error::<T>(value, "a string that is not NaN or an infinity").into()),
        },
        other => Err(unexpected::<T>(value, other)),
    }
}

impl Type<Spanner> for f64 {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Float64)
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        ty.is(&SpannerType::Float64) || ty.is(&SpannerType::Float32)
    }
}

impl Encode<'_, Spanner> for f64 {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(encode_float(*self));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for f64 {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        decode_float::<Self>(&value)
    }
}

impl Type<Spanner> for f32 {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Float32)
    }
}

impl Encode<'_, Spanner> for f32 {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(encode_float(f64::from(*self)));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for f32 {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        // FLOAT32 values arrive widened to f64; narrowing them back is exact.
        Ok(decode_float::<Self>(&value)? as f32)
    }
}
