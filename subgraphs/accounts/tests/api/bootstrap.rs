//! The first administrator from `MICROMALL_ADMIN_EMAIL` / `MICROMALL_ADMIN_PASSWORD`, and the
//! takeover it must not allow: registering that email first, with one's own password.

use micromall_kit::platform::Platform;
use micromall_kit::testing::Backend;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::{Accounts, error_code, scopes, test_settings};
use micromall_kit::on_every_backend;

on_every_backend!(
    an_account_registered_before_the_operator_never_becomes_admin,
    the_configured_administrator_starts_again_on_the_same_data,
);

const TARGET: &str = "admin@example.test";
const ATTACKER_PASSWORD: &str = "mallory was here 1";
const OPERATOR_PASSWORD: &str = "operator secret 42";

async fn an_account_registered_before_the_operator_never_becomes_admin(backend: Backend) {
    // The shop runs without an administrator; Mallory registers the address the operator
    // is about to configure.
    let db = micromall_kit::testing::TestDatabase::create(backend)
        .await
        .expect("database");
    let app = Accounts::start_with(db, |s| {
        s.accounts.admin_email = None;
        s.accounts.admin_password = None;
    })
    .await;
    let registered = app.register(TARGET, ATTACKER_PASSWORD, "Mallory").await;
    assert!(
        registered["data"]["register"]["user"]["id"].is_string(),
        "{registered}"
    );
    let db = app.stop().await;

    // The operator starts with that address and their own password: start-up is refused,
    // loudly, and names the problem without showing either password.
    let mut settings = test_settings(&db);
    settings.accounts.admin_email = Some(TARGET.into());
    settings.accounts.admin_password = Some(OPERATOR_PASSWORD.into());
    let platform = Platform::new(settings, CancellationToken::new())
        .await
        .expect("platform");
    let refused = platform
        .prepare(&micromall_accounts::SUBGRAPH, false)
        .await
        .err()
        .expect("the accounts subgraph must refuse to start");
    let message = format!("{refused:#}");
    assert!(message.contains("MICROMALL_ADMIN_EMAIL"), "{message}");
    assert!(message.contains("does not match"), "{message}");
    assert!(!message.contains(OPERATOR_PASSWORD), "{message}");
    assert!(!message.contains(ATTACKER_PASSWORD), "{message}");

    // Mallory's account holds no permission, and the operator's password opens nothing.
    let app = Accounts::start_with(db, |s| {
        s.accounts.admin_email = None;
        s.accounts.admin_password = None;
    })
    .await;
    let (token, _) = app.login(TARGET, ATTACKER_PASSWORD).await;
    assert_eq!(scopes(&token), Vec::<String>::new());
    let me = app
        .gql("{ me { roles { name } } }", json!({}), Some(&token))
        .await;
    assert_eq!(me["data"]["me"]["roles"], json!([{ "name": "customer" }]));
    assert_eq!(
        error_code(
            &app.gql("{ users { totalCount } }", json!({}), Some(&token))
                .await
        ),
        "FORBIDDEN"
    );
    let operator = app.login_raw(TARGET, OPERATOR_PASSWORD).await;
    assert_eq!(
        operator["data"]["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{operator}"
    );
}

async fn the_configured_administrator_starts_again_on_the_same_data(backend: Backend) {
    let db = micromall_kit::testing::TestDatabase::create(backend)
        .await
        .expect("database");
    let configure = |s: &mut micromall_kit::config::Settings| {
        s.accounts.admin_email = Some(TARGET.into());
        s.accounts.admin_password = Some(OPERATOR_PASSWORD.into());
    };
    let app = Accounts::start_with(db, configure).await;
    let db = app.stop().await;
    // The account exists now, with the configured password: a restart keeps it admin.
    let app = Accounts::start_with(db, configure).await;
    let (token, _) = app.login(TARGET, OPERATOR_PASSWORD).await;
    assert!(scopes(&token).contains(&"users:manage".to_owned()));
}
