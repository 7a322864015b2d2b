//! The in-browser IDE served on `GET /graphql`.

use axum::response::{Html, IntoResponse, Response};

pub fn page() -> Response {
    Html(include_str!("graphiql.html")).into_response()
}
