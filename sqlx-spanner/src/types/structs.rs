//! `STRUCT` result columns (e.g. `SELECT ARRAY(SELECT AS STRUCT ...)`) -> [`SpannerStruct`].

use prost_types::value::Kind;
use sqlx_core::decode::Decode;
use sqlx_core::error::{BoxDynError, Error};
use sqlx_core::types::Type;
use sqlx_core::value::ValueRef;

use super::array::SpannerHasArrayType;
use super::unexpected;
use crate::{Spanner, SpannerType, SpannerTypeInfo, SpannerValue, SpannerValueRef};

/// A decoded `STRUCT` value: its fields in order, each a not-yet-decoded value.
///
/// Read fields with [`SpannerStruct::try_get`] by position or name.
#[derive(Debug, Clone)]
pub struct SpannerStruct {
    fields: Vec<(String, SpannerValue)>,
}

impl SpannerStruct {
    /// The field names and values.
    pub fn fields(&self) -> &[(String, SpannerValue)] {
        &self.fields
    }

    /// Decodes field `index`.
    pub fn try_get<'r, T>(&'r self, index: usize) -> Result<T, Error>
    where
        T: Decode<'r, Spanner> + Type<Spanner>,
    {
        let (name, value) = self
            .fields
            .get(index)
            .ok_or(Error::ColumnIndexOutOfBounds {
                index,
                len: self.fields.len(),
            })?;
        let value_ref = SpannerValueRef::new(&value.value, &value.type_info);
        // Same type check as `Row::try_get`: many types travel as strings, so decoding alone
        // would accept e.g. an INT64 field as `String`.
        if !value_ref.is_null() && !T::compatible(&value.type_info) {
            return Err(Error::ColumnDecode {
                index: format!("struct field {index} ({name:?})"),
                source: format!(
                    "mismatched types; Rust type `{}` (as GoogleSQL type `{}`) is not compatible \
                     with GoogleSQL type `{}`",
                    std::any::type_name::<T>(),
                    T::type_info(),
                    value.type_info
                )
                .into(),
            });
        }
        T::decode(value_ref).map_err(|source| Error::ColumnDecode {
            index: format!("struct field {index} ({name:?})"),
            source,
        })
    }

    /// Decodes the first field called `name`.
    pub fn try_get_by_name<'r, T>(&'r self, name: &str) -> Result<T, Error>
    where
        T: Decode<'r, Spanner> + Type<Spanner>,
    {
        let index = self
            .fields
            .iter()
            .position(|(field, _)| field == name)
            .ok_or_else(|| Error::ColumnNotFound(name.to_string()))?;
        self.try_get(index)
    }
}

impl Type<Spanner> for SpannerStruct {
    fn type_info() -> SpannerTypeInfo {
        SpannerTypeInfo::new(SpannerType::Struct(Vec::new()))
    }

    fn compatible(ty: &SpannerTypeInfo) -> bool {
        matches!(ty.spanner_type(), SpannerType::Struct(_))
    }
}

impl SpannerHasArrayType for SpannerStruct {}

impl Decode<'_, Spanner> for SpannerStruct {
    fn decode(value: SpannerValueRef<'_>) -> Result<Self, BoxDynError> {
        let field_types = match value.spanner_type_info().spanner_type() {
            SpannerType::Struct(fields) => fields.clone(),
            other => return Err(format!("expected a STRUCT, got {}", other.name()).into()),
        };
        let list = match value.kind() {
            Some(Kind::ListValue(list)) => list,
            other => return Err(unexpected::<Self>(&value, other)),
        };
        if list.values.len() != field_types.len() {
            return Err(format!(
                "STRUCT has {} field types but {} values",
                field_types.len(),
                list.values.len()
            )
            .into());
        }
        let fields = field_types
            .into_iter()
            .zip(list.values.iter())
            .map(|((name, ty), v)| (name, SpannerValue::new(v.clone(), SpannerTypeInfo::new(ty))))
            .collect();
        Ok(SpannerStruct { fields })
    }
}
