//! The demo shop a fresh data directory gets (unless `MICROMALL_DEMO_DATA=0`): categories in
//! two levels and over a thousand products with variants, generated from a fixed seed so every
//! newcomer sees the same shop. It goes through the catalog's own rules and events, like any
//! admin's products would.

use anyhow::bail;
use micromall_catalog::service::{Catalog, NewProduct, NewVariant};
use rust_decimal::Decimal;

mod marketing;
mod shipping;
mod shopping;

pub use shopping::Shopping;

/// Seeds a fresh installation's demo shop into the prepared subgraphs: the catalog and its
/// stock, shipping zones and home-page banners. When the catalog was new, returns the demo customers' shopping,
/// to run once the router serves (they shop through it).
pub async fn prepare(
    prepared: &[micromall_kit::platform::PreparedSubgraph],
    router: std::net::SocketAddr,
) -> anyhow::Result<Option<Shopping>> {
    let runtime = |name: &str| {
        prepared
            .iter()
            .find(|p| p.def.name == name)
            .map(|p| &p.runtime)
    };
    if let Some(shipping) = runtime("shipping") {
        let shipping = micromall_shipping::service::Shipping::open(shipping)?;
        if shipping::zones(&shipping).await? {
            tracing::info!("demo shipping zones created");
        }
    }
    if let Some(marketing) = runtime("marketing") {
        let marketing = micromall_marketing::service::Marketing::open(marketing);
        if marketing::banners(&marketing).await? {
            tracing::info!("demo banners created");
        }
    }
    let Some(catalog) = runtime("catalog") else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let shop = Catalog::open(catalog);
    if !seed(&shop).await? {
        return Ok(None);
    }
    tracing::info!(products = PRODUCTS, elapsed = ?started.elapsed(), "demo catalog created");
    if let Some(inventory) = runtime("inventory") {
        let inventory = micromall_inventory::service::Inventory::open(inventory).await?;
        let variants = stock(&shop, &inventory).await?;
        tracing::info!(variants, "demo stock counted");
    }
    let Some(accounts) = runtime("accounts") else {
        return Ok(None);
    };
    // The demo's own fulfilment staff: a token signed as accounts signs them, for no account.
    let scopes = std::collections::BTreeSet::from([
        "fulfillment:write".to_owned(),
        "marketing:write".to_owned(),
    ]);
    let staff_token = accounts
        .token_issuer()?
        .issue(uuid::Uuid::now_v7(), &scopes)?
        .token;
    Ok(Some(Shopping {
        router: format!("http://{router}"),
        staff_token,
    }))
}

const SEED: u64 = 0x6d69_6372_6f6d_616c; // "micromal"
pub const PRODUCTS: usize = 1_200;

/// (department, [(category, nouns)], materials, price range in whole units)
type Department = (
    &'static str,
    [(&'static str, [&'static str; 3]); 4],
    [&'static str; 4],
    (u32, u32),
);

