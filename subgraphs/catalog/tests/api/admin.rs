use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Catalog, codes, error_code, shoe};
use micromall_kit::on_every_backend;

on_every_backend!(
    an_admin_creates_categories_and_products,
    customers_and_anonymous_callers_cannot_write,
    invalid_products_are_refused_with_their_codes,
    slugs_are_derived_unique_or_refused,
    updates_prices_and_archiving,
);

async fn an_admin_creates_categories_and_products(backend: Backend) {
    let app = Catalog::start(backend).await;
    let shoes = app.create_category("Shoes", None).await;
    let running = app.create_category("Running Shoes", Some(&shoes)).await;
    let body = app
        .create_product(shoe("Trail Runner 2", "TR2", Some(&running)))
        .await;
    let payload = &body["data"]["createProduct"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let product = &payload["product"];
    assert_eq!(product["slug"], "trail-runner-2");
    assert_eq!(
        product["price"],
        json!({ "amount": "79.50", "currency": "USD" }),
        "lowest variant price"
    );
    assert_eq!(product["category"]["name"], "Running Shoes");
    assert_eq!(product["tags"], json!(["running", "sale"]));
    assert_eq!(
        product["variants"][0]["attributes"],
        json!([{ "name": "Size", "value": "42" }])
    );

    let by_slug = app
        .gql(
            "{ product(slug: \"trail-runner-2\") { id variants { sku } category { slug parent { slug } } images { url alt } } }",
            json!({}),
            None,
        )
        .await;
    let p = &by_slug["data"]["product"];
    assert_eq!(
        p["variants"],
        json!([{ "sku": "TR2-42" }, { "sku": "TR2-43" }])
    );
    assert_eq!(
        p["category"],
        json!({ "slug": "running-shoes", "parent": { "slug": "shoes" } })
    );
    assert_eq!(
        p["images"],
        json!([{ "url": "https://cdn.example.com/shoe.jpg", "alt": "A shoe" }])
    );

    let tree = app
        .gql(
            "{ categories { slug children { slug children { slug } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        tree["data"]["categories"],
        json!([{ "slug": "shoes", "children": [{ "slug": "running-shoes", "children": [] }] }])
    );
}

async fn customers_and_anonymous_callers_cannot_write(backend: Backend) {
    let app = Catalog::start(backend).await;
    let mutation =
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }";
    let as_customer = app
        .gql(
            mutation,
            json!({ "i": shoe("Nope", "NOPE", None) }),
            Some(&app.customer),
        )
        .await;
    assert_eq!(error_code(&as_customer), "FORBIDDEN");
    let anonymous = app
        .gql(mutation, json!({ "i": shoe("Nope", "NOPE", None) }), None)
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let category = app
        .gql(
            "mutation { createCategory(input: { name: \"X\" }) { category { id } } }",
            json!({}),
            Some(&app.customer),
        )
        .await;
    assert_eq!(error_code(&category), "FORBIDDEN");
    let listed = app
        .gql("{ products { totalCount } }", json!({}), None)
        .await;
    assert_eq!(
        listed["data"]["products"]["totalCount"], 0,
        "nothing was written"
    );
}

async fn invalid_products_are_refused_with_their_codes(backend: Backend) {
    let app = Catalog::start(backend).await;
    app.create_product(shoe("First", "DUP", None)).await;

    let taken = app.create_product(shoe("Second", "DUP", None)).await;
    assert_eq!(
        codes(&taken["data"]["createProduct"]),
        ["SKU_TAKEN", "SKU_TAKEN"]
    );

    let mut twice = shoe("Twice", "TWICE", None);
    twice["variants"][1]["sku"] = json!("TWICE-42");
    assert!(
        codes(&app.create_product(twice).await["data"]["createProduct"])
            .contains(&"SKU_TAKEN".to_owned())
    );

    for price in ["0", "-5", "1.999"] {
        let mut bad = shoe("Bad price", &format!("BP{}", price.len()), None);
        bad["variants"][0]["price"] = json!(price);
        let body = app.create_product(bad).await;
        assert_eq!(
            codes(&body["data"]["createProduct"]),
            ["INVALID_PRICE"],
            "{price}: {body}"
        );
        assert_eq!(
            body["data"]["createProduct"]["userErrors"][0]["field"],
            json!(["input", "variants", "0", "price"])
        );
    }

    let mut none = shoe("No variants", "NV", None);
    none["variants"] = json!([]);
    assert_eq!(
        codes(&app.create_product(none).await["data"]["createProduct"]),
        ["NO_VARIANTS"]
    );

    let missing = app
        .create_product(shoe(
            "Lost",
            "LOST",
            Some("0199aaaa-0000-7000-8000-000000000000"),
        ))
        .await;
    assert_eq!(
        codes(&missing["data"]["createProduct"]),
        ["CATEGORY_NOT_FOUND"]
    );

    let unnamed = app.create_product(shoe(" ", "UN", None)).await;
    assert_eq!(codes(&unnamed["data"]["createProduct"]), ["INVALID_NAME"]);
    let long = app
        .create_product(shoe(&"x".repeat(201), "LONG", None))
        .await;
    assert_eq!(codes(&long["data"]["createProduct"]), ["INVALID_NAME"]);

    let listed = app
        .gql("{ products { totalCount } }", json!({}), None)
        .await;
    assert_eq!(
        listed["data"]["products"]["totalCount"], 1,
        "only the first product exists"
    );
}

