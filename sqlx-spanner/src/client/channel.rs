//! gRPC channels to Spanner, opened by the driver for data and admin traffic alike, so that
//! the `endpoint` option, TLS name and HTTP/2 keep-alive apply to both.
//!
//! `gcloud-spanner`'s own channel setup uses a bare host name only as the TLS name (traffic
//! still goes to the global endpoint) and, for `https://host:port`, sends the port as part
//! of the TLS name, which rustls rejects; the admin client ignores the endpoint entirely.

use gcloud_gax::conn::{Channel, ConnectionManager, Environment};
use gcloud_googleapis::spanner::v1::spanner_client::SpannerClient as GeneratedClient;
use gcloud_spanner::apiv1::conn_pool::{AUDIENCE, SPANNER};
use gcloud_spanner::apiv1::spanner_client::Client as GrpcClient;
use sqlx_core::error::Error;

use super::{error_chain, ClientSettings};
use crate::error::SpannerError;

/// The endpoint URL traffic goes to: a bare host name (`us-east1-spanner.googleapis.com`,
/// a private endpoint, `host:port`) becomes `https://host`.
pub(crate) fn endpoint_url(endpoint: Option<&str>) -> String {
    match endpoint.map(str::trim).filter(|e| !e.is_empty()) {
        None => format!("https://{SPANNER}"),
        Some(url) if url.starts_with("https://") => url.trim_end_matches('/').to_string(),
        Some(url) if url.starts_with("http://") => {
            // Spanner is only served over TLS: keep the host, use https.
            format!(
                "https://{}",
                url.trim_start_matches("http://").trim_end_matches('/')
            )
        }
        Some(host) => format!("https://{}", host.trim_end_matches('/')),
    }
}

/// The TLS name (host without port) and connection target of an endpoint URL.
pub(crate) fn tls_name_and_target(endpoint_url: &str) -> (String, String) {
    if endpoint_url == format!("https://{SPANNER}") {
        return (SPANNER.to_string(), AUDIENCE.to_string());
    }
    let authority = endpoint_url.trim_start_matches("https://");
    let authority = authority.split('/').next().unwrap_or(authority);
    let host = match authority.strip_prefix('[') {
        // [IPv6]:port
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => authority.split(':').next().unwrap_or(authority),
    };
    (host.to_string(), endpoint_url.to_string())
}

/// A ring of gRPC channels (one HTTP/2 connection each).
pub(crate) struct Channels {
    manager: ConnectionManager,
}

impl Channels {
    /// Opens `count` channels to the configured endpoint (one to an emulator).
    pub(crate) async fn open(
        count: usize,
        environment: &Environment,
        settings: &ClientSettings,
        what: &str,
    ) -> Result<Channels, Error> {
        let url = endpoint_url(settings.endpoint.as_deref());
        let (tls_name, target) = tls_name_and_target(&url);
        let options = settings.connection_options();
        let manager = ConnectionManager::new(count, tls_name, &target, environment, &options)
            .await
            .map_err(|e| {
                SpannerError::Config(format!(
                    "cannot open the {what} gRPC channel to {}: {}",
                    match environment {
                        Environment::Emulator(host) => host.as_str(),
                        Environment::GoogleCloud(_) => target.as_str(),
                    },
                    error_chain(&e)
                ))
            })?;
        Ok(Channels { manager })
    }

    /// The next channel of the ring.
    pub(crate) fn channel(&self) -> Channel {
        self.manager.conn()
    }

    /// A Spanner data client on the next channel.
    pub(crate) fn conn(&self) -> GrpcClient {
        GrpcClient::new(GeneratedClient::new(self.channel()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_endpoint_host_becomes_the_connection_target() {
        assert_eq!(endpoint_url(None), "https://spanner.googleapis.com");
        assert_eq!(
            endpoint_url(Some("us-east1-spanner.googleapis.com")),
            "https://us-east1-spanner.googleapis.com"
        );
        assert_eq!(
            endpoint_url(Some("https://spanner-nonprod.p.googleapis.com/")),
            "https://spanner-nonprod.p.googleapis.com"
        );
        assert_eq!(
            endpoint_url(Some("http://10.0.0.5:443")),
            "https://10.0.0.5:443"
        );
    }

    #[test]
    fn the_tls_name_has_no_port() {
        assert_eq!(
            tls_name_and_target("https://spanner.googleapis.com"),
            (
                "spanner.googleapis.com".to_string(),
                "https://spanner.googleapis.com/".to_string()
            )
        );
        assert_eq!(
            tls_name_and_target("https://private.example.com:8443"),
            (
                "private.example.com".to_string(),
                "https://private.example.com:8443".to_string()
            )
        );
        assert_eq!(
            tls_name_and_target("https://[::1]:443").0,
            "::1".to_string()
        );
    }
}
