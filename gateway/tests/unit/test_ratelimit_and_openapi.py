"""The optional per-client limit and the merge of the services' OpenAPI documents."""
from bookstore_shared.revocations import apply_snapshot, expiry_seconds
from bookstore_shared.security import RevokedSessions
from gateway.domain.openapi import merge_documents
from gateway.domain.ratelimit import FixedWindowLimiter


def test_a_client_over_its_limit_is_told_how_long_to_wait():
    now = [120.0]
    limiter = FixedWindowLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    now[0] = 150.0
    assert limiter.hit("a") == 30
    assert limiter.hit("b") is None
    now[0] = 181.0
    assert limiter.hit("a") is None


def doc(paths: dict, schemas: dict) -> dict:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def test_merged_document_has_every_public_path_and_no_internal_one():
    merged = merge_documents({
        "auth": doc({"/login": {"post": {}}, "/internal/revoked-sessions": {"get": {}}},
                    {"Login": {"type": "object"}}),
        "catalog": doc({"/books": {"get": {}}, "/books/{book_id}": {"get": {}}}, {}),
    }, title="T", version="1")
    assert set(merged["paths"]) == {"/login", "/books", "/books/{book_id}"}
    assert merged["components"]["schemas"] == {"Login": {"type": "object"}}


def test_clashing_component_names_are_renamed_with_their_references():
    ref = {"$ref": "#/components/schemas/Item"}
    merged = merge_documents({
        "catalog": doc({"/books": {"get": {"responses": {"200": ref}}}}, {"Item": {"title": "a"}}),
        "order": doc({"/orders": {"get": {"responses": {"200": ref}}}}, {"Item": {"title": "b"}}),
    }, title="T", version="1")
    schemas = merged["components"]["schemas"]
    assert schemas == {"Item": {"title": "a"}, "order_Item": {"title": "b"}}
    assert merged["paths"]["/orders"]["get"]["responses"]["200"] == {
        "$ref": "#/components/schemas/order_Item"}
    assert merged["paths"]["/books"]["get"]["responses"]["200"] == ref


def test_snapshot_expiries_may_be_unix_seconds_or_iso_times():
    assert expiry_seconds(1700000000) == 1700000000.0
    assert expiry_seconds("1700000000") == 1700000000.0
    assert expiry_seconds("2023-11-14T22:13:20Z") == 1700000000.0


def test_a_snapshot_fills_the_denylist_and_skips_malformed_entries():
    revoked = RevokedSessions()
    count = apply_snapshot({"sessions": [{"session_id": "s1", "expires_at": 4102444800},
                                         {"session_id": "s2"}]}, revoked)
    assert count == 1 and revoked.is_revoked("s1") and not revoked.is_revoked("s2")
