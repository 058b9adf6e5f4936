"""The contract's error shape for failures the client did not cause."""
from __future__ import annotations

from bookstore_shared.errors import install_error_handlers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text


def _app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    unreachable = create_engine("sqlite:////nonexistent-dir/never/there.db")

    @app.get("/db")
    def db():
        with unreachable.connect() as conn:
            conn.execute(text("SELECT 1"))

    @app.get("/bug")
    def bug():
        raise RuntimeError("secret detail")

    return TestClient(app, raise_server_exceptions=False)


def test_an_unreachable_database_is_a_json_503_the_client_may_retry():
    r = _app().get("/db")
    assert r.status_code == 503
    assert r.json() == {"message": "Service unavailable", "error": "database unavailable, try again"}
    assert r.headers["retry-after"] == "1"


def test_an_unexpected_error_is_a_json_500_without_details():
    r = _app().get("/bug")
    assert (r.status_code, r.json()) == (500, {"message": "Internal server error"})
