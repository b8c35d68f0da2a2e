//! `DATE` <-> `chrono::NaiveDate`; `TIMESTAMP` <-> `chrono::DateTime<Utc>`,
//! `DateTime<FixedOffset>` and `NaiveDateTime` (read and written as UTC), nanoseconds kept.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use super::{as_str, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

fn parse(text: &str) -> Result<DateTime<FixedOffset>, BoxDynError> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("invalid TIMESTAMP {text:?} from Spanner: {e}").into())
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
        let text = as_str(&value)?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| format!("invalid DATE {text:?} from Spanner: {e}").into())
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
        Ok(parse(as_str(&value)?)?.with_timezone(&Utc))
    }
}

impl Encode<'_, Spanner> for DateTime<FixedOffset> {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_utc(&self.with_timezone(&Utc), buf)
    }
}

impl Decode<'_, Spanner> for DateTime<FixedOffset> {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        parse(as_str(&value)?)
    }
}

impl Encode<'_, Spanner> for NaiveDateTime {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_utc(&self.and_utc(), buf)
    }
}

impl Decode<'_, Spanner> for NaiveDateTime {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        Ok(parse(as_str(&value)?)?.naive_utc())
    }
}
