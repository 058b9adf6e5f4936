"""The routing table: every public path of CONTRACT.md reaches its service, nothing else does."""
import pytest
from gateway.domain.routing import UPSTREAM_SERVICES, is_websocket_path, public_path, route

CONTRACT_PATHS = [
    ("/login", "auth"), ("/logout", "auth"), ("/register", "auth"), ("/create_admin", "auth"),
    ("/token/refresh", "auth"), ("/users/me", "auth"), ("/.well-known/jwks.json", "auth"),
    ("/books", "catalog"), ("/books/7", "catalog"), ("/books/7/summary", "catalog"),
    ("/books/7/description", "catalog"), ("/books/7/pdf", "catalog"),
    ("/orders", "order"), ("/orders/12", "order"), ("/orders/12/cancel", "order"),
    ("/notify", "notification"), ("/ws", "notification"),
]


@pytest.mark.parametrize(("path", "service"), CONTRACT_PATHS)
def test_every_contract_path_is_routed_to_its_service(path, service):
    assert route(path) == service


@pytest.mark.parametrize(("path", "service"), CONTRACT_PATHS)
def test_the_same_paths_under_api_are_routed_alike(path, service):
    assert route("/api" + path) == service


@pytest.mark.parametrize("path", [
    "/internal/revoked-sessions", "/api/internal/revoked-sessions", "/internal", "/api/internal",
])
def test_internal_endpoints_are_never_routed(path):
    assert route(path) is None


@pytest.mark.parametrize("path", [
    "/", "", "/api", "/api/", "/unknown", "/bookstore", "/booksx", "/apibooks", "/healthz",
    "/readyz", "/metrics", "/openapi.json", "/docs", "/api/docs",
])
def test_unknown_and_gateway_own_paths_are_not_routed(path):
    assert route(path) is None


@pytest.mark.parametrize("path", [
    "/books/../internal/revoked-sessions", "/api/books/./x", "/orders/..", "/books/1/../../x",
])
def test_paths_with_dot_segments_are_refused(path):
    assert route(path) is None


def test_trailing_slash_is_left_for_the_service_to_decide():
    assert route("/books/") == "catalog"


def test_api_prefix_is_only_stripped_as_a_whole_segment():
    assert public_path("/api/books") == "/books"
    assert public_path("/apix/books") == "/apix/books"
    assert public_path("/api") == "/"


def test_websocket_endpoint_is_recognised_with_and_without_prefix():
    assert is_websocket_path("/ws") and is_websocket_path("/api/ws")
    assert not is_websocket_path("/books") and not is_websocket_path("/ws/other")


def test_the_upstream_services_are_the_four_public_ones_and_the_web():
    assert UPSTREAM_SERVICES == ("auth", "catalog", "order", "notification", "web")


def test_the_storefront_and_the_console_belong_to_the_web_service():
    for path in ("/shop/", "/shop/books/3", "/console/", "/console/dlq/order", "/shop"):
        assert route(path) == "web"
    assert route("/shopping") is None and route("/") is None
