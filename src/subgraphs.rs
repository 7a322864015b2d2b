//! Every subgraph this binary can run, in port-table order (architecture.md).
//! Adding a domain is one line here.

use micromall_kit::SubgraphDef;

pub static ALL: &[&SubgraphDef] = &[
    &micromall_accounts::SUBGRAPH,
    &micromall_catalog::SUBGRAPH,
    &micromall_search::SUBGRAPH,
    &micromall_inventory::SUBGRAPH,
    &micromall_cart::SUBGRAPH,
    &micromall_orders::SUBGRAPH,
    &micromall_payments::SUBGRAPH,
];

pub fn find(name: &str) -> Option<&'static SubgraphDef> {
    ALL.iter().copied().find(|def| def.name == name)
}

pub fn names() -> String {
    ALL.iter()
        .map(|def| def.name)
        .collect::<Vec<_>>()
        .join(", ")
}
