//! The migration command line, as `sea-orm-cli migrate` offers it, for a Cloud Spanner
//! database:
//!
//! ```text
//! cargo run -p migration -- [-u URL] [up [-n N] | down [-n N] | fresh | refresh | reset | status]
//! ```
//!
//! The database is `-u URL` or `DATABASE_URL`, a
//! `spanner://projects/P/instances/I/databases/D[?emulator_host=H&create_if_missing=true]`
//! URL: the emulator when `emulator_host=` or `SPANNER_EMULATOR_HOST` is set, production
//! Spanner (Application Default Credentials) otherwise. Without any URL the command runs
//! on a demo database of the emulator (the one `SPANNER_EMULATOR_HOST` names, or one it
//! starts and stops itself).

use std::error::Error;
use std::process::ExitCode;

use migration::{Migrator, MigratorTrait};
use sea_query_spanner::orm::SpannerDatabase;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const USAGE: &str =
    "usage: migration [-u URL] [up [-n N] | down [-n N] | fresh | refresh | reset | status]\n\
    URL: -u or DATABASE_URL, spanner://projects/P/instances/I/databases/D[?emulator_host=H]";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    url: Option<String>,
    command: String,
    steps: Option<u32>,
}

fn parse(args: impl IntoIterator<Item = String>) -> std::result::Result<Args, String> {
    let mut url = None;
    let mut command = None;
    let mut steps = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-u" | "--database-url" => url = Some(args.next().ok_or("-u needs a URL")?),
            "-n" | "--num" => {
                let n = args.next().ok_or("-n needs a number")?;
                steps = Some(n.parse().map_err(|_| format!("-n {n}: not a number"))?);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            "up" | "down" | "fresh" | "refresh" | "reset" | "status" if command.is_none() => {
                command = Some(arg)
            }
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        url,
        command: command.unwrap_or_else(|| "up".into()),
        steps,
    })
}

async fn run(args: Args) -> Result<()> {
    let url = args.url.or_else(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
    });
    // Without a URL: a demo database on the emulator (started here if none is running).
    let (url, _emulator) = match url {
        Some(url) => (url, None),
        None => {
            let (host, emulator) = sqlx_spanner::emulator::from_env_or_start()?;
            let url = format!(
                "spanner://projects/demo-project/instances/demo-instance/databases/migration-demo\
                 ?emulator_host={host}&create_if_missing=true"
            );
            println!("no DATABASE_URL: using {url}");
            (url, emulator)
        }
    };
    let db = SpannerDatabase::connect(&url).await?;
    // sea-orm-migration takes SeaORM's own connection type.
    let conn = db.to_database_connection();
    match args.command.as_str() {
        "up" => Migrator::up(&conn, args.steps).await?,
        "down" => Migrator::down(&conn, args.steps.or(Some(1))).await?,
        "fresh" => Migrator::fresh(&conn).await?,
        "refresh" => Migrator::refresh(&conn).await?,
        "reset" => Migrator::reset(&conn).await?,
        "status" => {}
        other => return Err(format!("unknown command {other}").into()),
    }
    for migration in Migrator::get_migration_with_status(&conn).await? {
        println!("{:<45} {}", migration.name(), migration.status());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> std::result::Result<Args, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_commands() {
        assert_eq!(
            args("-u spanner://x up -n 2"),
            Ok(Args {
                url: Some("spanner://x".into()),
                command: "up".into(),
                steps: Some(2)
            })
        );
        assert_eq!(args("").map(|a| a.command), Ok("up".into()));
        assert_eq!(args("status").map(|a| a.command), Ok("status".into()));
        assert!(args("sideways").is_err());
        assert!(args("up -n x").is_err());
    }
}
