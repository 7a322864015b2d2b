//! Queries on the catalog tables. Every list is fetched for many parents at once.

use std::collections::HashMap;

use chrono::Utc;
use micromall_kit::db::{UniqueKey, violated};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use crate::entity::{category, product, product_image, product_tag, variant};

/// What a write's unique constraint says is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    ProductSlug,
    Sku,
    CategorySlug,
}

/// The catalog's unique keys, as each database names them (see the catalog migration).
const UNIQUE_KEYS: [UniqueKey<Taken>; 3] = [
    UniqueKey {
        postgres: "products_slug_key",
        sqlite: "products.slug",
        means: Taken::ProductSlug,
    },
    UniqueKey {
        postgres: "variants_sku_key",
        sqlite: "variants.sku",
        means: Taken::Sku,
    },
    UniqueKey {
        postgres: "categories_slug_key",
        sqlite: "categories.slug",
        means: Taken::CategorySlug,
    },
];

/// Which unique key a failed write ran into, if that is why it failed (a race lost).
pub fn taken(err: &DbErr) -> Option<Taken> {
    violated(err, &UNIQUE_KEYS).copied()
}

pub async fn product(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<product::Model>, DbErr> {
    product::Entity::find_by_id(id).one(db).await
}

pub async fn category(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<category::Model>, DbErr> {
    category::Entity::find_by_id(id).one(db).await
}

pub async fn variant(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<variant::Model>, DbErr> {
    variant::Entity::find_by_id(id).one(db).await
}

/// Every variant id, in creation order.
pub async fn variant_ids(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    variant::Entity::find()
        .select_only()
        .column(variant::Column::Id)
        .order_by_asc(variant::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

pub async fn products_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<product::Model>, DbErr> {
    product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

pub async fn product_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<product::Model>, DbErr> {
    product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .one(db)
        .await
}

pub async fn slug_exists(db: &impl ConnectionTrait, slug: &str) -> Result<bool, DbErr> {
    Ok(product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .count(db)
        .await?
        > 0)
}

/// A page of shop-visible products in creation order.
pub async fn list_products(
    db: &impl ConnectionTrait,
    category: Option<&[Uuid]>,
    tag: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<product::Model>, u64), DbErr> {
    let mut condition = Condition::all().add(product::Column::ArchivedAt.is_null());
    if let Some(categories) = category {
        condition = condition.add(product::Column::CategoryId.is_in(categories.iter().copied()));
    }
    if let Some(tag) = tag {
        let tagged = product_tag::Entity::find()
            .select_only()
            .column(product_tag::Column::ProductId)
            .filter(product_tag::Column::Tag.eq(tag.to_lowercase()))
            .as_query()
            .to_owned();
        condition = condition.add(product::Column::Id.in_subquery(tagged));
    }
    let total = product::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    let mut query = product::Entity::find().filter(condition);
    if let Some(after) = after {
        query = query.filter(product::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(product::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every product, archived ones too, in id order.
pub async fn products_page(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<product::Model>, DbErr> {
    let mut query = product::Entity::find();
    if let Some(after) = after {
        query = query.filter(product::Column::Id.gt(after));
    }
    query
        .order_by_asc(product::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn variants_by_product(
    db: &impl ConnectionTrait,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<variant::Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<variant::Model>> = HashMap::new();
    for v in variant::Entity::find()
        .filter(variant::Column::ProductId.is_in(products.iter().copied()))
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?
    {
        out.entry(v.product_id).or_default().push(v);
    }
    Ok(out)
}

pub async fn variants_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<variant::Model>, DbErr> {
    variant::Entity::find()
        .filter(variant::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

pub async fn existing_skus(
    db: &impl ConnectionTrait,
    skus: &[String],
) -> Result<Vec<String>, DbErr> {
    Ok(variant::Entity::find()
        .filter(variant::Column::Sku.is_in(skus.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.sku)
        .collect())
}

pub async fn tags_by_product(
    db: &impl ConnectionTrait,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in product_tag::Entity::find()
        .filter(product_tag::Column::ProductId.is_in(products.iter().copied()))
        .order_by_asc(product_tag::Column::Tag)
        .all(db)
        .await?
    {
        out.entry(t.product_id).or_default().push(t.tag);
    }
    Ok(out)
}

pub async fn images_by_product(
    db: &impl ConnectionTrait,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<product_image::Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<product_image::Model>> = HashMap::new();
    for i in product_image::Entity::find()
        .filter(product_image::Column::ProductId.is_in(products.iter().copied()))
        .order_by_asc(product_image::Column::Position)
        .all(db)
        .await?
    {
        out.entry(i.product_id).or_default().push(i);
    }
    Ok(out)
}

pub async fn categories_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The first `limit` shop-visible products (by id) of each of `categories`, and how many
/// each holds: two queries for any number of categories.
pub async fn first_products_per_category(
    db: &impl ConnectionTrait,
    categories: &[Uuid],
    limit: u64,
) -> Result<(Vec<product::Model>, HashMap<Uuid, u64>), DbErr> {
    if categories.is_empty() {
        return Ok((Vec::new(), HashMap::new()));
    }
    let backend = db.get_database_backend();
    let placeholder = |i: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${i}"),
        _ => "?".to_owned(),
    };
    let list: Vec<String> = (1..=categories.len()).map(placeholder).collect();
    let mut values: Vec<sea_orm::Value> = categories.iter().map(|c| (*c).into()).collect();
    values.push((limit as i64).into());
    let ranked = format!(
        "SELECT id, slug, name, description, category_id, archived_at, created_at, updated_at FROM (\
           SELECT p.*, ROW_NUMBER() OVER (PARTITION BY p.category_id ORDER BY p.id) AS rn \
           FROM products p WHERE p.archived_at IS NULL AND p.category_id IN ({})\
         ) ranked WHERE rn <= {}",
        list.join(", "),
        placeholder(categories.len() + 1)
    );
    let rows = product::Entity::find()
        .from_raw_sql(sea_orm::Statement::from_sql_and_values(
            backend, ranked, values,
        ))
        .all(db)
        .await?;
    use sea_orm::FromQueryResult as _;
    #[derive(sea_orm::FromQueryResult)]
    struct Count {
        category_id: Uuid,
        n: i64,
    }
    let counted = format!(
        "SELECT category_id, COUNT(*) AS n FROM products WHERE archived_at IS NULL AND category_id IN ({}) GROUP BY category_id",
        list.join(", ")
    );
    let counts = Count::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend,
        counted,
        categories
            .iter()
            .map(|c| (*c).into())
            .collect::<Vec<sea_orm::Value>>(),
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|c| (c.category_id, c.n.max(0) as u64))
    .collect();
    Ok((rows, counts))
}

/// Children of many categories, keyed by parent.
pub async fn children_by_parent(
    db: &impl ConnectionTrait,
    parents: &[Uuid],
) -> Result<HashMap<Uuid, Vec<category::Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<category::Model>> = HashMap::new();
    for c in category::Entity::find()
        .filter(category::Column::ParentId.is_in(parents.iter().copied()))
        .order_by_asc(category::Column::Name)
        .all(db)
        .await?
    {
        if let Some(parent) = c.parent_id {
            out.entry(parent).or_default().push(c);
        }
    }
    Ok(out)
}

pub async fn root_categories(db: &impl ConnectionTrait) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::ParentId.is_null())
        .order_by_asc(category::Column::Name)
        .all(db)
        .await
}

pub async fn all_categories(db: &impl ConnectionTrait) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .order_by_asc(category::Column::Name)
        .all(db)
        .await
}

pub async fn category_slug_exists(db: &impl ConnectionTrait, slug: &str) -> Result<bool, DbErr> {
    Ok(category::Entity::find()
        .filter(category::Column::Slug.eq(slug))
        .count(db)
        .await?
        > 0)
}

pub async fn insert_category(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    parent: Option<Uuid>,
) -> Result<category::Model, DbErr> {
    category::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        parent_id: Set(parent),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

pub async fn insert_product(
    db: &impl ConnectionTrait,
    model: product::Model,
) -> Result<product::Model, DbErr> {
    product::ActiveModel {
        id: Set(model.id),
        slug: Set(model.slug),
        name: Set(model.name),
        description: Set(model.description),
        category_id: Set(model.category_id),
        archived_at: Set(model.archived_at),
        created_at: Set(model.created_at),
        updated_at: Set(model.updated_at),
    }
    .insert(db)
    .await
}

pub async fn replace_tags(
    db: &impl ConnectionTrait,
    product: Uuid,
    tags: &[String],
) -> Result<(), DbErr> {
    product_tag::Entity::delete_many()
        .filter(product_tag::Column::ProductId.eq(product))
        .exec(db)
        .await?;
    if !tags.is_empty() {
        product_tag::Entity::insert_many(tags.iter().map(|t| product_tag::ActiveModel {
            product_id: Set(product),
            tag: Set(t.clone()),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn replace_images(
    db: &impl ConnectionTrait,
    product: Uuid,
    images: &[(String, Option<String>)],
) -> Result<(), DbErr> {
    product_image::Entity::delete_many()
        .filter(product_image::Column::ProductId.eq(product))
        .exec(db)
        .await?;
    if !images.is_empty() {
        product_image::Entity::insert_many(images.iter().enumerate().map(|(i, (url, alt))| {
            product_image::ActiveModel {
                product_id: Set(product),
                position: Set(i as i32),
                url: Set(url.clone()),
                alt: Set(alt.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn insert_variants(
    db: &impl ConnectionTrait,
    variants: Vec<variant::Model>,
) -> Result<(), DbErr> {
    variant::Entity::insert_many(variants.into_iter().map(|v| variant::ActiveModel {
        id: Set(v.id),
        product_id: Set(v.product_id),
        sku: Set(v.sku),
        name: Set(v.name),
        price: Set(v.price),
        attributes: Set(v.attributes),
        position: Set(v.position),
        created_at: Set(v.created_at),
        weight_grams: Set(v.weight_grams),
    }))
    .exec(db)
    .await?;
    Ok(())
}

pub async fn update_product_fields(
    db: &impl ConnectionTrait,
    model: &product::Model,
) -> Result<(), DbErr> {
    product::ActiveModel {
        id: Set(model.id),
        slug: Set(model.slug.clone()),
        name: Set(model.name.clone()),
        description: Set(model.description.clone()),
        category_id: Set(model.category_id),
        archived_at: Set(model.archived_at),
        created_at: Set(model.created_at),
        updated_at: Set(Utc::now()),
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_variant_price(
    db: &impl ConnectionTrait,
    variant: Uuid,
    price: rust_decimal::Decimal,
) -> Result<bool, DbErr> {
    let result = variant::Entity::update_many()
        .col_expr(variant::Column::Price, Expr::value(price))
        .filter(variant::Column::Id.eq(variant))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
