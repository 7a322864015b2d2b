use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Accounts, PASSWORD, error_code, user_error_codes};
use micromall_kit::on_every_backend;

on_every_backend!(
    malformed_and_oversized_requests_get_clear_errors,
    overlong_fields_are_refused_not_fatal
);

async fn malformed_and_oversized_requests_get_clear_errors(backend: Backend) {
    let app = Accounts::start(backend).await;
    let url = app.subgraph.url();
    let send = |body: Vec<u8>| {
        let request = app
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response
                    .json::<serde_json::Value>()
                    .await
                    .unwrap_or_default(),
            )
        }
    };

    let (status, body) = send(b"{\"query\": ".to_vec()).await;
    assert_eq!((status, error_code(&body)), (400, "BAD_REQUEST"));
    let (status, _) = send(b"[1, 2, 3]".to_vec()).await;
    assert_eq!(status, 400);
    let (status, _) = send(br#"{"query": 42}"#.to_vec()).await;
    assert_eq!(status, 400);
    let (status, body) = send(vec![b' '; 1024 * 1024 + 1]).await;
    assert_eq!((status, error_code(&body)), (413, "PAYLOAD_TOO_LARGE"));

    let (status, body) = send(br#"{"query": "{ me { "}"#.to_vec()).await;
    assert_eq!(status, 200);
    assert!(body["errors"][0]["message"].is_string(), "{body}");

    // A query nested past the depth limit is refused before it runs.
    let nested = format!(
        "{{ {}{} }}",
        "__schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name",
        " } } } } } } } } } } } } } } } } } }"
    );
    let (status, body) = send(serde_json::to_vec(&json!({ "query": nested })).unwrap()).await;
    assert_eq!(status, 200);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{body}"
    );

    // The service is still fine.
    let health = app
        .http
        .get(format!("{}/health/ready", app.subgraph.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

async fn overlong_fields_are_refused_not_fatal(backend: Backend) {
    let app = Accounts::start(backend).await;
    let huge = "x".repeat(200_000);
    let body = app
        .register(&format!("{huge}@example.com"), &huge, &huge)
        .await;
    let mut codes = user_error_codes(&body["data"]["register"]);
    codes.sort();
    assert_eq!(codes, ["INVALID_EMAIL", "INVALID_NAME", "WEAK_PASSWORD"]);

    let login = app.login_raw(&huge, &huge).await;
    assert_eq!(
        user_error_codes(&login["data"]["login"]),
        ["INVALID_CREDENTIALS"]
    );
    let refresh = app.refresh(&huge).await;
    assert_eq!(
        user_error_codes(&refresh["data"]["refreshToken"]),
        ["INVALID_REFRESH_TOKEN"]
    );
    let (status, body) = app
        .post(&json!({ "query": "{ me { id } }" }), Some(&huge))
        .await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));

    let body = app
        .register("still-works@example.com", PASSWORD, "Still Works")
        .await;
    assert!(body["data"]["register"]["user"].is_object());
}