async fn slugs_are_derived_unique_or_refused(backend: Backend) {
    let app = Catalog::start(backend).await;
    let a = app.create_product(shoe("Blue Sneaker", "BS1", None)).await;
    let b = app.create_product(shoe("Blue Sneaker", "BS2", None)).await;
    assert_eq!(
        a["data"]["createProduct"]["product"]["slug"],
        "blue-sneaker"
    );
    assert_eq!(
        b["data"]["createProduct"]["product"]["slug"],
        "blue-sneaker-2"
    );
    let mut explicit = shoe("Another", "BS3", None);
    explicit["slug"] = json!("blue-sneaker");
    assert_eq!(
        codes(&app.create_product(explicit).await["data"]["createProduct"]),
        ["SLUG_TAKEN"]
    );
    let mut invalid = shoe("Another", "BS4", None);
    invalid["slug"] = json!("Not A Slug");
    assert_eq!(
        codes(&app.create_product(invalid).await["data"]["createProduct"]),
        ["INVALID_SLUG"]
    );
}

async fn updates_prices_and_archiving(backend: Backend) {
    let app = Catalog::start(backend).await;
    let created = app.create_product(shoe("Road Racer", "RR", None)).await;
    let id = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let variant = created["data"]["createProduct"]["product"]["variants"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let updated = app
        .gql(
            "mutation($id: ID!) { updateProduct(id: $id, input: { name: \"Road Racer Pro\", tags: [\"Pro\"] }) { product { name tags slug } userErrors { code } } }",
            json!({ "id": id }),
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        updated["data"]["updateProduct"]["product"],
        json!({ "name": "Road Racer Pro", "tags": ["pro"], "slug": "road-racer" })
    );

    let repriced = app
        .gql(
            "mutation($v: ID!, $p: Decimal!) { setVariantPrice(variantId: $v, price: $p) { product { price { amount } } userErrors { code } } }",
            json!({ "v": variant, "p": "49.00" }),
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        repriced["data"]["setVariantPrice"]["product"]["price"]["amount"],
        "49.00"
    );
    let bad = app
        .gql(
            "mutation($v: ID!) { setVariantPrice(variantId: $v, price: \"0\") { userErrors { code } } }",
            json!({ "v": variant }),
            Some(&app.admin),
        )
        .await;
    assert_eq!(codes(&bad["data"]["setVariantPrice"]), ["INVALID_PRICE"]);

    let archived = app
        .gql(
            "mutation($id: ID!) { archiveProduct(id: $id) { product { id } userErrors { code } } }",
            json!({ "id": id }),
            Some(&app.admin),
        )
        .await;
    assert_eq!(archived["data"]["archiveProduct"]["userErrors"], json!([]));
    let shop = app
        .gql(
            "{ product(slug: \"road-racer\") { id } products { totalCount } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        shop["data"]["product"],
        json!(null),
        "archived products leave the shop"
    );
    assert_eq!(shop["data"]["products"]["totalCount"], 0);
    // Orders still resolve it through federation.
    let entity = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } } }",
            json!({ "r": [{ "__typename": "Product", "id": id }] }),
            None,
        )
        .await;
    assert_eq!(entity["data"]["_entities"][0]["name"], "Road Racer Pro");

    let unknown = app
        .gql(
            "mutation { archiveProduct(id: \"nope\") { userErrors { code } } }",
            json!({}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(codes(&unknown["data"]["archiveProduct"]), ["NOT_FOUND"]);
}
