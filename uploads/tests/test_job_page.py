"""The job page and its API: links to the album and articles, problems first, ZIP order, summary, warnings."""

import re

import pytest
from django.utils import translation

from gallery.models import Album, Article
from gallery.tests.factories import picture_bytes
from uploads.selectors import JobCounts
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db

ARCHIVE = {
    "Весна/Мужское/RC-1/b.jpg": picture_bytes(color=(1, 1, 1)),
    "Весна/Мужское/RC-1/a.jpg": picture_bytes(color=(2, 2, 2)),
    "Весна/readme.txt": b"notes",
    "Весна/Женское/RC-1/c.jpg": picture_bytes(color=(3, 3, 3)),
    "Весна/Женское/RC-2/d.jpg": picture_bytes(color=(1, 1, 1)),
    "Весна/Женское/RC-2/e.jpg": picture_bytes(color=(1, 1, 1)),
    "Весна/Женское/RC-2/f.pdf": b"%PDF-1.4",
}


@pytest.fixture
def job(ingest):
    return ingest({"Весна.zip": zip_bytes(list(ARCHIVE.items()))})


def rows_of(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="outcome-(\w+)" data-index="(\d+)">', html)


def test_rows_come_problems_first_then_in_zip_order(client_as, uploader, job):
    html = client_as(uploader).get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = rows_of(html)
    assert [outcome for outcome, _index in rows] == [
        "refused",
        "refused",
        "duplicate",
        "added",
        "added",
        "added",
        "added",
    ]
    refused = [int(index) for outcome, index in rows if outcome == "refused"]
    added = [int(index) for outcome, index in rows if outcome == "added"]
    assert refused == sorted(refused) and added == sorted(added), "each group in the archive's order"


def test_page_links_the_album_and_every_article(client_as, uploader, job):
    html = client_as(uploader).get(f"/uploads/{job.pk}/").content.decode()
    album = Album.objects.get()
    assert f'href="/a/{album.slug}/"' in html
    for article in Article.objects.all():
        assert f'href="/a/{album.slug}/{article.slug}/"' in html


def test_problems_only_filter(client_as, uploader, job):
    html = client_as(uploader).get(f"/uploads/{job.pk}/", {"problems": "1"}).content.decode()
    assert {outcome for outcome, _index in rows_of(html)} == {"refused", "duplicate"}
    assert "data-problems-only" in html


def test_summary_and_merge_warnings_on_the_page_and_in_the_api(client_as, uploader, job):
    client = client_as(uploader)
    html = client.get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "2 артикула, 4 фото добавлено, 1 дубликат, 2 файла отклонены" in html
    assert "«RC-1»" in html and "объединены" in html
    answer = client.get(f"/api/uploads/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["summary"] == "2 articles, 4 photos added, 1 duplicate, 2 files refused"
    assert [warning["code"] for warning in answer["warnings"]] == ["articles_merged"]
    assert "“RC-1” appears in 2 places" in answer["warnings"][0]["message"]
    assert answer["album_url"] == f"/a/{Album.objects.get().slug}/"
    assert all(r["article_url"].startswith("/a/") for r in answer["results"] if r["outcome"] == "added")
    assert (answer["added"], answer["duplicates"], answer["refused"]) == (4, 1, 2)


def test_several_album_folders_in_one_zip_are_warned_about(ingest, client_as, uploader):
    job = ingest(
        {
            "Сезон.zip": zip_bytes(
                {"Весна/A-1/a.jpg": picture_bytes(), "Лето/B-1/b.jpg": picture_bytes(color=(5, 5, 5))}
            )
        }
    )
    answer = client_as(uploader).get(f"/api/uploads/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [warning["code"] for warning in answer["warnings"]] == ["albums_merged"]
    assert "“Сезон”" in answer["warnings"][0]["message"]


def test_counters_are_counted_from_the_rows(client_as, uploader, job):
    type(job).objects.filter(pk=job.pk).update(added=0, refused=0)  # a progress save not yet written
    answer = client_as(uploader).get(f"/api/uploads/{job.pk}").json()
    assert (answer["added"], answer["refused"]) == (4, 2)


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        (JobCounts(added=1, duplicates=0, refused=0, articles=1), "1 артикул, 1 фото добавлено"),
        (
            JobCounts(added=69, duplicates=0, refused=2, articles=14),
            "14 артикулов, 69 фото добавлено, 2 файла отклонены",
        ),
        (
            JobCounts(added=21, duplicates=5, refused=5, articles=21),
            "21 артикул, 21 фото добавлено, 5 дубликатов, 5 файлов отклонены",
        ),
    ],
)
def test_summary_uses_russian_plurals(counts, text):
    with translation.override("ru"):
        assert counts.summary == text