const DEPARTMENTS: [Department; 6] = [
    (
        "Footwear",
        [
            ("Running Shoes", ["Runner", "Racer", "Trainer"]),
            ("Hiking Boots", ["Boot", "Trekker", "Summit Boot"]),
            ("Sandals", ["Sandal", "Slide", "Flip-Flop"]),
            ("Sneakers", ["Sneaker", "Court Shoe", "Skate Shoe"]),
        ],
        ["Mesh", "Leather", "Suede", "Knit"],
        (35, 220),
    ),
    (
        "Clothing",
        [
            ("Jackets", ["Jacket", "Parka", "Windbreaker"]),
            ("T-Shirts", ["Tee", "Crew Tee", "V-Neck"]),
            ("Trousers", ["Chino", "Cargo Pant", "Jogger"]),
            ("Knitwear", ["Sweater", "Cardigan", "Hoodie"]),
        ],
        ["Cotton", "Merino", "Linen", "Fleece"],
        (15, 260),
    ),
    (
        "Outdoor",
        [
            ("Tents", ["Tent", "Shelter", "Tarp"]),
            ("Backpacks", ["Backpack", "Daypack", "Rucksack"]),
            ("Sleeping Bags", ["Sleeping Bag", "Quilt", "Liner"]),
            ("Camp Kitchen", ["Stove", "Cook Set", "Kettle"]),
        ],
        ["Nylon", "Ripstop", "Titanium", "Canvas"],
        (20, 480),
    ),
    (
        "Home",
        [
            ("Lighting", ["Lamp", "Pendant", "Lantern"]),
            ("Kitchen", ["Knife", "Pan", "Cutting Board"]),
            ("Textiles", ["Throw", "Cushion", "Rug"]),
            ("Storage", ["Basket", "Crate", "Shelf"]),
        ],
        ["Oak", "Ceramic", "Steel", "Wool"],
        (12, 340),
    ),
    (
        "Electronics",
        [
            ("Headphones", ["Headphones", "Earbuds", "Headset"]),
            ("Speakers", ["Speaker", "Soundbar", "Boombox"]),
            ("Chargers", ["Charger", "Power Bank", "Cable"]),
            ("Wearables", ["Watch", "Fitness Band", "Ring"]),
        ],
        ["Aluminium", "Carbon", "Graphite", "Matte"],
        (10, 420),
    ),
    (
        "Sports",
        [
            ("Cycling", ["Helmet", "Bottle Cage", "Bike Light"]),
            ("Yoga", ["Mat", "Block", "Strap"]),
            ("Swimming", ["Goggles", "Swim Cap", "Kickboard"]),
            ("Racket Sports", ["Racket", "Grip", "Shuttlecock Set"]),
        ],
        ["Pro", "Classic", "Lite", "Elite"],
        (8, 190),
    ),
];

const ADJECTIVES: [&str; 16] = [
    "Alpine",
    "Urban",
    "Coastal",
    "Midnight",
    "Everyday",
    "Featherweight",
    "Rugged",
    "Summit",
    "Velvet",
    "Nordic",
    "Sunset",
    "Arctic",
    "Meadow",
    "Harbor",
    "Canyon",
    "Aurora",
];
const COLORS: [&str; 8] = [
    "Black", "White", "Navy", "Olive", "Red", "Sand", "Grey", "Teal",
];
const SIZES: [&str; 5] = ["S", "M", "L", "XL", "XXL"];
const TAGS: [&str; 8] = [
    "new",
    "sale",
    "bestseller",
    "eco",
    "limited",
    "gift",
    "staff-pick",
    "outlet",
];

/// A small deterministic generator (SplitMix64): same seed, same shop, on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The demo products, in order: what the seed gives, no database involved.
pub fn products(category_ids: &[Vec<String>]) -> Vec<NewProduct> {
    let mut rng = Rng(SEED);
    (0..PRODUCTS)
        .map(|n| {
            let d = n % DEPARTMENTS.len();
            let (_, categories, materials, (low, high)) = &DEPARTMENTS[d];
            let c = rng.below(categories.len());
            let (category, nouns) = &categories[c];
            let noun = rng.pick(nouns);
            let name = format!(
                "{} {} {} {}",
                rng.pick(&ADJECTIVES),
                rng.pick(materials),
                noun,
                n / DEPARTMENTS.len() + 1
            );
            let base_cents = (u64::from(*low) * 100) + rng.next() % (u64::from(high - low) * 100);
            let base = Decimal::new((base_cents - base_cents % 5 + 4) as i64, 2); // prices end in 4 or 9 cents
            let sized = d <= 1;
            let variant_count = 2 + rng.below(3);
            let color_start = rng.below(COLORS.len());
            let variants = (0..variant_count)
                .map(|v| {
                    let color = COLORS[(color_start + v) % COLORS.len()];
                    let mut attributes = vec![("Color".to_owned(), color.to_owned())];
                    if sized {
                        attributes.push(("Size".to_owned(), SIZES[v % SIZES.len()].to_owned()));
                    }
                    NewVariant {
                        sku: format!("MM-{:04}-{}", n + 1, v + 1),
                        name: if sized {
                            format!("{color} / {}", SIZES[v % SIZES.len()])
                        } else {
                            color.to_owned()
                        },
                        price: base + Decimal::new((v as i64) * 500, 2),
                        attributes,
                        // 150 g to 3 kg, fixed per variant, for weight-based shipping rates.
                        weight_grams: Some(150 + ((n * 37 + v * 113) % 2851) as i32),
                    }
                })
                .collect();
            let tag_count = rng.below(3);
            let mut tags: Vec<String> = (0..tag_count)
                .map(|_| rng.pick(&TAGS).to_string())
                .collect();
            tags.push(category.to_lowercase().replace(' ', "-"));
            NewProduct {
                description: format!(
                    "The {name} is a {} {} from our {} range, made to last and easy to care for.",
                    materials[n % materials.len()].to_lowercase(),
                    noun.to_lowercase(),
                    category.to_lowercase()
                ),
                name,
                slug: None,
                category_id: category_ids.get(d).and_then(|ids| ids.get(c)).cloned(),
                tags,
                images: vec![(
                    format!("https://images.micromall.example/products/{}.jpg", n + 1),
                    Some(format!("Photo of product {}", n + 1)),
                )],
                variants,
            }
        })
        .collect()
}

