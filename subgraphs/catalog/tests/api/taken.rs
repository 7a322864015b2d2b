//! A slug or SKU someone already has is refused on the field that carries it: the slug on
//! `["input", "slug"]`, a SKU on its own variant's `sku`, whether the other holder was there
//! before we looked or won a race with us.

use futures::future::join_all;
use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Catalog, shoe};

on_every_backend!(
    a_slug_another_product_has_is_refused_on_the_slug,
    a_sku_another_product_has_is_refused_on_that_variant,
    a_sku_repeated_within_the_input_is_refused_on_the_repeat,
    of_racing_creates_with_one_slug_exactly_one_succeeds,
    of_racing_creates_with_one_sku_exactly_one_succeeds,
);

/// `[(field, code)]` of a `createProduct` answer's user errors.
fn refusals(body: &Value) -> Vec<(Value, String)> {
    body["data"]["createProduct"]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no createProduct payload: {body}"))
        .iter()
        .map(|e| {
            (
                e["field"].clone(),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn sku_of_variant(index: usize) -> Value {
    json!(["input", "variants", index.to_string(), "sku"])
}

async fn product_count(app: &Catalog) -> i64 {
    let body = app
        .gql("{ products { totalCount } }", json!({}), None)
        .await;
    body["data"]["products"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("no count: {body}"))
}

/// A product input whose variants have these SKUs.
fn with_skus(name: &str, skus: &[&str]) -> Value {
    let mut input = shoe(name, "UNUSED", None);
    input["variants"] = skus
        .iter()
        .enumerate()
        .map(|(i, sku)| json!({ "sku": sku, "name": format!("Variant {i}"), "price": "10.00" }))
        .collect();
    input
}

async fn a_slug_another_product_has_is_refused_on_the_slug(backend: Backend) {
    let app = Catalog::start(backend).await;
    let mut first = shoe("Trail Runner", "TR", None);
    first["slug"] = json!("trail-runner");
    let created = app.create_product(first).await;
    assert_eq!(created["data"]["createProduct"]["userErrors"], json!([]));

    let mut second = shoe("Another Runner", "AR", None);
    second["slug"] = json!("trail-runner");
    let refused = app.create_product(second).await;
    assert_eq!(
        refusals(&refused),
        [(json!(["input", "slug"]), "SLUG_TAKEN".to_owned())],
        "{refused}"
    );
    assert_eq!(refused["data"]["createProduct"]["product"], json!(null));
    assert_eq!(product_count(&app).await, 1);
}

async fn a_sku_another_product_has_is_refused_on_that_variant(backend: Backend) {
    let app = Catalog::start(backend).await;
    app.create_product(with_skus("Holder", &["H-1", "H-2", "H-3"]))
        .await;

    let one = app
        .create_product(with_skus("Middle", &["M-1", "H-2", "M-3"]))
        .await;
    assert_eq!(
        refusals(&one),
        [(sku_of_variant(1), "SKU_TAKEN".to_owned())],
        "{one}"
    );
    assert_eq!(
        one["data"]["createProduct"]["userErrors"][0]["message"],
        "SKU H-2 is taken"
    );

    // Each taken SKU on its own variant, in input order.
    let two = app
        .create_product(with_skus("Ends", &["H-3", "E-2", "H-1"]))
        .await;
    assert_eq!(
        refusals(&two),
        [
            (sku_of_variant(0), "SKU_TAKEN".to_owned()),
            (sku_of_variant(2), "SKU_TAKEN".to_owned()),
        ],
        "{two}"
    );
    assert_eq!(product_count(&app).await, 1);
}

async fn a_sku_repeated_within_the_input_is_refused_on_the_repeat(backend: Backend) {
    let app = Catalog::start(backend).await;
    let body = app
        .create_product(with_skus("Twice", &["T-1", "T-2", "T-1"]))
        .await;
    assert_eq!(
        refusals(&body),
        [(sku_of_variant(2), "SKU_TAKEN".to_owned())],
        "{body}"
    );
    assert_eq!(product_count(&app).await, 0);
}

/// Creates `inputs` all at once; the answers in the same order.
async fn all_at_once(app: &Catalog, inputs: Vec<Value>) -> Vec<Value> {
    join_all(inputs.into_iter().map(|input| app.create_product(input))).await
}

async fn of_racing_creates_with_one_slug_exactly_one_succeeds(backend: Backend) {
    let app = Catalog::start(backend).await;
    let inputs = (0..6)
        .map(|n| {
            let mut input = shoe(&format!("Racer {n}"), &format!("RS{n}"), None);
            input["slug"] = json!("racer");
            input
        })
        .collect();
    let answers = all_at_once(&app, inputs).await;
    let (won, lost): (Vec<&Value>, Vec<&Value>) = answers
        .iter()
        .partition(|body| body["data"]["createProduct"]["product"].is_object());
    assert_eq!(won.len(), 1, "{answers:#?}");
    assert_eq!(won[0]["data"]["createProduct"]["product"]["slug"], "racer");
    for body in lost {
        assert_eq!(
            refusals(body),
            [(json!(["input", "slug"]), "SLUG_TAKEN".to_owned())],
            "{body}"
        );
    }
    assert_eq!(product_count(&app).await, 1);
}

async fn of_racing_creates_with_one_sku_exactly_one_succeeds(backend: Backend) {
    let app = Catalog::start(backend).await;
    // The shared SKU stands first in some inputs and second in others, so a loser's
    // refusal shows it names the variant of its own input.
    let shared_at = |n: usize| n % 2;
    let inputs = (0..6)
        .map(|n| {
            let own = format!("RK{n}");
            let mut skus = vec![own.as_str(); 2];
            skus[shared_at(n)] = "SHARED-1";
            with_skus(&format!("Racer {n}"), &skus)
        })
        .collect();
    let answers = all_at_once(&app, inputs).await;
    let winners: Vec<usize> = (0..answers.len())
        .filter(|&n| answers[n]["data"]["createProduct"]["product"].is_object())
        .collect();
    assert_eq!(winners.len(), 1, "{answers:#?}");
    for (n, body) in answers.iter().enumerate() {
        if n != winners[0] {
            assert_eq!(
                refusals(body),
                [(sku_of_variant(shared_at(n)), "SKU_TAKEN".to_owned())],
                "{body}"
            );
        }
    }
    assert_eq!(product_count(&app).await, 1);
}
