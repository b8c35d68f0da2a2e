//! `JSON` <-> `sqlx::types::Json<T>` (also readable from STRING); `serde_json::Value` gets
//! its impls from sqlx-core through `Json<Value>`.

use serde::{Deserialize, Serialize};
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::{Json, Type};

use super::{as_str, decode_error, string_kind};
use crate::{Spanner, SpannerArgumentBuffer, SpannerType, SpannerTypeInfo, SpannerValueRef};

fn compatible(ty: &SpannerTypeInfo) -> bool {
    ty.is(&SpannerType::Json) || ty.is(&SpannerType::String)
}

impl<T> Type<Spanner> for Json<T> {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Json)
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        compatible(ty)
    }
}

impl<T: Serialize> Encode<'_, Spanner> for Json<T> {
    fn encode_by_ref(&self, buf: &mut SpannerArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(string_kind(serde_json::to_string(&self.0)?));
        Ok(IsNull::No)
    }
}

impl<'r, T: Deserialize<'r>> Decode<'r, Spanner> for Json<T> {
    fn decode(value: SpannerValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = as_str::<Self>(&value)?;
        serde_json::from_str(text)
            .map(Json)
            .map_err(|e| decode_error::<Self>(&value, json_reason(&e)).into())
    }
}

/// Why JSON text did not decode, without serde's message: that quotes parts of the input
/// (`invalid type: string "..."`, `unknown variant ...`).
fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "the JSON text could not be read",
        Category::Syntax => "not valid JSON",
        Category::Data => "the JSON does not match the Rust type",
        Category::Eof => "the JSON text ends early",
    };
    format!("{what} (at line {}, column {})", e.line(), e.column())
}
