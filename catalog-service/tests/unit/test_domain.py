"""Book field rules: exact prices, whole stock counts, required fields."""
from decimal import Decimal

import pytest
from catalog_service.domain.exceptions import InvalidField, MissingFields
from catalog_service.domain.model import (
    parse_price,
    parse_stock,
    validate_changes,
    validate_new_book,
)


@pytest.mark.parametrize("raw, expected", [("19.99", "19.99"), ("0", "0.00"), ("7.5", "7.50"),
                                           (" 12 ", "12.00"), (3, "3.00"),
                                           ("1000000.00", "1000000.00")])
def test_prices_are_parsed_exactly(raw, expected):
    value = parse_price(raw)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize("raw, reason", [
    ("-1", "negative"), ("abc", "number"), ("19.999", "two decimals"), ("1e3", "plain"),
    ("NaN", "finite"), ("1000000.01", "exceed"), ("99999999999999", "exceed"), ("", "number"),
    (19.99, "float"), (True, "number"), ("Infinity", "finite"),
])
def test_bad_prices_are_refused_with_a_reason(raw, reason):
    with pytest.raises(InvalidField) as err:
        parse_price(raw)
    assert err.value.field == "price"
    assert reason in err.value.reason


def test_point_one_plus_point_two_stays_exact():
    assert parse_price("0.10") + parse_price("0.20") == Decimal("0.30")


@pytest.mark.parametrize("raw, expected", [("0", 0), ("12", 12), (" 5 ", 5), (7, 7)])
def test_stock_is_a_whole_number(raw, expected):
    assert parse_stock(raw) == expected


@pytest.mark.parametrize("raw, reason", [("-1", "negative"), ("1.5", "whole"), ("x", "whole"),
                                         ("99999999", "exceed"), ("", "whole"),
                                         (2.0, "whole"), ("٣", "whole")])
def test_bad_stock_is_refused(raw, reason):
    with pytest.raises(InvalidField) as err:
        parse_stock(raw)
    assert reason in err.value.reason


def test_a_new_book_needs_every_required_field_and_a_pdf():
    with pytest.raises(MissingFields) as err:
        validate_new_book({"title": "T", "author": " ", "price": "1"}, has_pdf=False)
    assert err.value.fields == ["author", "stock", "pdf"]


def test_a_new_book_keeps_an_optional_description():
    fields = validate_new_book({"title": " Dune ", "author": "Herbert", "price": "9.5",
                                "stock": "3", "description": "Sand."}, has_pdf=True)
    assert (fields.title, fields.price, fields.stock, fields.description) == (
        "Dune", Decimal("9.50"), 3, "Sand.")


def test_changes_are_any_subset_and_each_given_field_is_checked():
    assert validate_changes({"stock": "4"}).stock == 4
    assert validate_changes({}).is_empty()
    with pytest.raises(InvalidField):
        validate_changes({"title": "   "})
    with pytest.raises(InvalidField):
        validate_changes({"title": "x" * 256})
