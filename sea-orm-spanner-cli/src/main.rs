//! `sea-orm-spanner generate entity`: SeaORM entities from a live Spanner database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sea_orm_spanner_cli::{read_and_generate, GenerateOptions};
use sqlx_spanner::SpannerConnectOptions;

#[derive(Parser)]
#[command(
    name = "sea-orm-spanner",
    version,
    about = "SeaORM tools for Google Cloud Spanner"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate code.
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
}

#[derive(Subcommand)]
enum Generate {
    /// Generate SeaORM entity files from the database's schema.
    Entity(EntityArgs),
}

#[derive(clap::Args)]
struct EntityArgs {
    /// `spanner://projects/P/instances/I/databases/D` (add `?emulator_host=host:port`, or set
    /// SPANNER_EMULATOR_HOST, for the emulator).
    #[arg(short = 'u', long = "database-url", env = "DATABASE_URL")]
    database_url: String,
    /// Output directory.
    #[arg(short = 'o', long = "output-dir", default_value = "./")]
    output_dir: PathBuf,
    /// Only these tables (repeat or comma-separate).
    #[arg(short = 't', long = "tables", value_delimiter = ',')]
    tables: Vec<String>,
    /// Expanded entity format instead of compact.
    #[arg(long)]
    expanded_format: bool,
    /// Write lib.rs instead of mod.rs.
    #[arg(long)]
    lib: bool,
    /// Use the `time` crate instead of `chrono` for dates and timestamps.
    #[arg(long)]
    time_crate: bool,
    /// No version in the generated files' banner.
    #[arg(long)]
    no_banner_version: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Cli {
        command: Command::Generate {
            what: Generate::Entity(args),
        },
    } = Cli::parse();
    let options: SpannerConnectOptions = match args.database_url.parse() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: invalid database URL: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut generate = GenerateOptions::default();
    generate.tables = args.tables;
    generate.expanded_format = args.expanded_format;
    generate.lib = args.lib;
    generate.time_crate = args.time_crate;
    generate.no_banner_version = args.no_banner_version;
    match read_and_generate(options, &generate, Some(&args.output_dir)).await {
        Ok(files) => {
            for file in files {
                println!("{}", args.output_dir.join(file.name).display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
