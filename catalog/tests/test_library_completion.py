"""Completion after a library scan: a book the library has is never wanted nor sent."""

import pytest

from catalog.models import Book, Download
from catalog.tests.fakes import mam_item
from catalog.tests.shelf_audio import audio_file

# The completion tests' own fixtures: a followed series and author, a MAM with releases.
from catalog.tests.test_job_completion import COREY, expanse, indexer, le_guin  # noqa: F401
from scheduling.models import Task
from scheduling.runner import run_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library(tmp_path, settings):
    settings.LIBRARY_PATHS, settings.AUDIOBOOKSHELF_URL = [str(tmp_path)], ""
    settings.DOWNLOAD_DRY_RUN = True  # a would-be send is still a Download row
    return tmp_path


@pytest.mark.usefixtures("expanse", "indexer")
def test_series_completion_neither_wants_nor_sends_a_book_on_the_shelf(library, tones):
    audio_file(tones, library / COREY / "The Expanse" / "Book 2 - Caliban's War" / "01.m4b")
    assert run_task("library_scan", Task.CLI).status == Task.COMPLETED

    task = run_task("series_completion", Task.CLI)

    assert task.status == Task.COMPLETED, task.error_message
    assert Book.objects.get(title="Caliban's War").status == Book.OWNED
    assert not Download.objects.filter(book__title="Caliban's War").exists()
    assert Book.objects.get(title="Abaddon's Gate").status == Book.WANTED


@pytest.mark.usefixtures("le_guin")
def test_author_completion_neither_wants_nor_sends_a_book_on_the_shelf(mam, library, tones):
    mam.items = [mam_item(601, "The Tombs of Atuan", authors=["Ursula K. Le Guin"])]
    audio_file(tones, library / "Ursula K. Le Guin" / "The Tombs of Atuan" / "01.mp3")
    run_task("library_scan", Task.CLI)

    task = run_task("author_completion", Task.CLI)

    assert task.status == Task.COMPLETED, task.error_message
    assert Book.objects.get(title="The Tombs of Atuan").status == Book.OWNED
    assert not Download.objects.exists()
    assert Book.objects.get(title="The Left Hand of Darkness").status == Book.WANTED