/// Fills an empty catalog with the demo shop. Does nothing to a catalog that has anything.
pub async fn seed(catalog: &Catalog) -> anyhow::Result<bool> {
    if !catalog
        .is_empty()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    {
        return Ok(false);
    }
    let mut category_ids: Vec<Vec<String>> = Vec::new();
    for (department, categories, _, _) in &DEPARTMENTS {
        let parent = created(
            catalog.create_category(department, None, None).await,
            department,
        )?;
        let mut children = Vec::new();
        for (category, _) in categories {
            children.push(created(
                catalog.create_category(category, None, Some(&parent)).await,
                category,
            )?);
        }
        category_ids.push(children);
    }
    for product in products(&category_ids) {
        let name = product.name.clone();
        if let Err(err) = catalog.create_product(product).await {
            bail!("demo product {name} was refused: {err:?}");
        }
    }
    Ok(true)
}

/// Puts the demo products on the shelves: 5 to 50 of most variants, none of every 20th, the
/// same on every run.
pub async fn stock(
    catalog: &Catalog,
    inventory: &micromall_inventory::service::Inventory,
) -> anyhow::Result<usize> {
    let variants = catalog
        .variant_ids()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut rng = Rng(0x5eed_570c);
    let counts: Vec<(uuid::Uuid, i64)> = variants
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let quantity = if i % 20 == 19 {
                0
            } else {
                5 + rng.below(46) as i64
            };
            (*id, quantity)
        })
        .collect();
    inventory.stock_new_variants(&counts).await?;
    Ok(counts.len())
}

fn created<T: HasId, E: std::fmt::Debug>(
    outcome: Result<T, E>,
    what: &str,
) -> anyhow::Result<String> {
    match outcome {
        Ok(model) => Ok(model.id()),
        Err(err) => bail!("demo category {what} was refused: {err:?}"),
    }
}

trait HasId {
    fn id(&self) -> String;
}

impl HasId for micromall_catalog::service::CategoryModel {
    fn id(&self) -> String {
        self.id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_shop() {
        let ids: Vec<Vec<String>> = (0..6)
            .map(|d| (0..4).map(|c| format!("cat-{d}-{c}")).collect())
            .collect();
        let (a, b) = (products(&ids), products(&ids));
        assert_eq!(a.len(), PRODUCTS);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.name, y.name);
            assert_eq!(
                x.variants
                    .iter()
                    .map(|v| (&v.sku, v.price))
                    .collect::<Vec<_>>(),
                y.variants
                    .iter()
                    .map(|v| (&v.sku, v.price))
                    .collect::<Vec<_>>()
            );
        }
        let names: std::collections::BTreeSet<&String> = a.iter().map(|p| &p.name).collect();
        assert_eq!(names.len(), PRODUCTS, "names are unique");
        let categories: std::collections::BTreeSet<&Option<String>> =
            a.iter().map(|p| &p.category_id).collect();
        assert_eq!(categories.len(), 24, "every leaf category has products");
        let prices: std::collections::BTreeSet<Decimal> =
            a.iter().map(|p| p.variants[0].price).collect();
        assert!(prices.len() > 500, "prices vary");
        assert!(a.iter().all(|p| (2..=4).contains(&p.variants.len())));
    }
}
