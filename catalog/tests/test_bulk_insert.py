"""catalog.bulk.insert: the import's fast write, row for row what bulk_create writes."""

import datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import bulk
from catalog.models import Author, Book, BookLocation, Series
from scheduling.tests.real_services import postgres_only

pytestmark = pytest.mark.django_db
COMPARED = [f.attname for f in Book._meta.concrete_fields if f.attname != "id"]


def new_book(n, **fields):
    return Book(title=f"Book {n}", title_normalized=f"book {n}", status=Book.OWNED, **fields)


def test_every_field_reads_back_as_bulk_create_writes_it():
    when = timezone.now().replace(microsecond=123456)
    fields = {
        "release_date": datetime.date(2031, 4, 5),
        "abridged": True,
        "locked_fields": ["title", "narrators"],
        "metadata_sources": {"title": "audible", "runtime": None},
        "metadata_refreshed_at": when,
        "date_added": when - datetime.timedelta(days=3),
        "runtime_minutes": 615,
        "narrators": "Kate Reading, Michael Kramer",
        "description": 'Ünïcode, "quotes", tabs\tand\nnew lines \\ back\\slashes',
    }
    ours = bulk.insert([new_book(1, series=Series.objects.create(name="Saga"), **fields)])[0]
    theirs = Book.objects.bulk_create([new_book(1, series=ours.series, **fields)])[0]
    ours, theirs = Book.objects.get(pk=ours.pk), Book.objects.get(pk=theirs.pk)
    assert [getattr(ours, name) for name in COMPARED] == [getattr(theirs, n) for n in COMPARED]
    assert ours.metadata_refreshed_at == when and ours.locked_fields == ["title", "narrators"]


def test_each_instance_gets_the_id_of_its_own_row():
    Book.objects.create(title="Already there")
    books = bulk.insert([new_book(n) for n in range(50)])
    assert [Book.objects.get(pk=b.pk).title for b in books] == [f"Book {n}" for n in range(50)]


def test_rows_written_after_by_the_orm_get_new_ids():
    Book.objects.create(title="Before")
    inserted = {b.pk for b in bulk.insert([new_book(n) for n in range(5)])}
    after = Book.objects.create(title="After")
    assert after.pk not in inserted and after.pk > max(inserted)


def test_an_id_freed_by_a_deleted_row_is_not_given_again():
    last = Book.objects.create(title="Deleted later")
    freed = last.pk
    last.delete()
    assert bulk.insert([new_book(1)])[0].pk > freed


def test_a_row_refers_to_an_object_saved_since_it_was_made():
    book = new_book(1, series=Series(name="Unsaved at first"))
    location = BookLocation(book=book, source=BookLocation.FOLDER, path="/books/one")
    bulk.insert([book.series])
    bulk.insert([book])
    bulk.insert([location])
    assert BookLocation.objects.get(pk=location.pk).book.series.name == "Unsaved at first"


def test_a_row_referring_to_an_unsaved_object_is_refused():
    location = BookLocation(book=new_book(1), source=BookLocation.FOLDER, path="/books/one")
    with pytest.raises(ValueError, match="BookLocation.book"):
        bulk.insert([location])
    assert not BookLocation.objects.exists()


def test_the_rows_written_are_counted_as_queries():
    Author.objects.create(name="Warm the connection")
    with CaptureQueriesContext(connection) as captured:
        bulk.insert([Author(name=f"Author {n}") for n in range(20)])
    assert Author.objects.count() == 21
    # PostgreSQL: the ids, then the COPY of the rows; SQLite: the rows, then their ids.
    assert len(captured.captured_queries) == 2


def test_rows_given_as_values_are_written_with_ids_of_their_own():
    books = bulk.insert([new_book(n) for n in range(3)])
    author = Author.objects.create(name="Jane Doe")
    Book.authors.through.objects.create(book=books[0], author=author)
    bulk.insert_rows(
        Book.authors.through, ("book_id", "author_id"), [(b.pk, author.pk) for b in books[1:]]
    )
    assert list(author.books.order_by("pk")) == books
    ids = Book.authors.through.objects.values_list("pk", flat=True)
    assert len(set(ids)) == 3


