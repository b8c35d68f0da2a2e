//! `#[sqlx::test]` support: every test function gets a fresh database.
//!
//! The database lives on the instance named by `DATABASE_URL` (a `spanner://` URL), or on
//! the emulator at `SPANNER_EMULATOR_HOST`, or (feature `emulator`) on an emulator started
//! once for the test process. Migrations (`migrations/` or `#[sqlx::test(migrations = ..)]`)
//! and fixtures are applied as sqlx does. Fixture snapshots are not supported.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::str::FromStr;
use std::sync::OnceLock;

use sqlx_core::error::Error;
use sqlx_core::pool::PoolOptions;
use sqlx_core::testing::{FixtureSnapshot, TestArgs, TestContext, TestSupport};

use crate::error::SpannerError;
use crate::{Spanner, SpannerConnectOptions, SpannerConnection};

#[cfg(feature = "emulator")]
static EMULATOR: OnceLock<Result<crate::emulator::Emulator, String>> = OnceLock::new();
static BASE: OnceLock<Result<SpannerConnectOptions, String>> = OnceLock::new();

/// Where test databases are created: project, instance and endpoint, without a database.
fn base_options() -> Result<SpannerConnectOptions, Error> {
    BASE.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if url.starts_with("spanner:") {
                return SpannerConnectOptions::from_str(&url).map_err(|e| e.to_string());
            }
        }
        let options = SpannerConnectOptions::new()
            .project("test-project")
            .instance("sqlx-tests");
        if options.resolved_emulator_host().is_some() {
            return Ok(options);
        }
        #[cfg(feature = "emulator")]
        {
            match EMULATOR
                .get_or_init(|| crate::emulator::Emulator::start().map_err(|e| e.to_string()))
            {
                Ok(emulator) => Ok(options.emulator_host(emulator.host())),
                Err(error) => Err(error.clone()),
            }
        }
        #[cfg(not(feature = "emulator"))]
        Err("set DATABASE_URL (spanner://...) or SPANNER_EMULATOR_HOST for #[sqlx::test]".into())
    })
    .clone()
    .map_err(|message| SpannerError::Config(message).into())
}

impl TestSupport for Spanner {
    async fn test_context(args: &TestArgs) -> Result<TestContext<Self>, Error> {
        let db_name = Self::db_name(args);
        let connect_opts = base_options()?.database(&db_name).create_if_missing(true);
        // Start from an empty database even if an earlier failed run left one behind.
        let admin = connect_opts.admin().await?;
        let path = connect_opts.database_path();
        if admin.database_exists(&path).await? {
            admin.drop_database(&path).await?;
        }
        Ok(TestContext {
            pool_opts: PoolOptions::new().max_connections(4),
            connect_opts,
            db_name,
        })
    }

    async fn cleanup_test(db_name: &str) -> Result<(), Error> {
        let options = base_options()?.database(db_name);
        options
            .admin()
            .await?
            .drop_database(&options.database_path())
            .await
    }

    async fn cleanup_test_dbs() -> Result<Option<usize>, Error> {
        Ok(None)
    }

    async fn snapshot(_conn: &mut SpannerConnection) -> Result<FixtureSnapshot<Self>, Error> {
        Err(SpannerError::Unsupported("fixture snapshots".into()).into())
    }

    /// Spanner database ids have at most 30 characters: `sqlxt` + process id + a hash of
    /// the test path.
    fn db_name(args: &TestArgs) -> String {
        let mut hasher = DefaultHasher::new();
        args.test_path.hash(&mut hasher);
        let mut name = format!("sqlxt-{:x}-{:016x}", std::process::id(), hasher.finish());
        name.truncate(30);
        name
    }
}
