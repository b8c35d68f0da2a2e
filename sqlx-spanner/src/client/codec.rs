//! Conversions between the driver's types and the Spanner protobuf messages.

use std::collections::HashMap;

use gcloud_googleapis::spanner::v1::{struct_type, StructType, Type, TypeCode};

use crate::arguments::SpannerArgument;
use crate::type_info::SpannerType;

/// The protobuf `Type` of a driver type.
pub(crate) fn to_proto_type(ty: &SpannerType) -> Type {
    let scalar = |code: TypeCode| Type {
        code: code as i32,
        ..Type::default()
    };
    match ty {
        SpannerType::Bool => scalar(TypeCode::Bool),
        SpannerType::Int64 => scalar(TypeCode::Int64),
        SpannerType::Float32 => scalar(TypeCode::Float32),
        SpannerType::Float64 => scalar(TypeCode::Float64),
        SpannerType::Numeric => scalar(TypeCode::Numeric),
        SpannerType::String => scalar(TypeCode::String),
        SpannerType::Bytes => scalar(TypeCode::Bytes),
        SpannerType::Date => scalar(TypeCode::Date),
        SpannerType::Timestamp => scalar(TypeCode::Timestamp),
        SpannerType::Json => scalar(TypeCode::Json),
        SpannerType::Uuid => scalar(TypeCode::Uuid),
        SpannerType::Interval => scalar(TypeCode::Interval),
        SpannerType::Enum(name) => Type {
            code: TypeCode::Enum as i32,
            proto_type_fqn: name.clone(),
            ..Type::default()
        },
        SpannerType::Proto(name) => Type {
            code: TypeCode::Proto as i32,
            proto_type_fqn: name.clone(),
            ..Type::default()
        },
        SpannerType::Array(inner) => Type {
            code: TypeCode::Array as i32,
            array_element_type: Some(Box::new(to_proto_type(inner))),
            ..Type::default()
        },
        SpannerType::Struct(fields) => Type {
            code: TypeCode::Struct as i32,
            struct_type: Some(StructType {
                fields: fields
                    .iter()
                    .map(|(name, ty)| struct_type::Field {
                        name: name.clone(),
                        r#type: Some(to_proto_type(ty)),
                    })
                    .collect(),
            }),
            ..Type::default()
        },
        SpannerType::Unknown(code) => Type {
            code: *code,
            ..Type::default()
        },
    }
}

/// The driver type of a protobuf `Type` (as reported in result metadata).
pub(crate) fn from_proto_type(ty: &Type) -> SpannerType {
    match TypeCode::try_from(ty.code) {
        Ok(TypeCode::Bool) => SpannerType::Bool,
        Ok(TypeCode::Int64) => SpannerType::Int64,
        Ok(TypeCode::Float32) => SpannerType::Float32,
        Ok(TypeCode::Float64) => SpannerType::Float64,
        Ok(TypeCode::Numeric) => SpannerType::Numeric,
        Ok(TypeCode::String) => SpannerType::String,
        Ok(TypeCode::Bytes) => SpannerType::Bytes,
        Ok(TypeCode::Date) => SpannerType::Date,
        Ok(TypeCode::Timestamp) => SpannerType::Timestamp,
        Ok(TypeCode::Json) => SpannerType::Json,
        Ok(TypeCode::Uuid) => SpannerType::Uuid,
        Ok(TypeCode::Interval) => SpannerType::Interval,
        Ok(TypeCode::Enum) => SpannerType::Enum(ty.proto_type_fqn.clone()),
        Ok(TypeCode::Proto) => SpannerType::Proto(ty.proto_type_fqn.clone()),
        Ok(TypeCode::Array) => SpannerType::Array(Box::new(
            ty.array_element_type
                .as_deref()
                .map(from_proto_type)
                .unwrap_or(SpannerType::Unknown(0)),
        )),
        Ok(TypeCode::Struct) => SpannerType::Struct(
            ty.struct_type
                .as_ref()
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|field| {
                            (
                                field.name.clone(),
                                field
                                    .r#type
                                    .as_ref()
                                    .map(from_proto_type)
                                    .unwrap_or(SpannerType::Unknown(0)),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => SpannerType::Unknown(ty.code),
    }
}

/// Parameters as the request wants them: `p1..pN` names, values and types.
pub(crate) fn params(
    arguments: Vec<SpannerArgument>,
) -> (Option<prost_types::Struct>, HashMap<String, Type>) {
    if arguments.is_empty() {
        return (None, HashMap::new());
    }
    let mut fields = std::collections::BTreeMap::new();
    let mut types = HashMap::with_capacity(arguments.len());
    for (index, argument) in arguments.into_iter().enumerate() {
        let name = format!("p{}", index + 1);
        types.insert(
            name.clone(),
            to_proto_type(argument.type_info.spanner_type()),
        );
        fields.insert(name, argument.value);
    }
    (Some(prost_types::Struct { fields }), types)
}
