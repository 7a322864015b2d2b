//! What every subgraph schema shares: federation, limits, the auth directives the router
//! enforces (`@authenticated`, `@policy`; `@requiresScopes` is built into async-graphql) and
//! the demand-control directive it estimates costs with (`@listSize`).

use std::sync::{Arc, LazyLock};

use async_graphql::{Context, EmptySubscription, ObjectType, Schema, SchemaBuilder, TypeDirective};

use crate::auth::{ClientAddr, Viewer};
use crate::error::{ApiError, ApiResult};

/// Deep enough for any real query of ours, shallow enough to stop recursive abuse.
pub const MAX_DEPTH: usize = 16;
/// Fields a request may resolve, a paged list counting its fields once per item asked for
/// (`paged_complexity`): the router refuses costly operations first; this is the subgraph's
/// own guard for whoever reaches it directly.
pub const MAX_COMPLEXITY: usize = 20_000;

/// Items a page holds when the client does not say (`first`'s default) and at most.
pub const PAGE_DEFAULT: i32 = 20;
pub const PAGE_MAX: i32 = 100;

/// `@authenticated`: the field needs a signed-in caller.
#[TypeDirective(location = "FieldDefinition", location = "Object")]
pub fn authenticated() {}

/// `@listSize`: how many items a list field returns, read by the router's cost estimate.
#[TypeDirective(name = "listSize", location = "FieldDefinition")]
pub fn list_size(
    assumed_size: Option<i32>,
    slicing_arguments: Option<Vec<String>>,
    sized_fields: Option<Vec<String>>,
) {
}

/// `@listSize` arguments of a connection: sized by `first`, in `edges` and `nodes`
/// (`list_size::apply(None, by_first(), edges_and_nodes())`).
pub fn by_first() -> Option<Vec<String>> {
    Some(vec!["first".into()])
}

pub fn edges_and_nodes() -> Option<Vec<String>> {
    Some(vec!["edges".into(), "nodes".into()])
}

/// Complexity of a connection field: what its items select, once per item asked for.
pub fn paged_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX) as usize;
    items.saturating_mul(child_complexity.max(1))
}

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

/// The domain's service, which its `schema::build` put into the schema data as `Arc<T>`.
pub fn service<'a, T: Send + Sync + 'static>(ctx: &'a Context<'_>) -> ApiResult<&'a T> {
    ctx.data_opt::<Arc<T>>().map(Arc::as_ref).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "the schema was built without its service ({})",
            std::any::type_name::<T>()
        ))
    })
}

static ANONYMOUS: LazyLock<Viewer> = LazyLock::new(Viewer::anonymous);

/// The caller of the request being resolved (anonymous when none was established).
pub fn viewer<'a>(ctx: &'a Context<'_>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// The caller's network address, when known.
pub fn client_addr(ctx: &Context<'_>) -> ClientAddr {
    ctx.data_opt::<ClientAddr>()
        .copied()
        .unwrap_or(ClientAddr(None))
}
