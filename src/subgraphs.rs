//! Every subgraph this binary can run, in port-table order (architecture.md,
//! `micromall_kit::config::PORT_TABLE`). Adding a domain is one line here.

use micromall_kit::SubgraphDef;

pub static ALL: &[&SubgraphDef] = &[
    &micromall_accounts::SUBGRAPH,
    &micromall_catalog::SUBGRAPH,
    &micromall_search::SUBGRAPH,
    &micromall_inventory::SUBGRAPH,
    &micromall_cart::SUBGRAPH,
    &micromall_orders::SUBGRAPH,
    &micromall_payments::SUBGRAPH,
    &micromall_shipping::SUBGRAPH,
    &micromall_reviews::SUBGRAPH,
    &micromall_marketing::SUBGRAPH,
    &micromall_insights::SUBGRAPH,
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_subgraph_has_its_place_in_the_port_table() {
        let table = micromall_kit::config::PORT_TABLE;
        let names: Vec<&str> = super::ALL.iter().map(|def| def.name).collect();
        assert_eq!(names, table[..names.len()]);
    }
}
