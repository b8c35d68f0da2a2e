//! `DATE` <-> `chrono::NaiveDate`; `TIMESTAMP` <-> `chrono::DateTime<Utc>`,
//! `DateTime<FixedOffset>` and `NaiveDateTime` (read and written as UTC), nanoseconds kept.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, decode_error, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

/// Parses a TIMESTAMP (RFC 3339) for decoding it as `T`.
fn parse<T>(value: &SpannerValueRef<'_>) -> Result<DateTime<FixedOffset>, BoxDynError> {
    let text = as_str::<T>(value)?;
    // chrono's parse errors name the problem, not the input.
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| decode_error::<T>(value, format!("not an RFC 3339 timestamp ({e})")).into())
}

fn encode_utc(t: &DateTime<Utc>, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
    buf.push(string_kind(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    Ok(IsNull::No)
}

impl Type<Spanner> for NaiveDate {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Date)
    }
}

impl Encode<'_, Spanner> for NaiveDate {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(self.format("%Y-%m-%d").to_string()));
        Ok(IsNull::No)
    }
}

impl Decode<'_, Spanner> for NaiveDate {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        let text = as_str::<Self>(&value)?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| {
            decode_error::<Self>(&value, format!("not a YYYY-MM-DD date ({e})")).into()
        })
    }
}

macro_rules! timestamp_type {
    ($($ty:ty),*) => {$(
        impl Type<Spanner> for $ty {
            fn type_info() -> SpannerTypeInfo {
                SpannerTypeInfo::new(SpannerType::Timestamp)
            }
        }
    )*};
}

timestamp_type!(DateTime<Utc>, DateTime<FixedOffset>, NaiveDateTime);

impl Encode<'_, Spanner> for DateTime<Utc> {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_utc(self, buf)
    }
}

impl Decode<'_, Spanner> for DateTime<Utc> {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(parse::<Self>(&value)?.with_timezone(&Utc))
    }
}

impl Encode<'_, Spanner> for DateTime<FixedOffset> {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_utc(&self.with_timezone(&Utc), buf)
    }
}

impl Decode<'_, Spanner> for DateTime<FixedOffset> {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        parse::<Self>(&value)
    }
}

impl Encode<'_, Spanner> for NaiveDateTime {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_utc(&self.and_utc(), buf)
    }
}

impl Decode<'_, Spanner> for NaiveDateTime {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(parse::<Self>(&value)?.naive_utc())
    }
}
