"""Read-your-writes stock: the published value shows until inventory confirms or supersedes it."""
from catalog_service.domain.model import StockState


def test_a_new_book_shows_the_admins_stock_before_inventory_reports():
    state = StockState.new(10)
    assert state.shown == 10
    assert state.published_version == 1


def test_a_patched_stock_shows_at_once_even_if_an_older_report_arrives_later():
    state = StockState.new(10).observe(10, 1).observe(9, 1)  # one copy reserved
    state = state.publish(50)
    assert state.shown == 50
    state = state.observe(8, 1)  # a reservation processed before inventory saw version 2
    assert state.shown == 50


def test_inventory_confirming_the_published_version_takes_over():
    state = StockState.new(10).publish(50).observe(50, 2)
    assert state.shown == 50
    state = state.observe(48, 2)  # later reservations carry the same version
    assert state.shown == 48


def test_stale_reports_are_ignored():
    state = StockState.new(10).publish(50).observe(50, 2)
    assert state.observe(3, 1) == state


def test_a_report_without_version_updates_the_confirmed_value():
    state = StockState.new(10).observe(10, 1).observe(7, None)
    assert state.shown == 7
    assert state.confirmed_version == 1


def test_reports_of_one_version_arriving_out_of_order_keep_the_newest():
    stock = StockState.new(10).observe(10, 1, revision=1)
    newest = stock.observe(0, 1, revision=5)
    assert newest.observe(1, 1, revision=4).shown == 0
    assert newest.observe(2, 1, revision=3).shown == 0
    assert newest.observe(3, 1, revision=6).shown == 3
