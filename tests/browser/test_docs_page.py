"""`/docs` renders the merged API in a browser that can reach nothing but the gateway."""
from __future__ import annotations

import re

import httpx


def test_the_docs_page_renders_every_service_from_the_gateways_own_assets(browsing):
    requested: list[str] = []
    browsing.page.on("request", lambda request: requested.append(request.url))
    page = browsing.open("/docs")
    page.get_by_role("heading", name=re.compile("Bookstore API")).wait_for()
    for path in ("/login", "/books/{book_id}", "/orders/{order_id}/cancel", "/notify"):
        page.locator(".opblock-summary-path", has_text=re.compile(f"^{re.escape(path)}$")) \
            .first.wait_for()
    gateway = browsing.system.url + "/"
    assert requested and all(url.startswith(gateway) for url in requested), requested


def test_the_docs_html_references_only_the_gateways_own_urls(web_system):
    with httpx.Client(base_url=web_system.url, timeout=10) as client:
        for prefix in ("", "/api"):
            html = client.get(f"{prefix}/docs").text
            references = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", html)
            assert sorted(references) == sorted([
                f"{prefix}/docs/assets/favicon-32x32.png", f"{prefix}/docs/assets/swagger-ui.css",
                f"{prefix}/docs/assets/swagger-ui-bundle.js", f"{prefix}/openapi.json"])
            for ref in references:
                answer = client.get(ref)
                assert answer.status_code == 200 and answer.content, ref
        assert client.get("/docs/assets/..%2Fopenapi.py").status_code == 404
