import pytest

from catalog.models import Book, Genre, Release
from catalog.tests.fakes import days_ago, mam_item
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def genres():
    return {
        "fantasy": Genre.objects.create(name="Fantasy", mam_category_id=41, discovery_enabled=True),
        "horror": Genre.objects.create(name="Horror", mam_category_id=47, discovery_enabled=False),
    }


@pytest.fixture
def popular(mam):
    mam.items = [
        mam_item(
            300 + i,
            f"Fantasy Hit {i}",
            authors=[f"Author {i}"],
            category=41,
            snatched=100 - i,
            added=days_ago(2),
            series=[("Hit Saga", str(i))] if i < 2 else (),
        )
        for i in range(12)
    ] + [mam_item(400, "Horror Hit", category=47, snatched=500, added=days_ago(1))]
    return mam


def test_each_discovery_genre_gets_its_weeks_ten_most_snatched(genres, popular):
    task = run_task("top10_discovery", Task.CLI)
    assert task.status == Task.COMPLETED, task.error_message
    titles = set(Book.objects.values_list("title", flat=True))
    assert titles == {f"Fantasy Hit {i}" for i in range(10)}
    assert popular.searches[0]["tor[sortType]"] == ["snatchedDesc"]
    assert popular.searches[0]["tor[cat][]"] == ["41"]
    assert (task.items_total, task.items_succeeded) == (1, 1)


def test_discoveries_are_discovered_books_in_their_genre_with_series(genres, popular):
    run_task("top10_discovery", Task.CLI)
    book = Book.objects.get(title="Fantasy Hit 1")
    assert (book.status, book.source) == (Book.DISCOVERED, "top10")
    assert list(book.genres.all()) == [genres["fantasy"]]
    assert (book.series.name, book.series_position) == ("Hit Saga", "1")
    assert Release.objects.get(mam_id=301).book == book


def test_auto_want_marks_discoveries_wanted(genres, popular, settings):
    settings.TOP10_AUTO_WANT = True
    run_task("top10_discovery", Task.CLI)
    assert set(Book.objects.values_list("status", flat=True)) == {Book.WANTED}


def test_a_second_run_changes_nothing(genres, popular):
    run_task("top10_discovery", Task.CLI)
    before = sorted(Book.objects.values_list("pk", "title", "status"))
    run_task("top10_discovery", Task.CLI)
    assert sorted(Book.objects.values_list("pk", "title", "status")) == before
    assert Release.objects.count() == 10


def test_a_known_book_is_not_added_twice(genres, popular):
    Book.objects.create(title="Fantasy Hit 3", status=Book.OWNED)
    run_task("top10_discovery", Task.CLI)
    assert Book.objects.filter(title="Fantasy Hit 3").count() == 1
    assert Book.objects.get(title="Fantasy Hit 3").status == Book.OWNED
