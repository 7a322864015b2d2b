//! Search on a 100,000-product Tantivy index: build time, query latency percentiles and
//! throughput for the kinds of query shoppers send, and peak memory.
//!
//!     cargo bench -p micromall-search --bench search [-- PRODUCTS]
//!
//! Results are recorded in BENCHMARKS.md at the repository root.

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use micromall_search::store::tantivy::TantivyEngine;
use micromall_search::store::{CategoryRef, Filter, ProductDoc, SearchRequest, Sort};
use rust_decimal::Decimal;
use uuid::Uuid;

const WORDS: [&str; 24] = [
    "alpine", "urban", "trail", "runner", "jacket", "boot", "leather", "merino", "lantern",
    "kayak", "helmet", "speaker", "cotton", "summit", "canvas", "ceramic", "graphite", "velvet",
    "nordic", "harbor", "canyon", "aurora", "meadow", "sunset",
];

fn doc(n: u64) -> ProductDoc {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut pick = || {
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        (x >> 33) as usize
    };
    let name = format!(
        "{} {} {} {n}",
        WORDS[pick() % 24],
        WORDS[pick() % 24],
        WORDS[pick() % 24]
    );
    let department = (pick() % 6) as u128;
    let category = department * 10 + (pick() % 4) as u128;
    ProductDoc {
        id: Uuid::from_u128(u128::from(n) + 1),
        description: format!(
            "The {name} is made to last, from our {} range.",
            WORDS[pick() % 24]
        ),
        name,
        category_path: vec![
            CategoryRef {
                id: Uuid::from_u128(1_000_000 + category),
                name: format!("Category {category}"),
            },
            CategoryRef {
                id: Uuid::from_u128(1_000_000 + department),
                name: format!("Department {department}"),
            },
        ],
        tags: vec![
            WORDS[pick() % 24].to_owned(),
            ["new", "sale", "eco"][pick() % 3].to_owned(),
        ],
        min_price: Some(Decimal::new((pick() % 50_000) as i64 + 500, 2)),
        created_at: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
        in_stock: pick() % 10 != 0,
        rating: (pick() % 50) as f64 / 10.0,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn main() -> anyhow::Result<()> {
    let products: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("mm-search-bench-{}", Uuid::now_v7().simple()));
    let engine = TantivyEngine::open(&dir)?;

    let started = Instant::now();
    for n in 0..products {
        engine.upsert(&doc(n))?;
    }
    engine.commit()?;
    let build = started.elapsed();

    let queries: Vec<(&str, SearchRequest)> = vec![
        (
            "exact two words",
            request(Some("trail jacket"), Filter::default(), Sort::Relevance),
        ),
        (
            "misspelled",
            request(Some("leathr jackett"), Filter::default(), Sort::Relevance),
        ),
        (
            "prefix (as you type)",
            request(Some("alpine jac"), Filter::default(), Sort::Relevance),
        ),
        (
            "filters only, price sort",
            request(
                None,
                Filter {
                    category_ids: vec![Uuid::from_u128(1_000_002)],
                    max_price: Some(Decimal::from_str("100")?),
                    ..Filter::default()
                },
                Sort::PriceAsc,
            ),
        ),
        (
            "text + tag, newest",
            request(
                Some("summit"),
                Filter {
                    tags: vec!["sale".into()],
                    ..Filter::default()
                },
                Sort::Newest,
            ),
        ),
    ];
    println!(
        "products: {products}, index build: {:.1} s ({:.0} products/s)",
        build.as_secs_f64(),
        products as f64 / build.as_secs_f64()
    );
    println!();
    println!("| query | p50 | p95 | p99 | queries/s (1 thread) | matches |");
    println!("|---|---|---|---|---|---|");
    for (label, query) in &queries {
        for _ in 0..20 {
            engine.search(query)?;
        }
        let mut times = Vec::new();
        let mut matches = 0;
        let run = Instant::now();
        while times.len() < 300 {
            let t = Instant::now();
            matches = engine.search(query)?.total;
            times.push(t.elapsed());
        }
        let elapsed = run.elapsed();
        times.sort();
        println!(
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {matches} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 0.99)),
            times.len() as f64 / elapsed.as_secs_f64()
        );
    }
    println!();
    println!(
        "peak RSS: {} MiB; index on disk: {} MiB",
        peak_rss_mib(),
        dir_size(&dir) / (1024 * 1024)
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn request(text: Option<&str>, filter: Filter, sort: Sort) -> SearchRequest {
    SearchRequest {
        text: text.map(str::to_owned),
        filter,
        sort,
        offset: 0,
        limit: 21,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
