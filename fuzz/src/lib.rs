//! The bodies of the fuzz targets, shared with the corpus replay test
//! (`tests/tests/fuzz_corpus.rs` includes this file), so CI, which has no fuzzer, runs
//! every checked-in input through exactly the same code.
//!
//! Each function must never panic, whatever `data` is; a panic is a bug in the driver.

use arbitrary::{Arbitrary, Unstructured};
use prost_types::value::Kind;
use sea_query_spanner::orm::translate::translate_postgres;
use sqlx_spanner::sql::{lexer, prepare_sql, split_statements, statement_kind, strip_comments};
use sqlx_spanner::sqlx_core::decode::Decode;
use sqlx_spanner::sqlx_core::types::{chrono, time, BigDecimal, Decimal, Json, JsonValue, Uuid};
use sqlx_spanner::sqlx_core::value::Value;
use sqlx_spanner::types::SpannerStruct;
use sqlx_spanner::{Spanner, SpannerType, SpannerTypeInfo, SpannerValue};

/// The GoogleSQL lexer and everything built on it (`sqlx_spanner::sql`).
pub fn lexer(data: &[u8]) {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    check_googlesql(sql);
}

fn check_googlesql(sql: &str) {
    if let Ok(tokens) = lexer::tokenize(sql) {
        let joined: String = tokens.iter().map(|t| t.text).collect();
        assert_eq!(joined, sql, "tokens must cover the input exactly");
    }
    let _ = statement_kind(sql);
    let _ = strip_comments(sql);
    let _ = split_statements(sql);
    if let Ok(prepared) = prepare_sql(sql) {
        // Whatever was rewritten must lex again.
        let _ = lexer::tokenize(&prepared.sql);
    }
}

/// The SeaORM translator (PostgreSQL-flavoured SQL -> GoogleSQL).
pub fn translator(data: &[u8]) {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(googlesql) = translate_postgres(sql) {
        check_googlesql(&googlesql);
    }
}

/// A protobuf `Value` of any shape.
#[derive(Debug, Arbitrary)]
enum WireValue {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<WireValue>),
    Struct(Vec<(String, WireValue)>),
}

impl WireValue {
    /// The protobuf value; with `mark`, every string is prefixed with [`MARK`].
    fn to_proto(&self, mark: bool) -> prost_types::Value {
        let kind = match self {
            WireValue::Null => Kind::NullValue(0),
            WireValue::Bool(b) => Kind::BoolValue(*b),
            WireValue::Number(n) => Kind::NumberValue(*n),
            WireValue::Text(s) if mark => Kind::StringValue(format!("{MARK}{s}")),
            WireValue::Text(s) => Kind::StringValue(s.clone()),
            WireValue::List(items) => Kind::ListValue(prost_types::ListValue {
                values: items.iter().map(|v| v.to_proto(mark)).collect(),
            }),
            WireValue::Struct(fields) => Kind::StructValue(prost_types::Struct {
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_proto(mark)))
                    .collect(),
            }),
        };
        prost_types::Value { kind: Some(kind) }
    }
}

/// A Spanner type of any shape (including arrays of arrays, which Spanner never sends).
#[derive(Debug, Arbitrary)]
enum WireType {
    Bool,
    Int64,
    Float32,
    Float64,
    Numeric,
    String,
    Bytes,
    Date,
    Timestamp,
    Json,
    Uuid,
    Interval,
    Enum,
    Proto,
    Array(Box<WireType>),
    Struct(Vec<(String, WireType)>),
    Unknown(i32),
}

impl WireType {
    fn to_spanner(&self) -> SpannerType {
        match self {
            WireType::Bool => SpannerType::Bool,
            WireType::Int64 => SpannerType::Int64,
            WireType::Float32 => SpannerType::Float32,
            WireType::Float64 => SpannerType::Float64,
            WireType::Numeric => SpannerType::Numeric,
            WireType::String => SpannerType::String,
            WireType::Bytes => SpannerType::Bytes,
            WireType::Date => SpannerType::Date,
            WireType::Timestamp => SpannerType::Timestamp,
            WireType::Json => SpannerType::Json,
            WireType::Uuid => SpannerType::Uuid,
            WireType::Interval => SpannerType::Interval,
            WireType::Enum => SpannerType::Enum("fuzz.Enum".into()),
            WireType::Proto => SpannerType::Proto("fuzz.Proto".into()),
            WireType::Array(inner) => SpannerType::Array(Box::new(inner.to_spanner())),
            WireType::Struct(fields) => SpannerType::Struct(
                fields
                    .iter()
                    .map(|(name, ty)| (name.clone(), ty.to_spanner()))
                    .collect(),
            ),
            WireType::Unknown(code) => SpannerType::Unknown(*code),
        }
    }
}

