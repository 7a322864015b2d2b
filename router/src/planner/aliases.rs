//! Internal aliases, where one subgraph operation would otherwise select one response key
//! twice in ways the subgraph rejects. Each is undone when the response merges.

use std::collections::HashMap;

use apollo_compiler::Name;

use super::Planner;
use super::groups::GroupId;
use super::selection::Sel;
use crate::operation::{Selection, SelectionSet};

impl Planner<'_> {
    /// Sibling fragments may select one response key with types that differ in the
    /// subgraph (`ID` on one type, `ID!` on another), which the subgraph would reject as a
    /// conflict: such fields get an internal alias, undone when the response merges.
    pub(super) fn alias_type_conflicts(
        &mut self,
        gid: GroupId,
        concrete: &Name,
        sels: &mut [Sel],
        seen: &mut HashMap<Name, String>,
    ) {
        let graph = self.groups[gid].graph;
        for sel in sels.iter_mut() {
            let Sel::Field { alias, name, .. } = sel else {
                continue;
            };
            if name == "__typename" {
                continue;
            }
            let key = alias.clone().unwrap_or_else(|| name.clone());
            let ty = self.field_type_in_graph(concrete, name, graph);
            match seen.get(&key) {
                Some(existing) if *existing != ty => {
                    let group = &mut self.groups[gid];
                    let internal =
                        Name::new_unchecked(&format!("mm__alias{}_{key}", group.renames.len()));
                    group.renames.push((internal.clone(), key));
                    *alias = Some(internal);
                }
                Some(_) => {}
                None => {
                    seen.insert(key, ty);
                }
            }
        }
    }
}

/// `@requires` fields with arguments get an alias of their own (stable: named by a hash of
/// the arguments), so they cannot clash with the same field the client selected with other
/// arguments.
pub(super) fn alias_fields_with_arguments(mut set: SelectionSet) -> SelectionSet {
    for item in &mut set.items {
        match item {
            Selection::Field(f) => {
                if !f.arguments.is_empty() && f.alias.is_none() {
                    let printed: Vec<String> = f
                        .arguments
                        .iter()
                        .map(|a| format!("{}:{}", a.name, a.value))
                        .collect();
                    let hash = fnv1a(printed.join(",").as_bytes());
                    f.alias = Some(Name::new_unchecked(&format!(
                        "{}__required_{:x}",
                        f.name,
                        hash & 0xffff_ffff
                    )));
                }
                if let Some(sub) = f.selection.take() {
                    f.selection = Some(alias_fields_with_arguments(sub));
                }
            }
            Selection::Fragment { selection, .. } => {
                *selection = alias_fields_with_arguments(std::mem::replace(
                    selection,
                    SelectionSet {
                        ty: selection.ty.clone(),
                        items: Vec::new(),
                    },
                ));
            }
        }
    }
    set
}

/// A small stable hash (FNV-1a), for internal alias names that must not change between
/// builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
