//! Generated requests against Micromall's own supergraph: arbitrary bytes as a request body,
//! and documents built from the schema's real field names with nesting, aliases, arguments,
//! variables and fragments. Whatever arrives, the router answers: a request is either ready
//! to run within every limit, or refused with one of the codes clients know. Never a panic.
//! (The same entry point is fuzzed for longer by `fuzz/`, see docs/security.md.)

use std::sync::LazyLock;

use micromall_router::pipeline::cost::CostLimits;
use micromall_router::{GraphqlRequest, Router, RouterConfig, Supergraph};
use proptest::prelude::*;
use reqwest::header::HeaderMap;

static ROUTER: LazyLock<Router> = LazyLock::new(|| {
    let sdl = include_str!("../../schema/supergraph.graphql");
    let supergraph = Supergraph::parse(sdl).expect("the checked-in supergraph loads");
    Router::new(supergraph, RouterConfig::default(), None)
});

const CODES: [&str; 5] = [
    "BAD_REQUEST",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "COST_ESTIMATED_TOO_EXPENSIVE",
];

/// Prepares `request` and checks the answer is one a client can act on.
fn answers_within_limits(request: GraphqlRequest) -> Result<(), TestCaseError> {
    match ROUTER.prepare_request(request, &HeaderMap::new()) {
        Ok(ready) => {
            let max = CostLimits::default().max as f64;
            let cost = ready.estimated_cost().unwrap_or(0.0);
            prop_assert!(cost <= max, "ready with cost {cost} over {max}");
        }
        Err(refused) => {
            prop_assert!(
                CODES.contains(&refused.error.code),
                "unexpected code {}: {}",
                refused.error.code,
                refused.error.message
            );
            prop_assert!(!refused.error.message.is_empty());
        }
    }
    Ok(())
}

/// Builds a document by walking the API schema, choices taken from `entropy`: real fields
/// with arguments of the right types, nested up to `depth`, with aliases, repeated fields,
/// inline fragments and spreads. Most documents are valid, so the limits, the cost estimate and
/// the planner are exercised, not only the parser.
struct Walk<'a> {
    schema: &'a apollo_compiler::Schema,
    entropy: &'a [u32],
    at: usize,
}

impl Walk<'_> {
    fn next(&mut self, below: usize) -> usize {
        let n = self.entropy[self.at % self.entropy.len()] as usize;
        self.at += 1;
        n % below.max(1)
    }

    fn selection(&mut self, ty: &str, depth: usize) -> String {
        use apollo_compiler::schema::ExtendedType;
        let fields: Vec<_> = match self.schema.types.get(ty) {
            Some(ExtendedType::Object(o)) => o.fields.values().map(|f| f.node.clone()).collect(),
            Some(ExtendedType::Interface(i)) => i.fields.values().map(|f| f.node.clone()).collect(),
            Some(ExtendedType::Union(u)) => {
                let member = u.members.iter().nth(self.next(u.members.len()));
                return match member {
                    Some(m) if depth > 0 => format!(
                        "__typename ... on {} {{ {} }}",
                        m.name,
                        self.selection(&m.name, depth - 1)
                    ),
                    _ => "__typename".into(),
                };
            }
            _ => return String::new(),
        };
        let mut out = Vec::new();
        for _ in 0..1 + self.next(3) {
            let field = &fields[self.next(fields.len())];
            let Some(arguments) = self.arguments(field) else {
                continue;
            };
            let alias = if self.next(6) == 0 { "x: " } else { "" };
            let inner = field.ty.inner_named_type();
            let composite = !matches!(
                self.schema.types.get(inner),
                Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
            );
            let sub = if !composite {
                String::new()
            } else if depth == 0 {
                " { __typename }".into()
            } else if self.next(8) == 0 {
                format!(
                    " {{ ...on {inner} {{ {} }} }}",
                    self.selection(inner, depth - 1)
                )
            } else {
                format!(" {{ {} }}", self.selection(inner, depth - 1))
            };
            out.push(format!("{alias}{}{arguments}{sub}", field.name));
        }
        if out.is_empty() {
            "__typename".into()
        } else {
            out.join(" ")
        }
    }

    /// Arguments for `field`, or `None` when one it needs cannot be made up here.
    fn arguments(&mut self, field: &apollo_compiler::schema::FieldDefinition) -> Option<String> {
        let mut given = Vec::new();
        for argument in &field.arguments {
            let required = argument.ty.is_non_null() && argument.default_value.is_none();
            if !required && self.next(3) != 0 {
                continue;
            }
            let value = match argument.ty.inner_named_type().as_str() {
                "Int" => ["1", "20", "100", "1000", "-1", "0"][self.next(6)].to_owned(),
                "ID" | "String" => "\"01\"".to_owned(),
                "Boolean" => "true".to_owned(),
                "Decimal" => "\"1.00\"".to_owned(),
                _ if required => return None,
                _ => continue,
            };
            given.push(format!("{}: {value}", argument.name));
        }
        Some(if given.is_empty() {
            String::new()
        } else {
            format!("({})", given.join(", "))
        })
    }
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(any::<u32>(), 64..256),
        0..6usize,
        any::<bool>(),
    )
        .prop_map(|(entropy, depth, spread)| {
            let schema = &ROUTER.supergraph().api;
            let mut walk = Walk {
                schema,
                entropy: &entropy,
                at: 0,
            };
            let root = walk.selection("Query", depth);
            if spread {
                // The same selection again through a fragment, spread twice.
                format!("{{ {root} ...F ...F }} fragment F on Query {{ {root} }}")
            } else {
                format!("{{ {root} }}")
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_body_is_answered(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        // What the HTTP layer does with a body: JSON first, then the pipeline.
        if let Ok(request) = serde_json::from_slice::<GraphqlRequest>(&body) {
            answers_within_limits(request)?;
        }
    }

    #[test]
    fn any_text_as_a_query_is_answered(query in "\\PC{0,512}") {
        answers_within_limits(GraphqlRequest { query: Some(query), ..Default::default() })?;
    }

    #[test]
    fn generated_documents_are_answered_within_limits(query in document()) {
        answers_within_limits(GraphqlRequest { query: Some(query), ..Default::default() })?;
    }

    #[test]
    fn variables_of_any_shape_are_answered(
        n in prop_oneof![any::<i64>().prop_map(serde_json::Value::from), Just(serde_json::Value::Null), "\\PC{0,8}".prop_map(serde_json::Value::from)],
    ) {
        let variables = serde_json::json!({ "n": n });
        answers_within_limits(GraphqlRequest {
            query: Some("query($n: Int) { products(first: $n) { nodes { name variants { sku } } } }".into()),
            variables: variables.as_object().cloned(),
            ..Default::default()
        })?;
    }
}
