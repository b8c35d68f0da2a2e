//! `NUMERIC` <-> `rust_decimal::Decimal` and `bigdecimal::BigDecimal` (decimal strings on
//! the wire; Spanner's NUMERIC holds 29 integer and 9 fractional digits).

#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use sqlx_core::{
    decode::Decode,
    encode::{Encode, IsNull},
    error::BoxDynError,
    types::Type,
};

#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use super::{as_str, string_kind};
#[cfg(any(feature = "rust_decimal", feature = "bigdecimal"))]
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

#[cfg(feature = "rust_decimal")]
mod decimal {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::*;

    impl Type<Spanner> for Decimal {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Numeric)
        }
    }

    impl Encode<'_, Spanner> for Decimal {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            buf.push(string_kind(self.normalize().to_string()));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for Decimal {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let text = as_str(&value)?;
            Decimal::from_str(text)
                .or_else(|_| Decimal::from_scientific(text))
                .map_err(|e| {
                    format!("NUMERIC {text} does not fit rust_decimal::Decimal: {e}").into()
                })
        }
    }
}

#[cfg(feature = "bigdecimal")]
mod big {
    use std::str::FromStr;

    use bigdecimal::BigDecimal;

    use super::*;

    impl Type<Spanner> for BigDecimal {
        fn type_info() -> SpannerTypeInfo {
            SpannerTypeInfo::new(SpannerType::Numeric)
        }
    }

    impl Encode<'_, Spanner> for BigDecimal {
        fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
            buf.push(string_kind(self.normalized().to_plain_string()));
            Ok(IsNull::No)
        }
    }

    impl Decode<'_, Spanner> for BigDecimal {
        fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
            let text = as_str(&value)?;
            BigDecimal::from_str(text)
                .map_err(|e| format!("invalid NUMERIC {text:?} from Spanner: {e}").into())
        }
    }
}
