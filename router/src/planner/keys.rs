//! Keys and representations: which `@key` names an entity for the subgraph a jump goes to,
//! and what the current fetch must select so each representation carries it (with the
//! `@requires` fields the target needs).

use apollo_compiler::Name;

use super::aliases::alias_fields_with_arguments;
use super::selection::{Sel, merge};
use super::walk::At;
use super::{PlanError, Planner};
use crate::operation::{Field, Selection, from_field_set};
use crate::supergraph::{FieldSource, GraphId, Key};

/// Where an entity fetch goes: the subgraph, the type the entity goes by there, the key.
pub(super) struct EntityTarget {
    pub graph: GraphId,
    pub ty: Name,
    pub key: Key,
}

/// What the current fetch selects to feed an entity fetch, and the representation's shape.
type Inputs = (Vec<Sel>, Vec<Sel>);

impl Planner<'_> {
    /// Where an entity of `ty` held by `from` can be fetched from `to`, and whether its key
    /// is local to `from`.
    pub(super) fn target(
        &self,
        from: GraphId,
        ty: &Name,
        to: GraphId,
    ) -> Option<(EntityTarget, bool)> {
        let entity = self.sg.entity_type_in_graph(ty, to)?;
        let (key, local) = self.pick_key(from, ty, &entity, to)?;
        Some((
            EntityTarget {
                graph: to,
                ty: entity,
                key,
            },
            local,
        ))
    }

    /// A resolvable key of `entity` (the type `ty` goes by in `to`), preferring one whose
    /// fields `from` has itself. The flag says whether the key is local to `from`.
    pub(super) fn pick_key(
        &self,
        from: GraphId,
        ty: &Name,
        entity: &Name,
        to: GraphId,
    ) -> Option<(Key, bool)> {
        let keys: Vec<Key> = self
            .sg
            .type_in_graph(entity, to)?
            .keys
            .iter()
            .filter(|k| k.resolvable)
            .cloned()
            .collect();
        let local = keys
            .iter()
            .find(|k| self.fields_local(from, ty, &from_field_set(&k.fields)));
        match local {
            Some(k) => Some((k.clone(), true)),
            None => keys.into_iter().next().map(|k| (k, false)),
        }
    }

    /// Plans, in `at.group`, what an entity fetch of `field` needs: typename, key and
    /// `@requires` fields.
    pub(super) fn plan_entity_inputs(
        &mut self,
        at: At,
        field: &Field,
        source: &FieldSource,
        key: &Key,
    ) -> Result<Inputs, PlanError> {
        let (mut local, mut representation) = self.plan_key(at, key, &field.name)?;
        if let Some(requires) = &source.requires {
            let required = alias_fields_with_arguments(from_field_set(requires));
            let (required_sels, required_failed) = self.plan_set(at, &required.items, None)?;
            if !required_failed.is_empty() {
                return Err(PlanError::unreachable(at.ty, &field.name));
            }
            merge(&mut local, required_sels);
            merge(&mut representation, to_sels(&required.items));
        }
        Ok((local, representation))
    }

    /// Plans, in `at.group`, the typename and `key` of the entity of type `at.ty`
    /// (unreachable when the group cannot get the key, for `field`'s sake).
    pub(super) fn plan_key(&mut self, at: At, key: &Key, field: &str) -> Result<Inputs, PlanError> {
        let key_set = from_field_set(&key.fields);
        let (key_sels, key_failed) = self.plan_set(at, &key_set.items, None)?;
        if !key_failed.is_empty() {
            return Err(PlanError::unreachable(at.ty, field));
        }
        let mut local = vec![Sel::typename()];
        merge(&mut local, key_sels);
        let mut representation = vec![Sel::typename()];
        merge(&mut representation, to_sels(&key_set.items));
        Ok((local, representation))
    }
}

/// A field set as plain selections (no planning: for representations).
fn to_sels(items: &[Selection]) -> Vec<Sel> {
    items
        .iter()
        .map(|item| match item {
            Selection::Field(f) => Sel::Field {
                alias: f.alias.clone(),
                name: f.name.clone(),
                arguments: f.arguments.clone(),
                selections: f
                    .selection
                    .as_ref()
                    .map(|s| to_sels(&s.items))
                    .unwrap_or_default(),
            },
            Selection::Fragment { on, selection } => Sel::Fragment {
                on: on.clone(),
                selections: to_sels(&selection.items),
            },
        })
        .collect()
}
