//! `spanner://` URLs <-> [`SpannerConnectOptions`].
//!
//! Accepted forms:
//! - `spanner://projects/P/instances/I/databases/D[?options]`
//! - `spanner://HOST:PORT/projects/P/instances/I/databases/D[?options]`: `HOST:PORT` is an
//!   emulator.
//!
//! Query options: `emulator_host`, `create_if_missing`, `credentials`, `endpoint`,
//! `min_sessions`, `max_sessions`, `channels`, and durations (`30s`, `500ms`, `2m`, or a
//! bare number of seconds): `connect_timeout`, `rpc_timeout`, `statement_timeout`,
//! `keepalive_interval` (`0` turns keep-alive off), `keepalive_timeout`,
//! `session_maintenance_interval`, `ddl_timeout`; transaction defaults `isolation_level`
//! (`serializable`, `repeatable_read`), `max_commit_delay` (a duration, e.g. `50ms`),
//! `return_commit_stats`, `exclude_txn_from_change_streams`, `retry_aborts_internally`;
//! batched DML: `auto_batch_dml`, `auto_batch_dml_update_count`,
//! `auto_batch_dml_update_count_verification`.

use std::str::FromStr;
use std::time::Duration;

use sqlx_core::error::Error;
use url::Url;

use super::SpannerConnectOptions;
use crate::error::SpannerError;
use crate::transaction_options::IsolationLevel;

fn config_error(message: String) -> Error {
    SpannerError::Config(message).into()
}

fn parse_bool(key: &str, value: &str) -> Result<bool, Error> {
    match value {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(config_error(format!(
            "{key}: expected true or false, got {other:?}"
        ))),
    }
}

fn parse_number(key: &str, value: &str) -> Result<usize, Error> {
    value
        .parse()
        .map_err(|_| config_error(format!("{key}: expected a number, got {value:?}")))
}

/// A duration: `250ms`, `30s`, `5m`, `1h`, or a bare number of seconds.
pub(super) fn parse_duration(key: &str, value: &str) -> Result<Duration, Error> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        config_error(format!(
            "{key}: expected a duration such as 30s or 500ms, got {value:?}"
        ))
    })?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(number)),
        "ms" => Ok(Duration::from_millis(number)),
        "m" => Ok(Duration::from_secs(number.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(number.saturating_mul(3600))),
        other => Err(config_error(format!(
            "{key}: unknown duration unit {other:?} (use ms, s, m or h)"
        ))),
    }
}

pub(super) fn from_url(url: &Url) -> Result<SpannerConnectOptions, Error> {
    if url.scheme() != "spanner" {
        return Err(config_error(format!(
            "expected a spanner:// URL, got scheme {:?}",
            url.scheme()
        )));
    }
    // `spanner://projects/...` parses "projects" as the host.
    let (emulator, path) = match url.host_str() {
        Some("projects") => (None, format!("projects{}", url.path())),
        Some(host) => {
            let host = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            (Some(host), url.path().trim_start_matches('/').to_string())
        }
        None => (None, url.path().trim_start_matches('/').to_string()),
    };
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let [_, project, _, instance, _, database] = match parts.as_slice() {
        ["projects", p, "instances", i, "databases", d] => {
            ["projects", p, "instances", i, "databases", d]
        }
        _ => {
            return Err(config_error(format!(
                "expected spanner://projects/P/instances/I/databases/D, got {url}"
            )))
        }
    };
    if [project, instance, database].iter().any(|s| s.is_empty()) {
        return Err(config_error(format!(
            "empty project, instance or database in {url}"
        )));
    }
    let mut options = SpannerConnectOptions::new()
        .project(project)
        .instance(instance)
        .database(database);
    if let Some(host) = emulator {
        options = options.emulator_host(host);
    }
    for (key, value) in url.query_pairs() {
        options = match key.as_ref() {
            "emulator_host" => options.emulator_host(value.as_ref()),
            "create_if_missing" => options.create_if_missing(parse_bool(&key, &value)?),
            "credentials" | "credentials_file" => options.credentials_file(value.as_ref()),
            "endpoint" => options.endpoint(value.as_ref()),
            "min_sessions" => options.min_sessions(parse_number(&key, &value)?),
            "max_sessions" => options.max_sessions(parse_number(&key, &value)?),
            "channels" => options.channels(parse_number(&key, &value)?),
            "connect_timeout" => options.connect_timeout(parse_duration(&key, &value)?),
            "rpc_timeout" => options.rpc_timeout(parse_duration(&key, &value)?),
            "statement_timeout" => options.statement_timeout(parse_duration(&key, &value)?),
            "keepalive_interval" => {
                let interval = parse_duration(&key, &value)?;
                options.keepalive_interval((!interval.is_zero()).then_some(interval))
            }
            "keepalive_timeout" => options.keepalive_timeout(parse_duration(&key, &value)?),
            "session_maintenance_interval" => {
                options.session_maintenance_interval(parse_duration(&key, &value)?)
            }
            "ddl_timeout" => options.ddl_timeout(parse_duration(&key, &value)?),
            "isolation_level" => {
                options.isolation_level(IsolationLevel::parse(&value).ok_or_else(|| {
                    config_error(format!(
                        "isolation_level: expected serializable or repeatable_read, got {value:?}"
                    ))
                })?)
            }
            "max_commit_delay" => options.max_commit_delay(parse_duration(&key, &value)?),
            "return_commit_stats" => options.return_commit_stats(parse_bool(&key, &value)?),
            "exclude_txn_from_change_streams" => {
                options.exclude_txn_from_change_streams(parse_bool(&key, &value)?)
            }
            "retry_aborts_internally" => options.retry_aborts_internally(parse_bool(&key, &value)?),
            "auto_batch_dml" => options.auto_batch_dml(parse_bool(&key, &value)?),
            "auto_batch_dml_update_count" => {
                options.auto_batch_dml_update_count(parse_number(&key, &value)? as u64)
            }
            "auto_batch_dml_update_count_verification" => {
                options.auto_batch_dml_update_count_verification(parse_bool(&key, &value)?)
            }
            other => return Err(config_error(format!("unknown option {other:?} in {url}"))),
        };
    }
    Ok(options)
}

