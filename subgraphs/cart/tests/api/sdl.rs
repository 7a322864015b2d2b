//! What the router composes from cart.

#[test]
fn variants_are_references_and_every_cart_field_needs_a_signed_in_caller() {
    let sdl = (micromall_cart::SUBGRAPH.sdl)();
    assert!(
        sdl.contains("type ProductVariant @key(fields: \"id\", resolvable: false)"),
        "{sdl}"
    );
    for field in [
        "cart: Cart @authenticated",
        "addToCart(variantId: ID!, quantity: Int!): CartPayload! @authenticated",
        "updateCartLine(lineId: ID!, quantity: Int!): CartPayload! @authenticated",
        "removeCartLine(lineId: ID!): CartPayload! @authenticated",
        "applyCoupon(code: String!): CartPayload! @authenticated",
        "removeCoupon: CartPayload! @authenticated",
    ] {
        assert!(sdl.contains(field), "missing `{field}` in {sdl}");
    }
}
