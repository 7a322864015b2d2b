//! What every subgraph schema shares: federation, limits, and the auth directives the router
//! enforces (`@authenticated`, `@policy`; `@requiresScopes` is built into async-graphql).

use async_graphql::{EmptySubscription, ObjectType, Schema, SchemaBuilder, TypeDirective};

/// Deep enough for any real query of ours, shallow enough to stop recursive abuse.
pub const MAX_DEPTH: usize = 16;
pub const MAX_COMPLEXITY: usize = 5_000;

/// `@authenticated`: the field needs a signed-in caller.
#[TypeDirective(location = "FieldDefinition", location = "Object")]
pub fn authenticated() {}

/// A subgraph schema builder with federation and limits switched on.
pub fn schema_builder<Q, M>(query: Q, mutation: M) -> SchemaBuilder<Q, M, EmptySubscription>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
{
    Schema::build(query, mutation, EmptySubscription)
        .enable_federation()
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(MAX_DEPTH * 2)
}

/// The SDL a subgraph publishes through `_service { sdl }`.
pub fn federation_sdl<Q, M>(schema: &Schema<Q, M, EmptySubscription>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
{
    schema.sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .federation()
            .compose_directive(),
    )
}
