"""The read cache keeps only answers no change has overtaken, and drops exactly what changed."""
from catalog_service.adapters.book_cache import BookCache, Rendered


def item(text: str) -> Rendered:
    return Rendered(text.encode(), f'"{text}"')


def page(text: str, *ids: int) -> Rendered:
    return Rendered(text.encode(), f'"{text}"', total=len(ids), ids=ids)


def test_a_loaded_book_is_kept_and_served_until_it_changes():
    cache = BookCache()
    cache.keep_item(cache.ticket(), 1, item("one"))
    cache.keep_item(cache.ticket(), 2, item("two"))
    assert cache.item(1) == item("one")
    cache.changed([1])
    assert cache.item(1) is None
    assert cache.item(2) == item("two")


def test_a_load_that_started_before_a_change_is_served_but_not_kept():
    cache = BookCache()
    ticket = cache.ticket()  # the load reads the database...
    cache.changed([1])  # ...while another replica's change lands
    cache.keep_item(ticket, 1, item("old"))
    assert cache.item(1) is None
    cache.keep_item(cache.ticket(), 1, item("new"))
    assert cache.item(1) == item("new")


def test_nothing_is_kept_while_a_change_is_being_committed():
    cache = BookCache()
    cache.keep_item(cache.ticket(), 1, item("old"))
    cache.begin([1], relisted=False)
    assert cache.item(1) is None  # dropped before the commit, not after
    cache.keep_item(cache.ticket(), 1, item("read before the commit"))
    assert cache.item(1) is None
    cache.end([1], relisted=False, begun=True)
    cache.keep_item(cache.ticket(), 1, item("new"))
    assert cache.item(1) == item("new")


def test_a_change_to_a_book_drops_the_pages_showing_it_and_no_others():
    cache = BookCache()
    cache.keep_page(cache.ticket(), "first", page("first", 1, 2))
    cache.keep_page(cache.ticket(), "second", page("second", 3, 4))
    cache.changed([2])
    assert cache.page("first") is None
    assert cache.page("second") == page("second", 3, 4)


def test_a_page_is_not_kept_if_any_of_its_books_changed_during_the_load():
    cache = BookCache()
    ticket = cache.ticket()
    cache.changed([4])
    cache.keep_page(ticket, "second", page("second", 3, 4))
    assert cache.page("second") is None


def test_adding_or_removing_a_book_drops_every_page():
    cache = BookCache()
    cache.keep_item(cache.ticket(), 3, item("three"))
    cache.keep_page(cache.ticket(), "first", page("first", 1, 2))
    cache.keep_page(cache.ticket(), ("q", "dune"), page("search", 3))
    ticket = cache.ticket()
    cache.begin([9], relisted=True)
    cache.keep_page(cache.ticket(), "first", page("first", 1, 2))  # totals are changing
    cache.end([9], relisted=True, begun=True)
    cache.keep_page(ticket, "first", page("first", 1, 2))
    assert cache.page("first") is None and cache.page(("q", "dune")) is None
    assert cache.item(3) == item("three")


def test_a_rolled_back_change_drops_what_it_touched_and_leaves_no_lock_behind():
    cache = BookCache()
    cache.keep_item(cache.ticket(), 1, item("one"))
    cache.end([1], relisted=False, begun=False)
    assert cache.item(1) is None
    cache.keep_item(cache.ticket(), 1, item("one"))
    assert cache.item(1) == item("one")


def test_clearing_forgets_everything_and_refuses_loads_that_started_before():
    cache = BookCache()
    ticket = cache.ticket()
    cache.keep_page(ticket, "first", page("first", 1))
    cache.clear()
    cache.keep_item(ticket, 1, item("one"))
    assert cache.item(1) is None and cache.page("first") is None


def test_the_cache_is_bounded_and_forgets_its_oldest_entries_first():
    cache = BookCache(max_items=2, max_pages=2)
    for n in (1, 2, 3):
        cache.keep_item(cache.ticket(), n, item(str(n)))
        cache.keep_page(cache.ticket(), n, page(str(n), n))
    assert (cache.item(1), cache.page(1)) == (None, None)
    assert cache.item(3) == item("3") and cache.page(3) == page("3", 3)
    cache.changed([1])  # the evicted page's index entry is gone too
    assert cache.page(2) == page("2", 2)


def test_tracking_many_changes_stays_bounded_without_keeping_stale_loads():
    cache = BookCache(max_tracked=10)
    ticket = cache.ticket()
    cache.changed([1])
    cache.changed(range(100, 120))  # the change log overflows and is reset
    cache.keep_item(ticket, 1, item("old"))
    assert cache.item(1) is None


def test_nothing_is_kept_while_other_processes_changes_do_not_reach_this_one():
    cache = BookCache(receiving=False)
    cache.keep_item(cache.ticket(), 1, item("one"))
    assert cache.item(1) is None
    cache.receiving(True)
    cache.keep_item(cache.ticket(), 1, item("one"))
    cache.keep_page(cache.ticket(), "first", page("first", 1))
    cache.receiving(False)  # a lost connection: what is kept may miss a change from now on
    assert cache.item(1) is None and cache.page("first") is None
    cache.keep_item(cache.ticket(), 1, item("one"))
    assert cache.item(1) is None


def test_the_cache_holds_no_more_bytes_than_its_budget():
    cache = BookCache(max_bytes=10)
    for n in (1, 2, 3):
        cache.keep_item(cache.ticket(), n, item("abcd"))  # 4 bytes each
        cache.keep_page(cache.ticket(), n, page("abcd", n))
    assert [cache.item(n) is not None for n in (1, 2, 3)] == [False, True, True]
    assert [cache.page(n) is not None for n in (1, 2, 3)] == [False, True, True]
    cache.keep_item(cache.ticket(), 4, item("x" * 11))  # larger than the budget: kept alone
    assert [cache.item(n) is not None for n in (2, 3, 4)] == [False, False, True]
    cache.changed([4])
    cache.keep_item(cache.ticket(), 5, item("abcd"))
    cache.keep_item(cache.ticket(), 6, item("abcd"))
    assert cache.item(5) is not None and cache.item(6) is not None
