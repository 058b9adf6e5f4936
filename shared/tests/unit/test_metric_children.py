"""children(): a labelled metric's children looked up once, counting as labels() would."""
from bookstore_shared.metric_children import children
from prometheus_client import CollectorRegistry, Counter, generate_latest


def test_each_set_of_values_is_one_child_and_counts_as_labels_would():
    registry = CollectorRegistry()
    requests = Counter("requests_total", "Requests", ["method", "status"], registry=registry)
    child = children(requests)
    for status in ("200", "200", "404"):
        child("GET", status).inc()
    assert child("GET", "200") is child("GET", "200") is requests.labels("GET", "200")
    text = generate_latest(registry).decode()
    assert 'requests_total{method="GET",status="200"} 2.0' in text
    assert 'requests_total{method="GET",status="404"} 1.0' in text
