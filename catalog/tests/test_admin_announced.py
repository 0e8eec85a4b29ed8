"""The release calendar and a series' books in order, as staff see them."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from catalog.models import Author, Book, Series

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/catalog/announcedbook/"
TODAY = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def book(title, series=None, position="", status=Book.WANTED, release=None, author="A. Writer"):
    created = Book.objects.create(
        title=title,
        series=series,
        series_position=position,
        status=status,
        release_date=release,
        narrators="R. Reader" if status == Book.ANNOUNCED else "",
    )
    created.authors.add(Author.objects.get_or_create(name=author)[0])
    return created


def months(response):
    return [
        (group["month"].strftime("%Y-%m"), [b.title for b in group["books"]])
        for group in response.context["months"]
    ]


def test_the_calendar_lists_announced_books_by_month(admin_client):
    expanse = Series.objects.create(name="The Expanse", monitored=True)
    book("Book Ten", expanse, "10", Book.ANNOUNCED, date(2027, 4, 2))
    book("Book Eleven", expanse, "11", Book.ANNOUNCED, date(2027, 9, 1))
    book("Spring Novella", None, "", Book.ANNOUNCED, date(2027, 4, 20), author="B. Other")
    book("Already Wanted", expanse, "3", Book.WANTED)
    response = admin_client.get(CALENDAR)
    assert months(response) == [
        ("2027-04", ["Book Ten", "Spring Novella"]),
        ("2027-09", ["Book Eleven"]),
    ]
    page = response.content.decode()
    assert "April 2027" in page and "The Expanse</a> #10" in page
    assert "R. Reader" in page and "A. Writer" in page


def test_a_book_out_but_not_found_stays_on_the_calendar_marked_so(admin_client):
    book("Came Out Last Week", None, "", Book.ANNOUNCED, date(2027, 3, 3))
    book("Coming Next Week", None, "", Book.ANNOUNCED, date(2027, 3, 17))
    page = admin_client.get(CALENDAR).content.decode()
    assert page.count("out, not found yet") == 1
    assert page.index("out, not found yet") < page.index("Coming Next Week")


def test_the_calendar_cannot_add_or_change_books(admin_client):
    response = admin_client.get(CALENDAR + "add/")
    assert response.status_code == 403


def test_a_series_shows_its_books_in_order_with_status_and_gaps(admin_client):
    expanse = Series.objects.create(name="The Expanse", monitored=True, new_books_only=True)
    book("Leviathan Wakes", expanse, "1", Book.OWNED)
    book("Book Ten", expanse, "10", Book.ANNOUNCED, date(2027, 4, 2))
    book("Abaddon's Gate", expanse, "3", Book.DOWNLOADING)
    book("Caliban's War", expanse, "2", Book.WANTED)
    book("Gods of Risk", expanse, "2.5", Book.OWNED)
    response = admin_client.get(reverse("admin:catalog_series_books", args=[expanse.pk]))
    rows = [(row["position"], row["status"]) for row in response.context["rows"]]
    assert rows == [
        ("1", "owned"),
        ("2", "wanted"),
        ("2.5", "owned"),
        ("3", "downloading"),
        *[(str(n), "gap") for n in range(4, 10)],
        ("10", "announced"),
    ]
    page = response.content.decode()
    assert "6 not in the library" in page and "1 announced" in page
    assert "(new books only)" in page


def test_the_series_list_links_to_its_books_in_order(admin_client):
    expanse = Series.objects.create(name="The Expanse")
    page = admin_client.get(reverse("admin:catalog_series_changelist")).content.decode()
    assert reverse("admin:catalog_series_books", args=[expanse.pk]) in page


def test_staff_without_view_permission_cannot_see_a_series_page(client, django_user_model):
    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    expanse = Series.objects.create(name="The Expanse")
    response = client.get(reverse("admin:catalog_series_books", args=[expanse.pk]))
    assert response.status_code == 403


def test_monitoring_from_the_list_records_when_it_started(admin_client):
    expanse = Series.objects.create(name="The Expanse")
    admin_client.post(
        reverse("admin:catalog_series_changelist"),
        {"action": "monitor", "index": 0, "_selected_action": [expanse.pk]},
    )
    expanse.refresh_from_db()
    assert (expanse.monitored, expanse.monitored_since) == (True, TODAY)
    admin_client.post(
        reverse("admin:catalog_series_changelist"),
        {"action": "unmonitor", "index": 0, "_selected_action": [expanse.pk]},
    )
    expanse.refresh_from_db()
    assert (expanse.monitored, expanse.monitored_since) == (False, None)
