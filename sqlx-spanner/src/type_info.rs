//! [`SpannerTypeInfo`]: the GoogleSQL type of a parameter or a result column.

use std::fmt::{self, Display, Formatter};

use sqlx_core::type_info::TypeInfo;

/// A GoogleSQL data type, as Cloud Spanner reports it for result columns and as the driver
/// declares it for query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// The GoogleSQL spelling of the type, e.g. `ARRAY<INT64>`.
    pub fn name(&self) -> String {
        match self {
            SpannerType::Bool => "BOOL".into(),
            SpannerType::Int64 => "INT64".into(),
            SpannerType::Float32 => "FLOAT32".into(),
            SpannerType::Float64 => "FLOAT64".into(),
            SpannerType::Numeric => "NUMERIC".into(),
            SpannerType::String => "STRING".into(),
            SpannerType::Bytes => "BYTES".into(),
            SpannerType::Date => "DATE".into(),
            SpannerType::Timestamp => "TIMESTAMP".into(),
            SpannerType::Json => "JSON".into(),
            SpannerType::Uuid => "UUID".into(),
            SpannerType::Interval => "INTERVAL".into(),
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
        }
    }
}

/// Type information of a value: the [`SpannerType`] plus the sqlx [`TypeInfo`] contract.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpannerTypeInfo {
    ty: SpannerType,
    name: String,
}

impl SpannerTypeInfo {
    /// Type information for `ty`.
    pub fn new(ty: SpannerType) -> Self {
        let name = ty.name();
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
