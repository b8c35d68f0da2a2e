//! `DATE` <-> `time::Date`, `TIMESTAMP` <-> `time::OffsetDateTime` (nanoseconds kept) and
//! `time::PrimitiveDateTime` (read and written as UTC).

#[cfg(feature = "time")]
mod imp {
    use sqlx_core::decode::Decode;
    use sqlx_core::encode::{Encode, IsNull};
    use sqlx_core::error::BoxDynError;
    use sqlx_core::types::Type;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

    use crate::types::{as_str, decode_error, string_kind};
    use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

    const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    /// RFC 3339 in UTC, as Spanner wants TIMESTAMP values.
    pub(crate) fn format_timestamp(t: OffsetDateTime) -> Result<String, BoxDynError> {
        Ok(t.to_offset(UtcOffset::UTC).format(&Rfc3339)?)
    }

    /// Parses a TIMESTAMP (RFC 3339) for decoding it as `T`.
    fn parse_timestamp<T>(value: &SpannerValueRef<'_>) -> Result<OffsetDateTime, BoxDynError> {
        let text = as_str::<T>(value)?;
        // time's parse errors name the component, not the input.
        OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            decode_error::<T>(value, format!("not an RFC 3339 timestamp ({e})")).into()
        })
    }

    impl Type<Spanner> for Date {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Date)
        }
    }

    impl Encode<'_, Spanner> for Date {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            buf.push(string_kind(self.format(DATE_FORMAT)?));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for Date {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let text = as_str::<Self>(&value)?;
            Date::parse(text, DATE_FORMAT).map_err(|e| {
                decode_error::<Self>(&value, format!("not a YYYY-MM-DD date ({e})")).into()
            })
        }
    }

    impl Type<Spanner> for OffsetDateTime {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Timestamp)
        }
    }

    impl Encode<'_, Spanner> for OffsetDateTime {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            buf.push(string_kind(format_timestamp(*self)?));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for OffsetDateTime {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            parse_timestamp::<Self>(&value)
        }
    }

    impl Type<Spanner> for PrimitiveDateTime {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Timestamp)
        }
    }

    impl Encode<'_, Spanner> for PrimitiveDateTime {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            buf.push(string_kind(format_timestamp(self.assume_utc())?));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for PrimitiveDateTime {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let t = parse_timestamp::<Self>(&value)?.to_offset(UtcOffset::UTC);
            Ok(PrimitiveDateTime::new(t.date(), t.time()))
        }
    }
}