pub(super) fn to_url(options: &SpannerConnectOptions) -> Url {
    let mut text = format!("spanner://{}", options.database_path());
    let mut query = Vec::new();
    if let Some(host) = &options.emulator_host {
        query.push(format!("emulator_host={host}"));
    }
    if options.create_if_missing {
        query.push("create_if_missing=true".to_string());
    }
    if let Some(endpoint) = &options.endpoint {
        query.push(format!("endpoint={endpoint}"));
    }
    let tx = &options.transaction_options;
    if let Some(level) = tx.isolation_level {
        query.push(format!(
            "isolation_level={}",
            level.as_str().to_ascii_lowercase()
        ));
    }
    if let Some(delay) = tx.max_commit_delay {
        query.push(format!("max_commit_delay={}ms", delay.as_millis()));
    }
    if tx.return_commit_stats {
        query.push("return_commit_stats=true".to_string());
    }
    if tx.exclude_txn_from_change_streams {
        query.push("exclude_txn_from_change_streams=true".to_string());
    }
    if options.retry_aborts_internally {
        query.push("retry_aborts_internally=true".to_string());
    }
    let batch = options.batch_dml;
    if batch != crate::batch_dml::AutoBatchDml::default() {
        query.push(format!("auto_batch_dml={}", batch.enabled));
        query.push(format!(
            "auto_batch_dml_update_count={}",
            batch.update_count
        ));
        query.push(format!(
            "auto_batch_dml_update_count_verification={}",
            batch.verify
        ));
    }
    query.push(format!("min_sessions={}", options.min_sessions));
    query.push(format!("max_sessions={}", options.max_sessions));
    text.push('?');
    text.push_str(&query.join("&"));
    match Url::parse(&text) {
        Ok(url) => url,
        // Only reachable with ids that are not URL-safe; the bare scheme is the lossy answer.
        Err(_) => Url::parse("spanner://projects").expect("static URL literal parses"),
    }
}

impl FromStr for SpannerConnectOptions {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let url = Url::parse(s).map_err(|e| config_error(format!("invalid URL {s:?}: {e}")))?;
        from_url(&url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx_core::connection::ConnectOptions;

    #[test]
    fn parses_paths_and_options() {
        let o = SpannerConnectOptions::from_str(
            "spanner://projects/p/instances/i/databases/d?create_if_missing=true&max_sessions=7",
        )
        .unwrap();
        assert_eq!(o.database_path(), "projects/p/instances/i/databases/d");
        assert!(o.create_if_missing);
        assert_eq!(o.max_sessions, 7);

        let o = SpannerConnectOptions::from_str(
            "spanner://localhost:9010/projects/p/instances/i/databases/d",
        )
        .unwrap();
        assert_eq!(o.emulator_host.as_deref(), Some("localhost:9010"));

        let back = SpannerConnectOptions::from_url(&o.to_url_lossy()).unwrap();
        assert_eq!(back.database_path(), o.database_path());
        assert_eq!(back.emulator_host, o.emulator_host);
    }

    #[test]
    fn parses_transaction_options() {
        let o = SpannerConnectOptions::from_str(
            "spanner://projects/p/instances/i/databases/d?isolation_level=repeatable_read\
             &max_commit_delay=50ms&return_commit_stats=true&exclude_txn_from_change_streams=1\
             &retry_aborts_internally=true",
        )
        .unwrap();
        let tx = o.get_transaction_options();
        assert_eq!(tx.isolation_level, Some(IsolationLevel::RepeatableRead));
        assert_eq!(tx.max_commit_delay, Some(Duration::from_millis(50)));
        assert!(tx.return_commit_stats && tx.exclude_txn_from_change_streams);
        assert!(o.retry_aborts_internally);
        let back = SpannerConnectOptions::from_url(&o.to_url_lossy()).unwrap();
        assert_eq!(back.get_transaction_options(), tx);
        assert!(back.retry_aborts_internally);
        let o = SpannerConnectOptions::from_str(
            "spanner://projects/p/instances/i/databases/d?auto_batch_dml=true\
             &auto_batch_dml_update_count=0&auto_batch_dml_update_count_verification=false",
        )
        .unwrap();
        let expected = crate::batch_dml::AutoBatchDml {
            enabled: true,
            update_count: 0,
            verify: false,
        };
        assert_eq!(o.batch_dml, expected);
        let back = SpannerConnectOptions::from_url(&o.to_url_lossy()).unwrap();
        assert_eq!(back.batch_dml, expected);
        assert!(SpannerConnectOptions::from_str(
            "spanner://projects/p/instances/i/databases/d?isolation_level=snapshot"
        )
        .is_err());
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in [
            "postgres://projects/p/instances/i/databases/d",
            "spanner://projects/p/instances/i",
            "spanner://projects/p/instances/i/databases/d?nope=1",
            "spanner://projects/p/instances/i/databases/d?create_if_missing=maybe",
        ] {
            assert!(SpannerConnectOptions::from_str(bad).is_err(), "{bad}");
        }
    }
}
