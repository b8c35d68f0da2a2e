//! [`SpannerArguments`]: the typed parameters of a statement (`@p1 .. @pN`).

use std::fmt::{self, Write};

use prost_types::value::Kind;
use sqlx_core::arguments::Arguments;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::types::Type;

use crate::{Spanner, SpannerTypeInfo};

/// One bound parameter: its GoogleSQL type and its value in Spanner's wire encoding.
///
/// NULLs keep their type (Spanner needs it to plan the statement).
#[derive(Debug, Clone, PartialEq)]
pub struct SpannerArgument {
    /// The declared GoogleSQL type of the parameter.
    pub type_info: SpannerTypeInfo,
    /// The value in Spanner's protobuf encoding (`NullValue` for NULL).
    pub value: prost_types::Value,
}

/// Positional parameters, sent to Spanner as `@p1 .. @pN` with explicit types.
#[derive(Debug, Default, Clone)]
pub struct SpannerArguments {
    pub(crate) values: Vec<SpannerArgument>,
}

/// The buffer an [`Encode`] impl writes one value into.
///
/// Encoders call [`SpannerArgumentBuffer::push`] once with the wire value; an encoder whose
/// GoogleSQL type depends on the value (rare) may also set the type with
/// [`SpannerArgumentBuffer::set_type`].
#[derive(Debug, Default)]
pub struct SpannerArgumentBuffer {
    pub(crate) value: Option<Kind>,
    pub(crate) type_info: Option<SpannerTypeInfo>,
}

impl SpannerArgumentBuffer {
    /// Stores the encoded value.
    pub fn push(&mut self, kind: Kind) {
        self.value = Some(kind);
    }

    /// Overrides the declared type of the value being encoded.
    pub fn set_type(&mut self, type_info: SpannerTypeInfo) {
        self.type_info = Some(type_info);
    }

    /// Encodes `value` on its own, for containers (arrays) that encode element by element.
    /// Returns the wire value (`NullValue` for NULL).
    pub(crate) fn encode_one<'q, T>(value: &T) -> Result<prost_types::Value, BoxDynError>
    where
        T: Encode<'q, Spanner>,
    {
        let mut buf = SpannerArgumentBuffer::default();
        let kind = match value.encode_by_ref(&mut buf)? {
            IsNull::Yes => Kind::NullValue(0),
            IsNull::No => buf
                .value
                .ok_or("an Encode impl for Spanner wrote no value")?,
        };
        Ok(prost_types::Value { kind: Some(kind) })
    }
}

impl SpannerArguments {
    /// Adds a value that is already in Spanner's wire encoding.
    pub fn add_raw(&mut self, type_info: SpannerTypeInfo, value: prost_types::Value) {
        self.values.push(SpannerArgument { type_info, value });
    }

    /// The bound parameters, in order.
    pub fn values(&self) -> &[SpannerArgument] {
        &self.values
    }

    /// Adds a value through its [`Encode`] impl (same as [`Arguments::add`]).
    pub fn add<'t, T>(&mut self, value: T) -> Result<(), BoxDynError>
    where
        T: Encode<'t, Spanner> + Type<Spanner>,
    {
        let mut buf = SpannerArgumentBuffer::default();
        let declared = value.produces().unwrap_or_else(T::type_info);
        let kind = match value.encode(&mut buf)? {
            IsNull::Yes => Kind::NullValue(0),
            IsNull::No => buf
                .value
                .ok_or("an Encode impl for Spanner wrote no value")?,
        };
        let type_info = buf.type_info.unwrap_or(declared);
        self.add_raw(type_info, prost_types::Value { kind: Some(kind) });
        Ok(())
    }
}

impl Arguments for SpannerArguments {
    type Database = Spanner;

    fn reserve(&mut self, additional: usize, _size: usize) {
        self.values.reserve(additional);
    }

    fn add<'t, T>(&mut self, value: T) -> Result<(), BoxDynError>
    where
        T: Encode<'t, Self::Database> + Type<Self::Database>,
    {
        SpannerArguments::add(self, value)
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn format_placeholder<W: Write>(&self, writer: &mut W) -> fmt::Result {
        write!(writer, "@p{}", self.values.len())
    }
}
