//! The glue the `sqlx-spanner-macros` proc-macro crate needs from the driver:
//! [`DatabaseExt`] for [`Spanner`] (feature `_macros`, not meant for applications).
//!
//! It names the paths the generated code uses (`::sqlx_spanner::Spanner`,
//! `::sqlx_spanner::SpannerRow`) and describes statements at build time over a cached
//! connection to `DATABASE_URL`.

use sqlx_core::config;
use sqlx_core::describe::Describe;
use sqlx_macros_core::database::{CachingDescribeBlocking, DatabaseExt};

use crate::Spanner;

impl DatabaseExt for Spanner {
    const DATABASE_PATH: &'static str = "::sqlx_spanner::Spanner";
    const ROW_PATH: &'static str = "::sqlx_spanner::SpannerRow";

    fn describe_blocking(
        query: &str,
        database_url: &str,
        driver_config: &config::drivers::Config,
    ) -> sqlx_core::Result<Describe<Self>> {
        static CACHE: CachingDescribeBlocking<Spanner> = CachingDescribeBlocking::new();
        CACHE.describe(query, database_url, driver_config)
    }
}
