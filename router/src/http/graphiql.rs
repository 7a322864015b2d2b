//! GraphiQL, served by the router itself: the page and its scripts come from here, so it
//! works with no internet. The assets are fetched at build time (see `build.rs`).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react.min.js"></script>
<script src="/graphql/assets/react-dom.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script>
  // Headers (the bearer token) are not kept in the browser's storage: a shared or stolen
  // browser profile must not hold an admin's token.
  const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher, shouldPersistHeaders: false, defaultEditorToolsVisibility: true })
  );
</script>
</body>
</html>
"#;

#[cfg(graphiql_assets)]
const ASSETS: [(&str, &str, &[u8]); 5] = [
    (
        "graphiql.min.js",
        "text/javascript",
        include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/graphiql.min.js")),
    ),
    (
        "graphiql.min.css",
        "text/css",
        include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/graphiql.min.css")),
    ),
    (
        "react.min.js",
        "text/javascript",
        include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/react.min.js")),
    ),
    (
        "react-dom.min.js",
        "text/javascript",
        include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/react-dom.min.js")),
    ),
    ("favicon.ico", "image/x-icon", b""),
];

#[cfg(not(graphiql_assets))]
const ASSETS: [(&str, &str, &[u8]); 0] = [];

pub fn page() -> Response {
    if ASSETS.is_empty() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                "<!doctype html><title>GraphiQL unavailable</title><p>This router was built without \
                 GraphiQL: its build could not reach the npm registry. Rebuild with access to it, or \
                 set MICROMALL_GRAPHIQL_DIR to a folder with the assets. POST /graphql works as usual.</p>",
            ),
        )
            .into_response();
    }
    Html(PAGE).into_response()
}

pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
