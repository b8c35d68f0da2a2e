//! [`SpannerColumn`]: name, position and type of a result column.

use sqlx_core::column::Column;
use sqlx_core::ext::ustr::UStr;

use crate::{Spanner, SpannerTypeInfo};

/// A column of a result set.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "offline", derive(serde::Serialize, serde::Deserialize))]
pub struct SpannerColumn {
    pub(crate) ordinal: usize,
    pub(crate) name: UStr,
    pub(crate) type_info: SpannerTypeInfo,
}

impl SpannerColumn {
    pub(crate) fn new(ordinal: usize, name: &str, type_info: SpannerTypeInfo) -> Self {
        SpannerColumn {
            ordinal,
            name: UStr::new(name),
            type_info,
        }
    }
}

impl Column for SpannerColumn {
    type Database = Spanner;

    fn ordinal(&self) -> usize {
        self.ordinal
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn type_info(&self) -> &SpannerTypeInfo {
        &self.type_info
    }
}
