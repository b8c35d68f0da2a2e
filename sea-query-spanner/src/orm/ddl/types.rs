//! PostgreSQL column types (as sea-query's Postgres backend renders them) -> sea-query
//! [`ColumnType`]s, which the GoogleSQL backend then maps to Spanner types. This module
//! only undoes sea-query's Postgres rendering; what each type becomes in GoogleSQL is
//! decided once, in `backend/table.rs`.

use sea_query::{ColumnType, StringLen};
use sqlparser::ast::{ArrayElemTypeDef, CharacterLength, DataType, TimezoneInfo};

use super::DdlError;

/// A column type read back, and whether it was a `serial` pseudo-type (auto-increment).
pub(super) struct ReadType {
    pub(super) column_type: ColumnType,
    pub(super) serial: bool,
}

fn length(len: &Option<CharacterLength>) -> Option<u32> {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => u32::try_from(*length).ok(),
        Some(CharacterLength::Max) | None => None,
    }
}

fn unsupported(data_type: &DataType) -> DdlError {
    DdlError::Unsupported(format!("the column type `{data_type}`"))
}

/// Reads a PostgreSQL column type.
///
/// # Errors
///
/// [`DdlError::Unsupported`] for types Spanner has no column type for (time of day,
/// intervals, network addresses, user-defined types, ...).
pub(super) fn column_type(data_type: &DataType) -> Result<ReadType, DdlError> {
    let plain = |column_type| {
        Ok(ReadType {
            column_type,
            serial: false,
        })
    };
    match data_type {
        DataType::SmallInt(_) | DataType::Int2(_) => plain(ColumnType::SmallInteger),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => plain(ColumnType::Integer),
        DataType::BigInt(_) | DataType::Int8(_) => plain(ColumnType::BigInteger),
        DataType::Real | DataType::Float4 => plain(ColumnType::Float),
        DataType::DoublePrecision | DataType::Float8 | DataType::Double(_) => {
            plain(ColumnType::Double)
        }
        DataType::Float(_) => plain(ColumnType::Double),
        DataType::Numeric(_) | DataType::Decimal(_) | DataType::Dec(_) => {
            plain(ColumnType::Decimal(None))
        }
        DataType::Varchar(len) | DataType::CharacterVarying(len) | DataType::CharVarying(len) => {
            plain(ColumnType::String(match length(len) {
                Some(n) => StringLen::N(n),
                None => StringLen::None,
            }))
        }
        DataType::Char(len) | DataType::Character(len) => plain(ColumnType::Char(length(len))),
        DataType::Text => plain(ColumnType::Text),
        DataType::Bool | DataType::Boolean => plain(ColumnType::Boolean),
        DataType::Date => plain(ColumnType::Date),
        DataType::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
            plain(ColumnType::TimestampWithTimeZone)
        }
        DataType::Timestamp(_, _) => plain(ColumnType::DateTime),
        DataType::Bytea => plain(ColumnType::VarBinary(StringLen::None)),
        DataType::JSON => plain(ColumnType::Json),
        DataType::JSONB => plain(ColumnType::JsonBinary),
        DataType::Uuid => plain(ColumnType::Uuid),
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner),
        ) => {
            let inner = column_type(inner)?;
            if inner.serial {
                return Err(unsupported(data_type));
            }
            plain(ColumnType::Array(std::sync::Arc::new(inner.column_type)))
        }
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            let serial = |column_type| {
                Ok(ReadType {
                    column_type,
                    serial: true,
                })
            };
            match name.to_string().to_ascii_lowercase().as_str() {
                "serial" | "serial4" => serial(ColumnType::Integer),
                "bigserial" | "serial8" => serial(ColumnType::BigInteger),
                "smallserial" | "serial2" => serial(ColumnType::SmallInteger),
                "int2" => plain(ColumnType::SmallInteger),
                "int4" => plain(ColumnType::Integer),
                "int8" => plain(ColumnType::BigInteger),
                "float4" => plain(ColumnType::Float),
                "float8" => plain(ColumnType::Double),
                "timestamptz" => plain(ColumnType::TimestampWithTimeZone),
                _ => Err(unsupported(data_type)),
            }
        }
        _ => Err(unsupported(data_type)),
    }
}
