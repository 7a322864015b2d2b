//! What the router composes from cart.

#[test]
fn variants_are_references_guests_reach_carts_by_token_and_merging_needs_a_customer() {
    let sdl = (micromall_cart::SUBGRAPH.sdl)();
    assert!(
        sdl.contains("type ProductVariant @key(fields: \"id\", resolvable: false)"),
        "{sdl}"
    );
    // The contract's cart operations, open to guests with their token.
    for field in [
        "cart(token: String): Cart\n",
        "addToCart(variantId: ID!, quantity: Int!, cartToken: String): CartPayload!\n",
        "updateCartLine(lineId: ID!, quantity: Int!, cartToken: String): CartPayload!\n",
        "removeCartLine(lineId: ID!, cartToken: String): CartPayload!\n",
        "applyCoupon(code: String!, cartToken: String): CartPayload!\n",
        "removeCoupon(cartToken: String): CartPayload!\n",
        "mergeGuestCart(cartToken: String!): CartPayload! @authenticated",
        "cartToken: String\n",
    ] {
        assert!(sdl.contains(field), "missing `{field}` in {sdl}");
    }
}
