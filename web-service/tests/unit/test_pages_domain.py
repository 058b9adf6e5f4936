"""What the pages decide on their own: the order stepper, paging, form origins and tokens."""
from web_service.domain.forms import new_token, safe_next, same_origin, tokens_match
from web_service.domain.orders import cancel_reason_text, stepper
from web_service.domain.paging import Page, page_number


def test_the_stepper_marks_the_current_status_and_what_came_before():
    steps = stepper("SHIPPED")
    assert [(s.name, s.state) for s in steps] == [
        ("PENDING", "done"), ("PROCESSING", "done"), ("SHIPPED", "current"),
        ("DELIVERED", "todo")]


def test_a_cancelled_order_has_no_current_step_and_a_reason_in_words():
    assert {s.state for s in stepper("CANCELLED")} == {"todo"}
    assert cancel_reason_text("insufficient_stock") == "there was not enough stock"
    assert cancel_reason_text("some_new_reason") == "some new reason"
    assert cancel_reason_text(None) == "no reason was given"


def test_pages_count_from_the_total_and_bad_page_numbers_mean_the_first():
    page = Page(number=2, size=10, total=25)
    assert (page.offset, page.count, page.previous, page.next) == (10, 3, 1, 3)
    assert Page(1, 10, 0).count == 1 and Page(1, 10, 0).next is None
    assert [page_number(x) for x in ("3", "0", "-1", "x", None, "99999999")] == [3, 1, 1, 1, 1, 1]


def test_a_form_must_come_from_our_own_origin():
    site = "http://127.0.0.1:8080"
    assert same_origin("http://127.0.0.1:8080", None, site)
    assert same_origin(None, "http://127.0.0.1:8080/shop/login", site)
    assert not same_origin("https://evil.example", "http://127.0.0.1:8080/shop/", site)
    assert not same_origin("null", None, site)
    assert not same_origin(None, None, site)


def test_form_tokens_must_match_the_cookie():
    token = new_token()
    assert tokens_match(token, token)
    assert not tokens_match(token, new_token())
    assert not tokens_match(None, token) and not tokens_match(token, "")


def test_after_logging_in_only_paths_on_this_site_are_followed():
    assert safe_next("/shop/orders/3") == "/shop/orders/3"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", None, ""):
        assert safe_next(hostile) == "/shop/"
