use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Accounts, PASSWORD};
use micromall_kit::on_every_backend;

on_every_backend!(
    entities_for_a_hundred_users_cost_one_query,
    other_users_show_only_their_public_fields,
    the_service_sdl_declares_the_user_entity,
);

const ENTITIES: &str =
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }";

async fn entities_for_a_hundred_users_cost_one_query(backend: Backend) {
    let app = Accounts::start(backend).await;
    let app = &app;
    let registrations = (0..100).map(|n| async move {
        app.register(
            &format!("bulk{n}@example.com"),
            PASSWORD,
            &format!("Bulk {n}"),
        )
        .await
    });
    let ids: Vec<String> = futures::future::join_all(registrations)
        .await
        .iter()
        .map(|b| {
            b["data"]["register"]["user"]["id"]
                .as_str()
                .expect("registered")
                .to_owned()
        })
        .collect();
    let representations: Vec<_> = ids
        .iter()
        .map(|id| json!({ "__typename": "User", "id": id }))
        .collect();

    let log = &app.subgraph.running().runtime.queries;
    log.start();
    let body = app
        .gql(ENTITIES, json!({ "r": representations }), None)
        .await;
    let statements = log.stop();

    let entities = body["data"]["_entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 100);
    for (entity, id) in entities.iter().zip(&ids) {
        assert_eq!(
            &entity["id"], id,
            "entities come back in representation order"
        );
    }
    let user_queries: Vec<_> = statements
        .iter()
        .filter(|sql| sql.contains("\"users\""))
        .collect();
    assert_eq!(
        user_queries.len(),
        1,
        "expected one users query, got {user_queries:#?}"
    );

    // Unknown ids resolve to null, not an error.
    let unknown = app
        .gql(ENTITIES, json!({ "r": [{ "__typename": "User", "id": "0199aaaa-0000-7000-8000-000000000000" }] }), None)
        .await;
    assert_eq!(unknown["data"]["_entities"], json!([null]));
}

async fn other_users_show_only_their_public_fields(backend: Backend) {
    let app = Accounts::start(backend).await;
    let (alice, _) = app.customer("alice@example.com").await;
    let (_, bob_token) = app.customer("bob@example.com").await;
    let query =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }";
    let body = app
        .gql(
            query,
            json!({ "r": [{ "__typename": "User", "id": alice }] }),
            Some(&bob_token),
        )
        .await;
    // The email never leaves the subgraph. (async-graphql leaves the key out of `_entities`
    // items instead of nulling the item; the router applies null propagation.)
    assert!(body["data"]["_entities"][0]["email"].is_null(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert!(!body.to_string().contains("alice@example.com"));

    let public = app
        .gql(
            ENTITIES,
            json!({ "r": [{ "__typename": "User", "id": alice }] }),
            Some(&bob_token),
        )
        .await;
    assert_eq!(public["data"]["_entities"][0]["name"], "Casey Customer");

    let admin = app.admin_token().await;
    let as_admin = app
        .gql(
            query,
            json!({ "r": [{ "__typename": "User", "id": alice }] }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        as_admin["data"]["_entities"][0]["email"],
        "alice@example.com"
    );
}

async fn the_service_sdl_declares_the_user_entity(backend: Backend) {
    let app = Accounts::start(backend).await;
    let body = app.gql("{ _service { sdl } }", json!({}), None).await;
    let sdl = body["data"]["_service"]["sdl"].as_str().unwrap();
    assert!(sdl.contains("type User @key(fields: \"id\")"), "{sdl}");
    assert!(sdl.contains("me: User @authenticated"));
    assert!(sdl.contains("@requiresScopes(scopes: [[\"users:manage\"]])"));
    assert_eq!(
        sdl,
        (micromall_accounts::SUBGRAPH.sdl)(),
        "print-schema matches what the subgraph serves"
    );
}
