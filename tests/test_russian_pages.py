"""Pages rendered in Russian carry no English sentence from our catalogue (a missing or fuzzy translation)."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from gallery.services import album_counters_refresh
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
_ENTRY = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)', re.MULTILINE)


def english_sentences() -> list[str]:
    """Our catalogue's msgids that read as English sentences: three words or more, no placeholders."""
    sentences = []
    for match in _ENTRY.finditer(CATALOGUE.read_text(encoding="utf-8")):
        text = match[1] + "".join(line[1:-1] for line in match[2].splitlines())
        text = text.replace('\\"', '"')
        if re.search(r"[%{<\\]", text) or len(text.split()) < 3:
            continue
        sentences.append(text)
    return sentences


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def pages(app_admin):
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-1")
    image_make(article)
    album_counters_refresh(album_id=album.pk)
    return [
        "/",
        f"/a/{album.slug}/",
        f"/a/{album.slug}/{article.slug}/",
        f"/a/{album.slug}/?uploaded_from=2026-02-01&uploaded_to=2026-01-01",
        "/upload/",
        f"/exports/?albums={album.slug}&preview=1",
        "/admin/",
        "/admin/accounts/actionlog/",
    ]


def test_no_english_sentence_on_russian_pages(client, app_admin, pages):
    client.force_login(app_admin)
    sentences = english_sentences()
    assert len(sentences) > 50, "the catalogue was read"
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
        # A backwards date range is refused with its reason (400), which must be in Russian too.
        assert response.status_code == (400 if "uploaded_to=2026-01-01" in url else 200), url
        text = " ".join(visible_text(response.content.decode()).split())
        leaked = [sentence for sentence in sentences if sentence in text]
        assert not leaked, f"{url}: {leaked}"


def _admin_pages(request) -> list[str]:
    """Every admin changelist, one change page per model that has a row, and every add page that opens."""
    from django.contrib import admin
    from django.urls import reverse

    urls = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        row = model._default_manager.first()
        if row is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def test_every_admin_page_in_russian_has_no_english_and_counts_in_russian_plurals(
    client, app_admin, rf, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from accounts.models import ActionLog
    from uploads.tasks import storage_sync_process

    album = album_make("Весна 2026")
    for n in range(5):
        image_make(article_make(album, f"АРТ-{n}"), color=(n * 40, 9, 9))
    for n in range(20):
        ActionLog.objects.create(action="login", username=f"u{n}")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # a row to list
    with django_capture_on_commit_callbacks(execute=True):
        storage_sync_process.enqueue(run_id=0)
    assert DBTaskResult.objects.count() == 1
    client.force_login(app_admin)
    request = rf.get("/admin/")
    request.user = app_admin
    sentences = english_sentences()
    urls = _admin_pages(request)
    assert len(urls) > 15, urls
    texts = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 200, url
        texts[url] = " ".join(visible_text(response.content.decode()).split())
        leaked = [sentence for sentence in sentences if sentence in texts[url]]
        assert not leaked, f"{url}: {leaked}"
        assert not re.search(r"\b(Ready|Running|Failed|Successful|Select|Add|Change)\b", texts[url]), url
        assert "Выберите загрузка" not in texts[url] and "Выберите синхронизация" not in texts[url], url
    assert "5 артикулов" in texts["/admin/gallery/article/"]
    assert "5 фото" in texts["/admin/gallery/image/"]
    assert "21 запись журнала" in texts["/admin/accounts/actionlog/"]  # 20 sign-ins and the test's own
    assert "1 результат задачи" in texts["/admin/django_tasks_database/dbtaskresult/"]
    assert "в очереди" in texts["/admin/django_tasks_database/dbtaskresult/"]
