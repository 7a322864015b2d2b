//! The reviews GraphQL schema: translation between the API contract and the service.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Reviews;
pub use mutation::Mutation;
pub use query::Query;

pub type ReviewsSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(reviews: Option<Arc<Reviews>>) -> ReviewsSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(reviews) = reviews {
        builder = builder
            .data(DataLoader::new(
                loaders::RatingLoader(reviews.clone()),
                tokio::spawn,
            ))
            .data(reviews);
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{InputValueDefinition, TypeKind, TypeSystemDefinition};

    fn argument(arg: &InputValueDefinition) -> String {
        match &arg.default_value {
            Some(default) => format!("{}: {} = {}", arg.name.node, arg.ty.node, default.node),
            None => format!("{}: {}", arg.name.node, arg.ty.node),
        }
    }

    /// Each type of the SDL as the set of its fields (with arguments and directives), input
    /// fields or enum values, written as the contract writes them.
    fn shapes(sdl: &str) -> BTreeMap<String, BTreeSet<String>> {
        let document = parse_schema(sdl).expect("the SDL parses");
        let mut shapes = BTreeMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let members: BTreeSet<String> = match &ty.node.kind {
                TypeKind::Object(object) => object
                    .fields
                    .iter()
                    .map(|field| {
                        let field = &field.node;
                        let args: Vec<String> =
                            field.arguments.iter().map(|a| argument(&a.node)).collect();
                        let args = if args.is_empty() {
                            String::new()
                        } else {
                            format!("({})", args.join(", "))
                        };
                        let directives: String = field
                            .directives
                            .iter()
                            .filter(|d| d.node.name.node != "listSize")
                            .map(|d| format!(" @{}", d.node.name.node))
                            .collect();
                        format!("{}{args}: {}{directives}", field.name.node, field.ty.node)
                    })
                    .collect(),
                TypeKind::InputObject(input) => {
                    input.fields.iter().map(|f| argument(&f.node)).collect()
                }
                TypeKind::Enum(values) => values
                    .values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect(),
                _ => continue,
            };
            shapes.insert(ty.node.name.node.to_string(), members);
        }
        shapes
    }

    #[test]
    fn the_published_schema_speaks_the_contract() {
        let sdl = micromall_kit::graphql::federation_sdl(&super::build(None));
        let shapes = shapes(&sdl);
        // The reviews section of the public contract (api.graphql), and what reviews adds to
        // `Product`, `User` and `Mutation`, with the auth each mutation needs.
        let contract: [(&str, &[&str]); 10] = [
            (
                "Review",
                &[
                    "id: ID!",
                    "product: Product!",
                    "author: User!",
                    "rating: Int!",
                    "title: String!",
                    "body: String!",
                    "verifiedPurchase: Boolean!",
                    "helpfulCount: Int!",
                    "reply: String",
                    "createdAt: DateTime!",
                ],
            ),
            (
                "ReviewSort",
                &["NEWEST", "HIGHEST", "LOWEST", "MOST_HELPFUL"],
            ),
            (
                "RatingSummary",
                &["average: Float", "count: Int!", "histogram: [Int!]!"],
            ),
            ("ReviewEdge", &["cursor: String!", "node: Review!"]),
            (
                "ReviewConnection",
                &[
                    "edges: [ReviewEdge!]!",
                    "nodes: [Review!]!",
                    "pageInfo: PageInfo!",
                    "totalCount: Int!",
                ],
            ),
            (
                "SubmitReviewInput",
                &[
                    "productId: ID!",
                    "rating: Int!",
                    "title: String!",
                    "body: String!",
                ],
            ),
            (
                "ReviewPayload",
                &["review: Review", "userErrors: [UserError!]!"],
            ),
            (
                "Product",
                &[
                    "id: ID!",
                    "reviews(first: Int = 20, after: String, sort: ReviewSort = NEWEST): ReviewConnection!",
                    "rating: RatingSummary!",
                ],
            ),
            (
                "User",
                &[
                    "id: ID!",
                    "reviews(first: Int = 20, after: String): ReviewConnection!",
                ],
            ),
            (
                "Mutation",
                &[
                    "submitReview(input: SubmitReviewInput!): ReviewPayload! @authenticated",
                    "hideReview(id: ID!): ReviewPayload! @requiresScopes",
                    "restoreReview(id: ID!): ReviewPayload! @requiresScopes",
                    "replyToReview(id: ID!, body: String!): ReviewPayload! @requiresScopes",
                    "voteReview(id: ID!, helpful: Boolean!): ReviewPayload! @authenticated",
                ],
            ),
        ];
        for (name, members) in contract {
            let expected: BTreeSet<String> = members.iter().map(|m| (*m).to_owned()).collect();
            assert_eq!(shapes.get(name), Some(&expected), "{name}");
        }
        assert_eq!(
            sdl.matches("@requiresScopes(scopes: [[\"reviews:moderate\"]])")
                .count(),
            3
        );
        for entity in ["Product", "User", "Review"] {
            assert!(
                sdl.contains(&format!("type {entity} @key(fields: \"id\")")),
                "{entity} is an entity"
            );
        }
    }
}
