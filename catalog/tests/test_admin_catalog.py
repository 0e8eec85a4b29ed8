"""The librarian's admin: lists, filters, links, actions, locked fields, escaping."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Author, Book, Download, Genre, Release, Series

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:catalog_{model._meta.model_name}_{view}", args=args)


def listed(response):
    return {str(obj) for obj in response.context["cl"].result_list}


def act(client, model, action, *objects, **extra):
    data = {
        "action": action,
        "index": 0,
        "select_across": 0,
        "_selected_action": [obj.pk for obj in objects],
        **extra,
    }
    return client.post(url(model), data)


def book(title="Leviathan Wakes", authors=(), release=False, **fields):
    b = Book.objects.create(title=title, **fields)
    b.authors.set(authors)
    if release:
        Release.objects.create(mam_id=Release.objects.count() + 1000, title=title, book=b)
    return b


@pytest.fixture
def viewer_client(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="catalog", codename__startswith="view")
    )
    client.force_login(user)
    return client


# --- books --------------------------------------------------------------------------------


def test_the_book_list_shows_authors_series_and_releases_with_links(admin_client):
    corey = Author.objects.create(name="James S. A. Corey")
    expanse = Series.objects.create(name="The Expanse")
    b = book(authors=[corey], release=True, series=expanse, series_position="1")
    page = admin_client.get(url(Book)).content.decode()
    assert f'<a href="{url(Author, "change", corey.pk)}">James S. A. Corey</a>' in page
    assert f'<a href="{url(Series, "change", expanse.pk)}">The Expanse</a> #1' in page
    assert f'{url(Release)}?book__id__exact={b.pk}">1</a>' in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "wanted"}, {"Wanted"}),
        ({"has_release": "no"}, {"Wanted", "Bare"}),
        ({"has_release": "yes"}, {"Complete"}),
        ({"missing": "isbn"}, {"Wanted", "Bare"}),
        ({"missing": "description"}, {"Bare"}),
        ({"missing": "authors"}, {"Bare"}),
        ({"missing": "any"}, {"Wanted", "Bare"}),
        ({"series_monitored": "yes"}, {"Complete"}),
        ({"series_monitored": "no"}, {"Wanted", "Bare"}),
        ({"locked": "yes"}, {"Complete"}),
        ({"locked": "no"}, {"Wanted", "Bare"}),
        ({"q": "9780316129084"}, {"Complete"}),
        ({"q": "corey"}, {"Complete", "Wanted"}),
    ],
)
def test_books_filter_as_a_librarian_expects(admin_client, query, expected):
    corey = Author.objects.create(name="James S. A. Corey")
    monitored = Series.objects.create(name="The Expanse", monitored=True)
    book(
        "Complete",
        [corey],
        release=True,
        isbn_13="9780316129084",
        description="A ship.",
        cover_url="https://covers.test/1.jpg",
        published_date="2011",
        series=monitored,
        locked_fields=["title"],
    )
    book("Wanted", [corey], status=Book.WANTED, description="Another ship.")
    book("Bare")
    assert listed(admin_client.get(url(Book), query)) == expected


def test_mark_wanted_and_ignored(admin_client):
    found, owned = book("Found"), book("Owned", status=Book.OWNED)
    response = act(admin_client, Book, "mark_wanted", found, owned)
    assert response.status_code == 302
    found.refresh_from_db(), owned.refresh_from_db()
    assert (found.status, owned.status) == (Book.WANTED, Book.OWNED)
    act(admin_client, Book, "mark_ignored", found)
    found.refresh_from_db()
    assert found.status == Book.IGNORED


def test_lock_fields_asks_which_fields_then_locks_them(admin_client):
    one, two = book("One", locked_fields=["title"]), book("Two")
    page = act(admin_client, Book, "lock_fields", one, two)
    assert page.status_code == 200 and 'name="field_names"' in page.content.decode()
    act(
        admin_client,
        Book,
        "lock_fields",
        one,
        two,
        apply="Apply",
        mode="lock",
        field_names=["description", "cover_url"],
    )
    one.refresh_from_db(), two.refresh_from_db()
    assert one.locked_fields == ["title", "description", "cover_url"]
    assert two.locked_fields == ["description", "cover_url"]
    act(admin_client, Book, "lock_fields", one, apply="Apply", mode="unlock", field_names=["title"])
    one.refresh_from_db()
    assert one.locked_fields == ["description", "cover_url"]


def test_the_change_form_locks_fields_with_checkboxes(admin_client):
    b = book()
    page = admin_client.get(url(Book, "change", b.pk)).content.decode()
    for name in Book.METADATA_FIELDS:
        assert f'type="checkbox" name="locked_fields" value="{name}"' in page
    form = admin_client.get(url(Book, "change", b.pk)).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "locked_fields"}
    data.update(
        authors=[], genres=[], locked_fields=["publisher", "title"], series="", page_count=""
    )
    data["date_added_0"], data["date_added_1"] = "2026-01-01", "10:00:00"
    response = admin_client.post(url(Book, "change", b.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    b.refresh_from_db()
    assert b.locked_fields == ["title", "publisher"]


def test_provider_html_in_a_description_is_escaped(admin_client):
    b = book(description='<script>alert("x")</script><b>bold</b>')
    page = admin_client.get(url(Book, "change", b.pk)).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_provider_html_in_a_title_is_escaped_in_lists(admin_client):
    Author.objects.create(name="<img src=x onerror=alert(1)>")
    book("<i>Title</i>")
    assert "<img src=x" not in admin_client.get(url(Author)).content.decode()
    assert "<i>Title</i>" not in admin_client.get(url(Book)).content.decode()


def test_the_book_list_costs_the_same_queries_at_5_and_200_books(admin_client):
    counts = []
    for total in (5, 200):
        Book.objects.all().delete()
        expanse = Series.objects.create(name=f"Series {total}")
        author = Author.objects.create(name=f"Author {total}")
        for number in range(total):
            b = book(f"Book {number}", [author], release=number % 2 == 0, series=expanse)
            Download.objects.create(book=b, release=Release.objects.first())
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url(Book), {"all": ""})
            assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # session, user, the MAM session banner, the genre filter's genres, the capped count,
    # the page, its authors
    assert counts[0] <= 8


def test_viewers_can_read_but_not_act(viewer_client):
    b = book()
    assert viewer_client.get(url(Book)).status_code == 200
    act(viewer_client, Book, "mark_ignored", b)
    b.refresh_from_db()
    assert b.status == Book.DISCOVERED


def test_staff_without_permissions_see_no_catalog(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    )
    for model in (Book, Author, Series, Genre, Release, Download):
        assert client.get(url(model)).status_code == 403


# --- authors, series, genres --------------------------------------------------------------


@pytest.mark.parametrize("model", [Author, Series])
def test_monitor_and_unmonitor(admin_client, model):
    one, two = model.objects.create(name="One"), model.objects.create(name="Two")
    act(admin_client, model, "monitor", one, two)
    assert model.objects.filter(monitored=True).count() == 2
    act(admin_client, model, "unmonitor", one)
    assert list(model.objects.filter(monitored=True)) == [two]
    assert listed(admin_client.get(url(model), {"monitored__exact": "1"})) == {"Two"}


def test_author_and_series_lists_count_books_and_link_to_them(admin_client):
    corey = Author.objects.create(name="Corey")
    expanse = Series.objects.create(name="The Expanse")
    book("One", [corey], series=expanse), book("Two", [corey], series=expanse)
    authors = admin_client.get(url(Author)).content.decode()
    assert f'{url(Book)}?authors__id__exact={corey.pk}">2</a>' in authors
    series = admin_client.get(url(Series)).content.decode()
    assert f'{url(Book)}?series__id__exact={expanse.pk}">2</a>' in series
    assert listed(admin_client.get(url(Book), {"authors__id__exact": corey.pk})) == {"One", "Two"}


def test_genre_discovery_on_and_off(admin_client):
    fantasy = Genre.objects.create(name="Fantasy")
    act(admin_client, Genre, "enable_discovery", fantasy)
    fantasy.refresh_from_db()
    assert fantasy.discovery_enabled
    act(admin_client, Genre, "disable_discovery", fantasy)
    fantasy.refresh_from_db()
    assert not fantasy.discovery_enabled


# --- releases and downloads ---------------------------------------------------------------


def test_releases_filter_by_link_and_search_by_mam_id(admin_client):
    linked = Release.objects.create(mam_id=11, title="Linked", book=book())
    Release.objects.create(mam_id=22, title="Loose", format="mp3")
    assert listed(admin_client.get(url(Release), {"linked": "no"})) == {"Loose [mp3] (MAM 22)"}
    assert listed(admin_client.get(url(Release), {"q": "11"})) == {str(linked)}
    assert admin_client.get(url(Release), {"q": "not-a-number"}).status_code == 200


def test_downloads_link_to_book_and_release(admin_client):
    b = book()
    release = Release.objects.create(mam_id=5, title="Leviathan Wakes m4b", book=b)
    Download.objects.create(book=b, release=release, status=Download.FAILED, error_message="x")
    page = admin_client.get(url(Download), {"status__exact": "failed"}).content.decode()
    assert url(Book, "change", b.pk) in page and url(Release, "change", release.pk) in page


def test_every_catalog_page_renders(admin_client):
    b = book(release=True)
    Download.objects.create(book=b, release=Release.objects.get(), requested_at=timezone.now())
    for model in (Book, Author, Series, Genre, Release, Download):
        assert admin_client.get(url(model)).status_code == 200
        assert admin_client.get(url(model, "add")).status_code == 200
    assert admin_client.get(url(Release, "change", Release.objects.get().pk)).status_code == 200


@pytest.mark.parametrize(
    ("cover", "saved"),
    [
        ("https://covers.test/1.jpg", True),
        ("http://covers.test/1.jpg", False),
        ("ftp://covers.test/1.jpg", False),
    ],
    ids=["https", "http", "ftp"],
)
def test_the_book_form_keeps_only_https_cover_links(admin_client, cover, saved):
    b = book()
    form = admin_client.get(url(Book, "change", b.pk)).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "locked_fields"}
    data.update(authors=[], genres=[], series="", page_count="", cover_url=cover)
    data["date_added_0"], data["date_added_1"] = "2026-01-01", "10:00:00"
    response = admin_client.post(url(Book, "change", b.pk), data)
    b.refresh_from_db()
    assert (b.cover_url == cover) is saved
    if not saved:
        assert response.context["adminform"].form.errors["cover_url"] == [
            "Only https:// cover links: the admin would load an http one unencrypted."
        ]
