use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Accounts, PASSWORD, claims, error_code, user_error_codes};
use micromall_kit::on_every_backend;

on_every_backend!(
    login_issues_tokens_that_open_me,
    unknown_email_and_wrong_password_look_the_same,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    repeated_failures_lock_an_account_without_revealing_it_exists,
);

async fn login_issues_tokens_that_open_me(backend: Backend) {
    let app = Accounts::start(backend).await;
    let (id, _) = app.customer("me@example.com").await;
    let body = app.login_raw("me@example.com", PASSWORD).await;
    let login = &body["data"]["login"];
    let access = login["accessToken"].as_str().unwrap();
    let c = claims(access);
    assert_eq!(c["sub"], id);
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        15 * 60
    );
    for claim in ["jti", "iss", "aud", "scope"] {
        assert!(!c[claim].is_null(), "missing {claim}: {c}");
    }
    assert!(
        login["expiresAt"].as_str().unwrap().ends_with('Z')
            || login["expiresAt"].as_str().unwrap().contains('+')
    );
    assert_eq!(login["user"]["email"], "me@example.com");

    let me = app
        .gql(
            "{ me { id email name roles { name permissions } } }",
            json!({}),
            Some(access),
        )
        .await;
    assert_eq!(me["data"]["me"]["id"], id);
    assert_eq!(
        me["data"]["me"]["roles"],
        json!([{ "name": "customer", "permissions": [] }])
    );

    let anonymous = app.gql("{ me { id } }", json!({}), None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

async fn unknown_email_and_wrong_password_look_the_same(backend: Backend) {
    let app = Accounts::start(backend).await;
    app.customer("known@example.com").await;
    let wrong = app.login_raw("known@example.com", "wrong password!").await;
    let unknown = app.login_raw("nobody@example.com", "wrong password!").await;
    assert_eq!(
        wrong["data"]["login"]["userErrors"],
        unknown["data"]["login"]["userErrors"]
    );
    assert_eq!(
        user_error_codes(&wrong["data"]["login"]),
        ["INVALID_CREDENTIALS"]
    );
    assert_eq!(wrong["data"]["login"]["accessToken"], json!(null));
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = Accounts::start(backend).await;
    app.customer("rotate@example.com").await;
    let (_, first) = app.login("rotate@example.com", PASSWORD).await;

    let rotated = app.refresh(&first).await;
    let second = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second, first);
    assert!(rotated["data"]["refreshToken"]["accessToken"].is_string());

    // The first token was used: presenting it again is theft, and kills the whole family.
    let reused = app.refresh(&first).await;
    assert_eq!(
        user_error_codes(&reused["data"]["refreshToken"]),
        ["INVALID_REFRESH_TOKEN"]
    );
    let after_reuse = app.refresh(&second).await;
    assert_eq!(
        user_error_codes(&after_reuse["data"]["refreshToken"]),
        ["INVALID_REFRESH_TOKEN"]
    );

    // Another session of the same user is untouched.
    let (_, other) = app.login("rotate@example.com", PASSWORD).await;
    assert!(app.refresh(&other).await["data"]["refreshToken"]["refreshToken"].is_string());

    let garbage = app.refresh("not-a-token").await;
    assert_eq!(
        user_error_codes(&garbage["data"]["refreshToken"]),
        ["INVALID_REFRESH_TOKEN"]
    );
}

async fn logout_ends_the_session(backend: Backend) {
    let app = Accounts::start(backend).await;
    app.customer("bye@example.com").await;
    let (_, refresh) = app.login("bye@example.com", PASSWORD).await;
    let logout = |t: String| {
        let app = &app;
        async move {
            app.gql(
                "mutation($t: String!) { logout(refreshToken: $t) }",
                json!({ "t": t }),
                None,
            )
            .await
        }
    };
    assert_eq!(logout(refresh.clone()).await["data"]["logout"], true);
    assert_eq!(logout(refresh.clone()).await["data"]["logout"], false);
    let refreshed = app.refresh(&refresh).await;
    assert_eq!(
        user_error_codes(&refreshed["data"]["refreshToken"]),
        ["INVALID_REFRESH_TOKEN"]
    );
}

async fn repeated_failures_lock_an_account_without_revealing_it_exists(backend: Backend) {
    // The test settings lock an account after 5 failures in the window.
    let app = Accounts::start(backend).await;
    app.customer("target@example.com").await;
    for email in ["target@example.com", "ghost@example.com"] {
        for _ in 0..5 {
            let body = app.login_raw(email, "wrong password!").await;
            assert_eq!(
                user_error_codes(&body["data"]["login"]),
                ["INVALID_CREDENTIALS"],
                "{body}"
            );
        }
        let locked = app.login_raw(email, PASSWORD).await;
        assert_eq!(error_code(&locked), "RATE_LIMITED", "{email}: {locked}");
        assert_eq!(locked["data"], json!(null));
    }
    // Someone else still signs in.
    app.customer("bystander@example.com").await;
}
