//! What composition refuses: field types no router could reconcile, non-shareable fields
//! resolved by several subgraphs, and `@requires` that nothing can satisfy.

use super::CompositionError;
use super::merge::Merged;
use super::subgraph::{Kind, ParsedSubgraph};

pub fn validate(subgraphs: &[ParsedSubgraph], merged: &Merged) -> Vec<CompositionError> {
    let mut errors: Vec<CompositionError> = merged
        .conflicts
        .iter()
        .map(|(field, detail)| CompositionError {
            code: "FIELD_TYPE_MISMATCH",
            message: format!("`{field}` has incompatible types: {detail}"),
        })
        .collect();
    for (type_name, ty) in &merged.types {
        if ty.kind != Kind::Object {
            continue;
        }
        for field_name in ty.fields.keys() {
            let defs: Vec<(usize, &super::subgraph::SField)> = subgraphs
                .iter()
                .enumerate()
                .filter_map(|(g, s)| {
                    s.types
                        .get(type_name)
                        .filter(|t| !t.interface_object)
                        .and_then(|t| t.fields.get(field_name))
                        .map(|f| (g, f))
                })
                .collect();
            let overridden: Vec<&str> = defs
                .iter()
                .filter_map(|(_, f)| f.override_from.as_deref())
                .collect();
            let resolving: Vec<&(usize, &super::subgraph::SField)> = defs
                .iter()
                .filter(|(g, f)| !f.external && !overridden.contains(&subgraphs[*g].name.as_str()))
                .collect();
            if resolving.len() > 1 {
                let unshared: Vec<&str> = resolving
                    .iter()
                    .filter(|(g, f)| {
                        let s = &subgraphs[*g];
                        s.fed2 && !f.shareable && !in_key(s, type_name, field_name)
                    })
                    .map(|(g, _)| subgraphs[*g].name.as_str())
                    .collect();
                if !unshared.is_empty() {
                    let all: Vec<&str> = resolving
                        .iter()
                        .map(|(g, _)| subgraphs[*g].name.as_str())
                        .collect();
                    errors.push(CompositionError {
                        code: "INVALID_FIELD_SHARING",
                        message: format!(
                            "`{type_name}.{field_name}` is resolved by {} but is not marked @shareable in {}",
                            all.join(", "),
                            unshared.join(", ")
                        ),
                    });
                }
            }
            for (g, f) in &defs {
                let Some(requires) = &f.requires else {
                    continue;
                };
                for required in top_level_fields(requires) {
                    let resolvable = subgraphs.iter().any(|s| {
                        s.types
                            .get(type_name)
                            .and_then(|t| t.fields.get(required.as_str()))
                            .is_some_and(|rf| !rf.external)
                    });
                    if !resolvable {
                        errors.push(CompositionError {
                            code: "REQUIRES_UNRESOLVABLE",
                            message: format!(
                                "`{type_name}.{field_name}` in `{}` requires `{required}`, which no subgraph resolves",
                                subgraphs[*g].name
                            ),
                        });
                    }
                }
            }
        }
    }
    errors
}

/// Key fields are shareable by nature, nested ones (`@key(fields: "id owner { id }")`) too.
fn in_key(subgraph: &ParsedSubgraph, type_name: &str, field: &str) -> bool {
    let mentions = |set: &str| {
        set.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == field)
    };
    subgraph.types.get(type_name).is_some_and(|t| {
        t.keys
            .iter()
            .any(|(k, _)| top_level_fields(k).iter().any(|f| f == field))
    }) || subgraph
        .types
        .values()
        .any(|t| t.keys.iter().any(|(k, _)| k.contains('{') && mentions(k)))
}

/// The field names at the top level of a field set (`a b { c } d(x: 1)` → a, b, d).
pub fn top_level_fields(set: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut braces, mut parens) = (0, 0);
    let mut word = String::new();
    let mut after_spread = false;
    let flush = |word: &mut String,
                 out: &mut Vec<String>,
                 braces: i32,
                 parens: i32,
                 after_spread: &mut bool| {
        if word.is_empty() {
            return;
        }
        // `... on Type`: neither `on` nor the type is a field.
        if word == "on" && *after_spread {
            word.clear();
            return;
        }
        if braces == 0 && parens == 0 && !*after_spread {
            out.push(word.clone());
        }
        *after_spread = false;
        word.clear();
    };
    for c in set.chars() {
        match c {
            '{' => {
                flush(&mut word, &mut out, braces, parens, &mut after_spread);
                braces += 1;
            }
            '}' => {
                flush(&mut word, &mut out, braces, parens, &mut after_spread);
                braces -= 1;
            }
            '(' => {
                flush(&mut word, &mut out, braces, parens, &mut after_spread);
                parens += 1;
            }
            ')' => {
                flush(&mut word, &mut out, braces, parens, &mut after_spread);
                parens -= 1;
            }
            '.' => after_spread = true,
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut out, braces, parens, &mut after_spread),
        }
    }
    flush(&mut word, &mut out, braces, parens, &mut after_spread);
    out
}

#[cfg(test)]
mod tests {
    use super::top_level_fields;

    #[test]
    fn top_level_fields_skip_nested_and_arguments() {
        assert_eq!(top_level_fields("id sku"), ["id", "sku"]);
        assert_eq!(
            top_level_fields("price(currency: \"USD\") weight"),
            ["price", "weight"]
        );
        assert_eq!(
            top_level_fields("data { foo ... on Bar { bar } } x"),
            ["data", "x"]
        );
        assert_eq!(
            top_level_fields("comments(limit: 3) { authorId }"),
            ["comments"]
        );
        assert_eq!(top_level_fields("... on Book { title } id"), ["id"]);
    }
}
