use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Accounts, PASSWORD, error_code, scopes, user_error_codes};
use micromall_kit::on_every_backend;

on_every_backend!(
    customers_are_forbidden_and_anonymous_callers_unauthenticated,
    granted_roles_reach_the_next_token_and_revoked_ones_leave_it,
    role_management_reports_its_codes,
    the_first_admin_holds_every_permission,
    users_are_listed_with_search_and_keyset_pages,
    concurrent_revocations_never_leave_the_shop_without_an_admin,
);

const CREATE_ROLE: &str = "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id name permissions } userErrors { field code } } }";
const ASSIGN: &str = "mutation($u: ID!, $r: ID!) { assignRole(userId: $u, roleId: $r) { user { id roles { name } } userErrors { field code } } }";
const REVOKE: &str = "mutation($u: ID!, $r: ID!) { revokeRole(userId: $u, roleId: $r) { user { id roles { name } } userErrors { field code } } }";

async fn create_role(app: &Accounts, admin: &str, name: &str, permissions: &[&str]) -> Value {
    app.gql(
        CREATE_ROLE,
        json!({ "input": { "name": name, "permissions": permissions } }),
        Some(admin),
    )
    .await
}

async fn customers_are_forbidden_and_anonymous_callers_unauthenticated(backend: Backend) {
    let app = Accounts::start(backend).await;
    let (id, customer) = app.customer("shopper@example.com").await;
    for query in ["{ users { totalCount } }", "{ roles { name } }"] {
        assert_eq!(
            error_code(&app.gql(query, json!({}), Some(&customer)).await),
            "FORBIDDEN",
            "{query}"
        );
        assert_eq!(
            error_code(&app.gql(query, json!({}), None).await),
            "UNAUTHENTICATED",
            "{query}"
        );
    }
    let body = create_role(&app, &customer, "sneaky", &["users:manage"]).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .gql(ASSIGN, json!({ "u": id, "r": id }), Some(&customer))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

async fn granted_roles_reach_the_next_token_and_revoked_ones_leave_it(backend: Backend) {
    let app = Accounts::start(backend).await;
    let admin = app.admin_token().await;
    let (id, before) = app.customer("editor@example.com").await;
    assert!(!scopes(&before).contains(&"catalog:write".to_owned()));

    let role = create_role(&app, &admin, "catalog-editor", &["catalog:write"]).await;
    let role_id = role["data"]["createRole"]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        role["data"]["createRole"]["role"]["permissions"],
        json!(["catalog:write"])
    );

    let assigned = app
        .gql(ASSIGN, json!({ "u": id, "r": role_id }), Some(&admin))
        .await;
    let names: Vec<_> = assigned["data"]["assignRole"]["user"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(names.contains(&json!("catalog-editor")), "{assigned}");

    let (granted, refresh) = app.login("editor@example.com", PASSWORD).await;
    assert!(scopes(&granted).contains(&"catalog:write".to_owned()));

    app.gql(REVOKE, json!({ "u": id, "r": role_id }), Some(&admin))
        .await;
    let refreshed = app.refresh(&refresh).await;
    let token = refreshed["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    assert!(
        !scopes(token).contains(&"catalog:write".to_owned()),
        "revoked scope still in the next token"
    );
}

async fn role_management_reports_its_codes(backend: Backend) {
    let app = Accounts::start(backend).await;
    let admin = app.admin_token().await;
    let (id, _) = app.customer("someone@example.com").await;

    let bad_name = create_role(&app, &admin, "Has Spaces", &[]).await;
    assert_eq!(
        user_error_codes(&bad_name["data"]["createRole"]),
        ["INVALID_NAME"]
    );
    let bad_perm = create_role(&app, &admin, "odd", &["root:all"]).await;
    assert_eq!(
        user_error_codes(&bad_perm["data"]["createRole"]),
        ["INVALID_PERMISSION"]
    );
    let taken = create_role(&app, &admin, "customer", &[]).await;
    assert_eq!(
        user_error_codes(&taken["data"]["createRole"]),
        ["NAME_TAKEN"]
    );

    let missing = app
        .gql(
            ASSIGN,
            json!({ "u": id, "r": "0199aaaa-0000-7000-8000-000000000000" }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        user_error_codes(&missing["data"]["assignRole"]),
        ["NOT_FOUND"]
    );
    assert_eq!(
        missing["data"]["assignRole"]["userErrors"][0]["field"],
        json!(["roleId"])
    );
    let nonsense = app
        .gql(REVOKE, json!({ "u": "x", "r": "y" }), Some(&admin))
        .await;
    assert_eq!(
        user_error_codes(&nonsense["data"]["revokeRole"]),
        ["NOT_FOUND", "NOT_FOUND"]
    );

    // The only administrator keeps the admin role.
    let admin_role = app.role_id(&admin, "admin").await;
    let me = app.my_id(&admin).await;
    let last = app
        .gql(REVOKE, json!({ "u": me, "r": admin_role }), Some(&admin))
        .await;
    assert_eq!(
        user_error_codes(&last["data"]["revokeRole"]),
        ["LAST_ADMIN"]
    );
}

async fn the_first_admin_holds_every_permission(backend: Backend) {
    let app = Accounts::start(backend).await;
    let admin = app.admin_token().await;
    let mut granted = scopes(&admin);
    granted.sort();
    let mut all: Vec<String> = micromall_kit::auth::PERMISSIONS
        .iter()
        .map(|p| p.to_string())
        .collect();
    all.sort();
    assert_eq!(granted, all);
}

async fn users_are_listed_with_search_and_keyset_pages(backend: Backend) {
    let app = Accounts::start(backend).await;
    let admin = app.admin_token().await;
    for n in 0..3 {
        app.register(
            &format!("page{n}@example.com"),
            PASSWORD,
            &format!("Pager {n}"),
        )
        .await;
    }
    app.register("other@example.com", PASSWORD, "100%_literal")
        .await;
    let query = "query($first: Int, $after: String, $q: String) { users(first: $first, after: $after, query: $q) { totalCount edges { cursor node { email } } pageInfo { hasNextPage endCursor } } }";
    let first = app
        .gql(query, json!({ "first": 2, "q": "PAGE" }), Some(&admin))
        .await;
    let users = &first["data"]["users"];
    assert_eq!(users["totalCount"], 3, "{first}");
    assert_eq!(users["edges"].as_array().unwrap().len(), 2);
    assert_eq!(users["pageInfo"]["hasNextPage"], true);
    let after = users["pageInfo"]["endCursor"].as_str().unwrap();
    let second = app
        .gql(
            query,
            json!({ "first": 2, "after": after, "q": "page" }),
            Some(&admin),
        )
        .await;
    let emails: Vec<_> = second["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].clone())
        .collect();
    assert_eq!(emails, [json!("page2@example.com")]);
    assert_eq!(second["data"]["users"]["pageInfo"]["hasNextPage"], false);

    // LIKE wildcards in the search are literal.
    let literal = app.gql(query, json!({ "q": "0%_l" }), Some(&admin)).await;
    assert_eq!(literal["data"]["users"]["totalCount"], 1, "{literal}");
    let zero = app.gql(query, json!({ "first": 0 }), Some(&admin)).await;
    assert_eq!(error_code(&zero), "BAD_USER_INPUT");
    let bad_cursor = app
        .gql(query, json!({ "after": "bm9wZQ" }), Some(&admin))
        .await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");
}

/// Two administrators revoke each other's `admin` at the same moment: one must win, the
/// other get `LAST_ADMIN`. Repeated, since a race shows only sometimes.
async fn concurrent_revocations_never_leave_the_shop_without_an_admin(backend: Backend) {
    let app = Accounts::start(backend).await;
    let boss = app.admin_token().await;
    let admin_role = app.role_id(&boss, "admin").await;
    let mut remaining = app.my_id(&boss).await;
    for round in 0..8 {
        let (deputy, _) = app.customer(&format!("deputy{round}@example.com")).await;
        let granted = app
            .gql(ASSIGN, json!({ "u": deputy, "r": admin_role }), Some(&boss))
            .await;
        assert_eq!(
            user_error_codes(&granted["data"]["assignRole"]),
            Vec::<String>::new()
        );

        // The boss's token still carries users:manage whoever holds the role now.
        let revoke = |user: Value| {
            let app = &app;
            let boss = &boss;
            let admin_role = admin_role.clone();
            async move {
                app.gql(REVOKE, json!({ "u": user, "r": admin_role }), Some(boss))
                    .await
            }
        };
        let (a, b) = tokio::join!(revoke(remaining.clone()), revoke(json!(deputy)));
        let mut codes = [a, b]
            .iter()
            .map(|body| {
                user_error_codes(&body["data"]["revokeRole"])
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "REVOKED".to_owned())
            })
            .collect::<Vec<_>>();
        codes.sort();
        assert_eq!(codes, ["LAST_ADMIN", "REVOKED"], "round {round}");

        let admins = admins(&app, &boss).await;
        assert_eq!(admins.len(), 1, "round {round}: admins left {admins:?}");
        remaining = admins[0].clone();
    }
}

/// The ids of every user holding `admin`.
async fn admins(app: &Accounts, token: &str) -> Vec<Value> {
    let body = app
        .gql(
            "{ users(first: 100) { nodes { id roles { name } } } }",
            json!({}),
            Some(token),
        )
        .await;
    body["data"]["users"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("users: {body}"))
        .iter()
        .filter(|u| {
            u["roles"]
                .as_array()
                .is_some_and(|roles| roles.iter().any(|r| r["name"] == "admin"))
        })
        .map(|u| u["id"].clone())
        .collect()
}
