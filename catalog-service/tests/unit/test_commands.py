"""The admin's commands on the fake unit of work and storage: what they store, emit and clean up."""
from decimal import Decimal

import pytest
from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated
from catalog_service.domain.book import Generated
from catalog_service.domain.exceptions import BookNotFound, InvalidPdf, NoPdf, NothingToUpdate
from catalog_service.domain.model import BookFields
from catalog_service.service_layer import commands
from catalog_service.service_layer.commands import NewPdf

fields = BookFields  # every field defaults to "not given"


def test_adding_a_book_stores_its_pdf_and_publishes_book_created_with_stock_version_1(
        make_uow, storage, pdf):
    uow = make_uow()
    with uow:
        book_id = commands.add_book(uow, storage=storage, pdf=pdf, fields=fields(
            title="Dune", author="Frank Herbert", price=Decimal("9.99"), stock=4))

    [key] = storage.kept
    assert uow.published_payloads() == [BookCreated(
        book_id=book_id, title="Dune", author="Frank Herbert", price=Decimal("9.99"), stock=4,
        stock_version=1, pdf_key=key, pdf_changed=True, description_given=False)]
    assert uow.books.books[book_id].generated == Generated(status="pending")


def test_a_book_that_cannot_be_added_leaves_no_pdf_behind(make_uow, storage, pdf):
    def database_down(book):
        raise RuntimeError("database down")

    uow = make_uow()
    uow.books.add = database_down
    with pytest.raises(RuntimeError), uow:
        commands.add_book(uow, storage=storage, pdf=pdf, fields=fields(
            title="Dune", author="A", price=Decimal(1), stock=1))
    assert storage.kept == set() and uow.published == []


def test_a_file_that_is_no_pdf_is_refused_before_anything_is_stored(make_uow, storage,
                                                                    tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"not a pdf")
    uow = make_uow()
    with pytest.raises(InvalidPdf), uow:
        commands.add_book(uow, storage=storage, pdf=NewPdf(path, 9, "0" * 64), fields=fields(
            title="Dune", author="A", price=Decimal(1), stock=1))
    assert storage.kept == set() and uow.books.books == {}


def test_a_stock_change_is_published_with_the_next_version_and_a_title_alone_without_stock(
        make_uow, storage, ev):
    uow = make_uow(ev.book(1, stock=10))
    with uow:
        commands.update_book(uow, storage=storage, book_id=1, changes=fields(stock=20),
                             pdf=None)
        commands.update_book(uow, storage=storage, book_id=1, changes=fields(title="Dune II"),
                             pdf=None)

    first, second = uow.published_payloads()
    assert isinstance(first, BookUpdated) and (first.stock, first.stock_version) == (20, 2)
    assert (second.title, second.stock, second.stock_version) == ("Dune II", None, None)
    assert uow.books.books[1].stock.shown == 20


def test_a_new_pdf_replaces_the_old_one_after_commit_and_asks_for_new_texts(make_uow, storage,
                                                                            pdf, ev):
    storage.kept.add("k1")
    uow = make_uow(ev.book(1, pdf_key="k1", generated=Generated("ready", "S", "D")))
    with uow:
        commands.update_book(uow, storage=storage, book_id=1, changes=fields(), pdf=pdf)

    [new_key] = storage.kept
    assert new_key != "k1"
    [updated] = uow.published_payloads()
    assert (updated.pdf_key, updated.pdf_changed) == (new_key, True)
    assert uow.books.books[1].generated == Generated(status="pending")


def test_updating_nothing_or_an_unknown_book_is_refused_and_stores_nothing(make_uow, storage,
                                                                          pdf):
    uow = make_uow()
    with pytest.raises(NothingToUpdate), uow:
        commands.update_book(uow, storage=storage, book_id=1, changes=fields(), pdf=None)
    with pytest.raises(BookNotFound), uow:
        commands.update_book(uow, storage=storage, book_id=1, changes=fields(), pdf=pdf)
    assert storage.kept == set() and uow.published == []


def test_deleting_a_book_removes_its_pdf_and_publishes_book_deleted(make_uow, storage, ev):
    storage.kept.add("k1")
    uow = make_uow(ev.book(1, pdf_key="k1"))
    with uow:
        commands.delete_book(uow, storage=storage, book_id=1)
    assert uow.published_payloads() == [BookDeleted(book_id=1)]
    assert storage.kept == set() and uow.books.books == {}
    with pytest.raises(BookNotFound), uow:
        commands.delete_book(uow, storage=storage, book_id=1)


def test_regenerating_texts_keeps_the_old_ones_until_new_ones_arrive(make_uow, ev):
    uow = make_uow(ev.book(1, pdf_key="k1", generated=Generated("ready", "S", "D", "p", "m")),
                   ev.book(2, pdf_key=None))
    with uow:
        commands.regenerate_texts(uow, book_id=1)
    [updated] = uow.published_payloads()
    assert (updated.pdf_key, updated.pdf_changed, updated.stock) == ("k1", True, None)
    assert uow.books.books[1].generated == Generated("pending", "S", "D", "p", "m")
    with pytest.raises(NoPdf), uow:
        commands.regenerate_texts(uow, book_id=2)


def test_events_of_a_command_carry_the_catalog_as_producer_and_no_cause(make_uow, ev):
    uow = make_uow(ev.book(1))
    with uow:
        commands.regenerate_texts(uow, book_id=1)
    [env] = uow.published
    assert (env.producer, env.causation_id) == ("catalog", None)
