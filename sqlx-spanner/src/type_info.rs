//! [`SpannerTypeInfo`]: the GoogleSQL type of a parameter or a result column.

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use sqlx_core::type_info::TypeInfo;

/// A GoogleSQL data type, as Cloud Spanner reports it for result columns and as the driver
/// declares it for query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "offline", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SpannerType {
    /// `BOOL`
    Bool,
    /// `INT64`
    Int64,
    /// `FLOAT32`
    Float32,
    /// `FLOAT64`
    Float64,
    /// `NUMERIC` (38 digits of precision, 9 of scale).
    Numeric,
    /// `STRING`
    String,
    /// `BYTES`
    Bytes,
    /// `DATE`
    Date,
    /// `TIMESTAMP` (nanosecond precision, UTC).
    Timestamp,
    /// `JSON`
    Json,
    /// `UUID`
    Uuid,
    /// `INTERVAL`
    Interval,
    /// A protocol-buffer `ENUM`, with its fully qualified name.
    Enum(String),
    /// A protocol-buffer message (`PROTO`), with its fully qualified name.
    Proto(String),
    /// `ARRAY<T>`
    Array(Box<SpannerType>),
    /// `STRUCT<name T, ...>`; field names may be empty.
    Struct(Vec<(String, SpannerType)>),
    /// A type code this driver does not know (newer than the driver).
    Unknown(i32),
}

impl SpannerType {
    /// The spelling of a scalar type (no allocation); `None` for composite types.
    fn scalar_name(&self) -> Option<&'static str> {
        Some(match self {
            SpannerType::Bool => "BOOL",
            SpannerType::Int64 => "INT64",
            SpannerType::Float32 => "FLOAT32",
            SpannerType::Float64 => "FLOAT64",
            SpannerType::Numeric => "NUMERIC",
            SpannerType::String => "STRING",
            SpannerType::Bytes => "BYTES",
            SpannerType::Date => "DATE",
            SpannerType::Timestamp => "TIMESTAMP",
            SpannerType::Json => "JSON",
            SpannerType::Uuid => "UUID",
            SpannerType::Interval => "INTERVAL",
            _ => return None,
        })
    }

    /// The GoogleSQL spelling of the type, e.g. `ARRAY<INT64>`.
    pub fn name(&self) -> String {
        if let Some(name) = self.scalar_name() {
            return name.to_string();
        }
        match self {
            SpannerType::Enum(name) => format!("ENUM<{name}>"),
            SpannerType::Proto(name) => format!("PROTO<{name}>"),
            SpannerType::Array(inner) => format!("ARRAY<{}>", inner.name()),
            SpannerType::Struct(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, ty)| {
                        if name.is_empty() {
                            ty.name()
                        } else {
                            format!("{name} {}", ty.name())
                        }
                    })
                    .collect();
                format!("STRUCT<{}>", fields.join(", "))
            }
            SpannerType::Unknown(code) => format!("UNKNOWN({code})"),
            _ => String::new(),
        }
    }
}

/// Type information of a value: the [`SpannerType`] plus the sqlx [`TypeInfo`] contract.
///
/// With the `offline` feature it serializes as its [`SpannerType`] (the query macros' offline
/// data).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "offline",
    derive(serde::Serialize, serde::Deserialize),
    serde(from = "SpannerType", into = "SpannerType")
)]
pub struct SpannerTypeInfo {
    ty: SpannerType,
    /// Static for scalar types, so that creating and cloning their type information (once
    /// per bound value, per array element) does not allocate.
    name: Cow<'static, str>,
}

impl SpannerTypeInfo {
    /// Type information for `ty`.
    pub fn new(ty: SpannerType) -> Self {
        let name = match ty.scalar_name() {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(ty.name()),
        };
        SpannerTypeInfo { ty, name }
    }

    /// The GoogleSQL type.
    pub fn spanner_type(&self) -> &SpannerType {
        &self.ty
    }

    /// `ARRAY<elem>` of `elem`.
    pub fn array_of(elem: &SpannerTypeInfo) -> Self {
        SpannerTypeInfo::new(SpannerType::Array(Box::new(elem.ty.clone())))
    }

    /// The element type if this is an array.
    pub fn array_element(&self) -> Option<SpannerTypeInfo> {
        match &self.ty {
            SpannerType::Array(inner) => Some(SpannerTypeInfo::new((**inner).clone())),
            _ => None,
        }
    }

    pub(crate) const fn is(&self, ty: &SpannerType) -> bool {
        // Discriminant-level comparison for scalar types.
        matches!(
            (&self.ty, ty),
            (SpannerType::Bool, SpannerType::Bool)
                | (SpannerType::Int64, SpannerType::Int64)
                | (SpannerType::Float32, SpannerType::Float32)
                | (SpannerType::Float64, SpannerType::Float64)
                | (SpannerType::Numeric, SpannerType::Numeric)
                | (SpannerType::String, SpannerType::String)
                | (SpannerType::Bytes, SpannerType::Bytes)
                | (SpannerType::Date, SpannerType::Date)
                | (SpannerType::Timestamp, SpannerType::Timestamp)
                | (SpannerType::Json, SpannerType::Json)
                | (SpannerType::Uuid, SpannerType::Uuid)
                | (SpannerType::Interval, SpannerType::Interval)
        )
    }

    pub(crate) fn is_enum(&self) -> bool {
        matches!(self.ty, SpannerType::Enum(_))
    }

    pub(crate) fn is_proto(&self) -> bool {
        matches!(self.ty, SpannerType::Proto(_))
    }
}

impl From<SpannerType> for SpannerTypeInfo {
    fn from(ty: SpannerType) -> Self {
        SpannerTypeInfo::new(ty)
    }
}

impl From<SpannerTypeInfo> for SpannerType {
    fn from(info: SpannerTypeInfo) -> Self {
        info.ty
    }
}

impl Display for SpannerTypeInfo {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl TypeInfo for SpannerTypeInfo {
    fn is_null(&self) -> bool {
        false
    }

    fn name(&self) -> &str {
        &self.name
    }
}
