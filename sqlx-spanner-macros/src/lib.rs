//! Compile-time checked queries for Cloud Spanner: `query!`, `query_as!`, `query_scalar!`,
//! `query_file!`, `query_file_as!`, `query_file_scalar!` and their `_unchecked` forms, with
//! the syntax of sqlx's macros.
//!
//! ```ignore
//! let singer = sqlx_spanner_macros::query!(
//!     "SELECT id, name FROM Singers WHERE id = @p1",
//!     id
//! )
//! .fetch_one(&pool)
//! .await?;
//! ```
//!
//! At build time the macros describe each statement against the database named by
//! `DATABASE_URL` (`spanner://projects/P/instances/I/databases/D`, with
//! `SPANNER_EMULATOR_HOST` or `?emulator_host=` for the emulator), or read the query data
//! saved in `.sqlx/` when `SQLX_OFFLINE=true` or no `DATABASE_URL` is set. The generated code
//! names `::sqlx` (with its `macros` feature and the type features in use) and
//! `::sqlx_spanner`: the calling crate depends on `sqlx`, `sqlx-spanner` and this crate.
//! See `docs/checked-queries.md`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use sqlx_macros_core::query::{expand_input, QueryDriver, QueryMacroInput};
use sqlx_spanner::Spanner;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Token, Type};

/// The one driver these macros know.
const DRIVERS: &[QueryDriver] = &[QueryDriver::new::<Spanner>()];

/// What the query text is: SQL literals (`"a" + "b"`) or a path to a `.sql` file.
enum Source {
    Sql(Punctuated<LitStr, Token![+]>),
    File(LitStr),
}

/// How rows are returned.
enum Record {
    /// An anonymous struct generated from the columns.
    Generated,
    /// The type named first in the input.
    Given,
    /// The single column's value.
    Scalar,
}

/// The user's macro input: `[Type,] source [, arg]*`.
struct Call {
    record: Option<Type>,
    source: Source,
    args: Punctuated<Expr, Token![,]>,
}

fn parse_call(input: ParseStream<'_>, with_type: bool, file: bool) -> syn::Result<Call> {
    let record = if with_type {
        let ty: Type = input.parse()?;
        input.parse::<Token![,]>()?;
        Some(ty)
    } else {
        None
    };
    let source = if file {
        Source::File(input.parse()?)
    } else {
        Source::Sql(Punctuated::parse_separated_nonempty(input)?)
    };
    let args = if input.is_empty() {
        Punctuated::new()
    } else {
        input.parse::<Token![,]>()?;
        Punctuated::parse_terminated(input)?
    };
    Ok(Call {
        record,
        source,
        args,
    })
}

/// Parses the user's input and hands it to sqlx-macros-core in its `key = value` form.
fn expand(input: TokenStream, record: Record, file: bool, checked: bool) -> TokenStream {
    let with_type = matches!(record, Record::Given);
    let parser = |stream: ParseStream<'_>| parse_call(stream, with_type, file);
    let call = match syn::parse::Parser::parse(parser, input) {
        Ok(call) => call,
        Err(error) => return error.to_compile_error().into(),
    };
    let source = match &call.source {
        Source::Sql(parts) => quote!(source = #parts),
        Source::File(path) => quote!(source_file = #path),
    };
    let args = call.args.iter();
    let record_key = match (&record, &call.record) {
        (Record::Scalar, _) => quote!(, scalar = _),
        (_, Some(ty)) => quote!(, record = #ty),
        _ => TokenStream2::new(),
    };
    let tokens = quote!(#source, args = [#(#args),*] #record_key, checked = #checked);
    let input = match syn::parse2::<QueryMacroInput>(tokens) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error().into(),
    };
    match expand_input(input, DRIVERS) {
        Ok(tokens) => tokens.into(),
        Err(error) => match error.downcast_ref::<syn::Error>() {
            Some(parse_error) => parse_error.to_compile_error().into(),
            None => {
                let message = error.to_string();
                quote!(::std::compile_error!(#message)).into()
            }
        },
    }
}

/// A checked query returning anonymous records: `query!("SELECT ... @p1", arg)`.
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    expand(input, Record::Generated, false, true)
}

/// `query!` without parameter and column type checks (columns are still read by name).
#[proc_macro]
pub fn query_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Generated, false, false)
}

/// A checked query returning `Type` (a struct with fields named like the columns):
/// `query_as!(Type, "SELECT ...", args...)`.
#[proc_macro]
pub fn query_as(input: TokenStream) -> TokenStream {
    expand(input, Record::Given, false, true)
}

/// `query_as!` without type checks.
#[proc_macro]
pub fn query_as_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Given, false, false)
}

/// A checked query returning the single column of each row: `query_scalar!("SELECT ...")`.
#[proc_macro]
pub fn query_scalar(input: TokenStream) -> TokenStream {
    expand(input, Record::Scalar, false, true)
}

/// `query_scalar!` without type checks.
#[proc_macro]
pub fn query_scalar_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Scalar, false, false)
}

/// `query!` with the SQL read from a file (path relative to the crate's manifest dir).
#[proc_macro]
pub fn query_file(input: TokenStream) -> TokenStream {
    expand(input, Record::Generated, true, true)
}

/// `query_file!` without type checks.
#[proc_macro]
pub fn query_file_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Generated, true, false)
}

/// `query_as!` with the SQL read from a file: `query_file_as!(Type, "path.sql", args...)`.
#[proc_macro]
pub fn query_file_as(input: TokenStream) -> TokenStream {
    expand(input, Record::Given, true, true)
}

/// `query_file_as!` without type checks.
#[proc_macro]
pub fn query_file_as_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Given, true, false)
}

/// `query_scalar!` with the SQL read from a file.
#[proc_macro]
pub fn query_file_scalar(input: TokenStream) -> TokenStream {
    expand(input, Record::Scalar, true, true)
}

/// `query_file_scalar!` without type checks.
#[proc_macro]
pub fn query_file_scalar_unchecked(input: TokenStream) -> TokenStream {
    expand(input, Record::Scalar, true, false)
}
