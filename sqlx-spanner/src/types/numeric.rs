//! `NUMERIC` <-> `rust_decimal::Decimal` and `bigdecimal::BigDecimal` (decimal strings on
//! the wire). `String` reads NUMERIC as its exact text (see `string.rs`).
//!
//! Spanner's NUMERIC holds 38 significant digits: 29 integer and 9 fractional. Nothing is
//! ever rounded: a value outside that range is an encode error, and a NUMERIC that a
//! `Decimal` cannot hold exactly (28-29 significant digits) is a decode error.

#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use sqlx_core::{
    decode::Decode,
    encode::{Encode, IsNull},
    error::BoxDynError,
    types::Type,
};

#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use super::{as_str, decode_error, string_kind};
#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

/// The NUMERIC range rule (precision 38, scale 9), in one place.
#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
mod range {
    use std::str::FromStr;

    use bigdecimal::{BigDecimal, Zero};

    /// Digits NUMERIC keeps after the decimal point.
    pub(super) const MAX_FRACTIONAL_DIGITS: i64 = 9;
    /// Digits NUMERIC keeps before the decimal point.
    pub(super) const MAX_INTEGER_DIGITS: i64 = 29;

    /// Checks that `value` is a NUMERIC; returns it normalized (no trailing zeros).
    /// The reasons never contain the value.
    pub(super) fn check(value: &BigDecimal) -> Result<BigDecimal, &'static str> {
        let normalized = value.normalized();
        if normalized.is_zero() {
            return Ok(normalized);
        }
        let (_, scale) = normalized.as_bigint_and_exponent();
        if scale > MAX_FRACTIONAL_DIGITS {
            return Err(
                "more than 9 fractional digits; Spanner NUMERIC holds 9 (round the value first)",
            );
        }
        // digits - scale = the number of digits before the point (when positive).
        let digits = i64::try_from(normalized.digits()).unwrap_or(i64::MAX);
        if digits.saturating_sub(scale) > MAX_INTEGER_DIGITS {
            return Err("more than 29 integer digits; Spanner NUMERIC holds 29");
        }
        Ok(normalized)
    }

    /// Parses NUMERIC text from Spanner, exactly (the scale as sent is kept).
    pub(super) fn parse(text: &str) -> Result<BigDecimal, &'static str> {
        // Bound the input before parsing: NUMERIC text is at most 40 characters, and an
        // exponent form ("1e999999999") would otherwise expand to a huge number.
        if text.len() > 64 {
            return Err("not a NUMERIC (text too long)");
        }
        let value = BigDecimal::from_str(text).map_err(|_| "not a decimal number")?;
        check(&value).map_err(|_| "outside the range of Spanner NUMERIC")?;
        Ok(value)
    }
}

#[cfg(feature = "rust_decimal")]
mod decimal {
    use bigdecimal::ToPrimitive;
    use rust_decimal::Decimal;

    use super::*;

    impl Type<Spanner> for Decimal {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Numeric)
        }
    }

    impl Encode<'_, Spanner> for Decimal {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            // Every Decimal has at most 29 integer digits; only the scale can be too big.
            let normalized = self.normalize();
            if i64::from(normalized.scale()) > range::MAX_FRACTIONAL_DIGITS {
                return Err(
                    "rust_decimal::Decimal does not fit NUMERIC: more than 9 fractional digits; \
                     Spanner NUMERIC holds 9 (round the value first, e.g. with round_dp(9))"
                        .into(),
                );
            }
            buf.push(string_kind(normalized.to_string()));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for Decimal {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let text = as_str::<Self>(&value)?;
            let exact =
                range::parse(text).map_err(|reason| decode_error::<Self>(&value, reason))?;
            // Within NUMERIC's range the mantissa has at most 38 digits and fits an i128,
            // and a normalized scale is at most 9.
            let (mantissa, exponent) = exact.normalized().into_bigint_and_exponent();
            let (mantissa, scale) = if exponent < 0 {
                let factor = 10_i128.checked_pow(u32::try_from(-exponent).unwrap_or(u32::MAX));
                let scaled = factor
                    .zip(mantissa.to_i128())
                    .and_then(|(factor, m)| m.checked_mul(factor));
                (scaled, 0)
            } else {
                (
                    mantissa.to_i128(),
                    u32::try_from(exponent).unwrap_or(u32::MAX),
                )
            };
            mantissa
                .and_then(|m| Decimal::try_from_i128_with_scale(m, scale).ok())
                .ok_or_else(|| {
                    decode_error::<Self>(
                        &value,
                        "the value has more significant digits than rust_decimal::Decimal holds \
                         (28-29); decode it as bigdecimal::BigDecimal or String",
                    )
                    .into()
                })
        }
    }
}

#[cfg(feature = "bigdecimal")]
mod big {
    use bigdecimal::BigDecimal;

    use super::*;

    impl Type<Spanner> for BigDecimal {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Numeric)
        }
    }

    impl Encode<'_, Spanner> for BigDecimal {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            let normalized = range::check(self).map_err(|reason| {
                format!("bigdecimal::BigDecimal does not fit NUMERIC: {reason}")
            })?;
            buf.push(string_kind(normalized.to_plain_string()));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for BigDecimal {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let text = as_str::<Self>(&value)?;
            range::parse(text).map_err(|reason| decode_error::<Self>(&value, reason).into())
        }
    }
}