def test_updated_rows_read_back_with_their_new_values_and_nothing_else_changes():
    books = bulk.insert([new_book(n, narrators="Old") for n in range(3)])
    saga, when = Series.objects.create(name="Saga"), timezone.now().replace(microsecond=5)
    names = ("narrators", "series", "metadata_refreshed_at", "locked_fields")
    bulk.update_rows(Book, names, [(books[0].pk, "New", saga.pk, when, ["narrators"])])
    bulk.update_rows(Book, ("narrators",), [(books[2].pk, "Newer")])  # twice in a transaction
    first, second, third = (Book.objects.get(pk=b.pk) for b in books)
    assert (first.narrators, first.series, first.metadata_refreshed_at) == ("New", saga, when)
    assert first.locked_fields == ["narrators"] and first.title == "Book 0"
    assert (second.narrators, second.series, third.narrators) == ("Old", None, "Newer")


def test_an_instance_made_by_new_is_the_one_the_model_makes():
    saga = Series(name="Saga")
    ours = bulk.new(Book, title="Dune", series=saga, runtime_minutes=615, status=Book.OWNED)
    theirs = Book(title="Dune", series=saga, runtime_minutes=615, status=Book.OWNED)
    same = [f.attname for f in Book._meta.concrete_fields if f.attname != "date_added"]
    assert [getattr(ours, n) for n in same] == [getattr(theirs, n) for n in same]
    assert ours.series is saga and ours._state.adding and ours.date_added is not None
    assert bulk.new(Book).locked_fields is not bulk.new(Book).locked_fields  # each its own


def test_new_refuses_a_field_the_model_does_not_have():
    with pytest.raises(TypeError, match="Book has no field colour"):
        bulk.new(Book, title="Dune", colour="red")


def test_values_equal_but_of_another_type_are_written_each_as_itself():
    books = [new_book(n, metadata_sources={"n": n}) for n in range(2)]
    books += [new_book(2, locked_fields=1), new_book(3, locked_fields=True)]
    books = bulk.insert(books)
    # (1 == True in Python: compared as text, which tells them apart)
    assert [repr(Book.objects.get(pk=b.pk).locked_fields) for b in books[2:]] == ["1", "True"]


@postgres_only("rows written behind need ids drawn ahead, from a sequence")
@pytest.mark.django_db(transaction=True)
def test_writes_behind_are_done_in_order_and_a_failed_one_is_raised_to_the_caller():
    assert bulk.Behind.usable(Author)
    behind = bulk.Behind()
    try:
        behind.run(Author.objects.create, name="First")
        behind.run(Author.objects.create, name="Second")
        behind.wait()
        assert list(Author.objects.order_by("pk").values_list("name", flat=True)) == [
            "First",
            "Second",
        ]
        behind.run(Book.objects.create, title="Lost", series_id=10**9)  # no such series
        with pytest.raises(IntegrityError):
            behind.wait()
    finally:
        behind.close()
    assert not Book.objects.exists()


def test_rows_read_raw_are_those_values_list_gives_in_its_order():
    Book.objects.bulk_create([new_book(n, runtime_minutes=n * 10) for n in (3, 1, 2)])
    query = Book.objects.order_by("-title").values_list("title", "runtime_minutes")
    assert bulk.read_rows(query) == list(query) == [("Book 3", 30), ("Book 2", 20), ("Book 1", 10)]


def test_instances_updated_save_the_fields_named_and_nothing_else():
    saga = Series.objects.create(name="Saga")
    book = Book.objects.create(title="Dune", title_normalized="dune", status=Book.OWNED)
    book.series, book.metadata_sources, book.narrators = saga, {"title": "audible"}, "Scott Brick"
    book.subtitle = "changed here, not saved"
    bulk.update([book], ["series", "metadata_sources", "narrators"])
    again = Book.objects.get(pk=book.pk)
    assert (again.series, again.metadata_sources, again.narrators) == (
        saga, {"title": "audible"}, "Scott Brick",
    )  # fmt: skip
    assert again.subtitle == ""
