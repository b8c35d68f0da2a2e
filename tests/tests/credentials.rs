//! The production (non-emulator) path: Application Default Credentials are looked up and a
//! missing or broken credential is a clear configuration error, not a panic or a hang.
//! (No machine here can reach Google, so the test stops at the credential lookup.)
//! The tests of this file either set the environment or need no emulator.

use std::time::{Duration, Instant};

use sqlx_spanner::{SpannerConnectOptions, SpannerPool};

#[tokio::test]
async fn missing_credentials_are_a_clear_error() {
    // Single test in this binary: no other thread reads the environment.
    std::env::remove_var("SPANNER_EMULATOR_HOST");
    std::env::set_var(
        "GOOGLE_APPLICATION_CREDENTIALS",
        "/nonexistent/sqlx-spanner-test/key.json",
    );
    let started = Instant::now();
    let options: SpannerConnectOptions = "spanner://projects/p1/instances/i1/databases/d1"
        .parse()
        .unwrap();
    assert_eq!(options.resolved_emulator_host(), None);
    let err = SpannerPool::connect_with(options).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, sqlx::Error::Configuration(_)),
        "expected a configuration error, got {err:?}"
    );
    assert!(text.contains("credentials"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // An explicit credentials file that does not exist names the file.
    let options = SpannerConnectOptions::new()
        .project("p1")
        .instance("i1")
        .database("d1")
        .credentials_file("/nonexistent/other.json");
    let err = SpannerPool::connect_with(options).await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/other.json"), "{err}");
}

/// Accepts one TCP connection on `listener` and returns its first bytes (bounded).
async fn first_bytes(listener: &tokio::net::TcpListener) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let accept = async {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buffer = vec![0u8; 16];
        let n = socket.read(&mut buffer).await.expect("read");
        buffer.truncate(n);
        buffer
    };
    tokio::time::timeout(Duration::from_secs(20), accept)
        .await
        .expect("the driver connected to the configured endpoint")
}

#[tokio::test]
async fn the_endpoint_option_is_where_data_and_admin_traffic_go() {
    // Production path: no emulator (the other test of this binary does the same).
    std::env::remove_var("SPANNER_EMULATOR_HOST");
    // Credentials that need no network: a service account (with a key generated for this
    // test) signs its own JWT for Spanner's audience.
    let dir = std::env::temp_dir().join(format!("sqlx-spanner-endpoint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .expect("openssl generates a throwaway key");
    assert!(pem.status.success());
    let key = dir.join("service-account.json");
    let account = serde_json::json!({
        "type": "service_account",
        "project_id": "p1",
        "private_key_id": "test-key",
        "private_key": String::from_utf8(pem.stdout).unwrap(),
        "client_email": "test@p1.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    std::fs::write(&key, account.to_string()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!(
        "spanner://projects/p1/instances/i1/databases/d1?endpoint=127.0.0.1:{port}&credentials={}&connect_timeout=3s",
        key.display()
    );
    let options: SpannerConnectOptions = url.parse().unwrap();
    assert_eq!(options.resolved_emulator_host(), None);

    // Data channel: a bare host:port endpoint is the connection target (TLS ClientHello
    // arrives here), not only a TLS name with traffic to the global endpoint.
    let connect = tokio::spawn(SpannerPool::connect_with(options.clone()));
    let hello = first_bytes(&listener).await;
    assert_eq!(
        hello.first(),
        Some(&0x16),
        "a TLS handshake record: {hello:?}"
    );
    let result = tokio::time::timeout(Duration::from_secs(30), connect)
        .await
        .expect("connect ends")
        .expect("join");
    assert!(result.is_err(), "no Spanner behind the fake endpoint");

    // Admin channel: database creation goes to the same endpoint.
    use sqlx::migrate::MigrateDatabase;
    let create = tokio::spawn(async move { sqlx_spanner::Spanner::create_database(&url).await });
    let hello = first_bytes(&listener).await;
    assert_eq!(hello.first(), Some(&0x16), "{hello:?}");
    let result = tokio::time::timeout(Duration::from_secs(30), create)
        .await
        .expect("create ends")
        .expect("join");
    assert!(result.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