/// Prefix of every string in "marked" inputs: no error message may contain it, since
/// errors must never repeat a value (it could be personal data).
pub const MARK: &str = "Sentinel7391846205";

/// Decodes `value` as `T` through its `Decode` impl (the unchecked path: the decoder meets
/// every wire shape). With `marked`, checks that an error does not repeat any string.
fn decode<'r, T: Decode<'r, Spanner>>(value: &'r SpannerValue, marked: bool) -> Option<T> {
    match T::decode(value.as_ref()) {
        Ok(v) => Some(v),
        Err(e) => {
            if marked {
                let text = format!("{e} {e:?}");
                assert!(
                    !text.contains(MARK),
                    "a decode error as `{}` repeats the value: {text}",
                    std::any::type_name::<T>()
                );
            }
            None
        }
    }
}

/// Decodes `value` as every Rust type the driver supports.
fn decode_as_everything(value: &SpannerValue, marked: bool) {
    macro_rules! scalar {
        ($($ty:ty),* $(,)?) => {$(
            let _ = decode::<$ty>(value, marked);
            let _ = decode::<Option<$ty>>(value, marked);
        )*};
    }
    macro_rules! all {
        ($($ty:ty),* $(,)?) => {$(
            scalar!($ty);
            let _ = decode::<Vec<Option<$ty>>>(value, marked);
        )*};
    }
    // Types without an ARRAY mapping.
    scalar!(u8, chrono::DateTime<chrono::FixedOffset>);
    all!(
        bool,
        i8,
        i16,
        i32,
        i64,
        u16,
        u32,
        u64,
        f32,
        f64,
        String,
        Vec<u8>,
        Decimal,
        BigDecimal,
        chrono::NaiveDate,
        chrono::NaiveDateTime,
        chrono::DateTime<chrono::Utc>,
        time::Date,
        time::OffsetDateTime,
        time::PrimitiveDateTime,
        JsonValue,
        Json<Vec<i64>>,
        Uuid,
    );
    let _ = decode::<&str>(value, marked);
    if let Some(s) = decode::<SpannerStruct>(value, marked) {
        decode_fields(&s, marked);
    }
    for s in decode::<Vec<SpannerStruct>>(value, marked).unwrap_or_default() {
        decode_fields(&s, marked);
    }
}

/// Decodes every field of a STRUCT through its checked accessor.
fn decode_fields(s: &SpannerStruct, marked: bool) {
    for index in 0..s.fields().len() {
        for text in [
            s.try_get::<String>(index)
                .err()
                .map(|e| format!("{e} {e:?}")),
            s.try_get::<i64>(index).err().map(|e| format!("{e} {e:?}")),
            s.try_get::<Decimal>(index)
                .err()
                .map(|e| format!("{e} {e:?}")),
            s.try_get::<Vec<Option<f64>>>(index)
                .err()
                .map(|e| format!("{e} {e:?}")),
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                !marked || !text.contains(MARK),
                "a STRUCT field error repeats the value: {text}"
            );
        }
    }
}

/// The value decoder: a wire value of any shape, declared as any type, decoded as every
/// Rust type. The first byte chooses whether strings are marked (then errors are checked
/// for repeating them).
pub fn value_decoder(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let marked = mode & 1 == 1;
    let mut input = Unstructured::new(rest);
    let Ok(ty) = WireType::arbitrary(&mut input) else {
        return;
    };
    let Ok(wire) = WireValue::arbitrary(&mut input) else {
        return;
    };
    let value = SpannerValue::new(wire.to_proto(marked), SpannerTypeInfo::new(ty.to_spanner()));
    decode_as_everything(&value, marked);
}
