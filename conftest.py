"""Fixtures shared by every app's tests: isolated media storage, users holding each role, a catalogue."""

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from accounts.roles import Role

pytest_plugins = ["tests.seaweedfs"]  # s3_server / s3_bucket / s3_media: a real S3 (SeaweedFS)

SYSTEM_TESTS = Path(__file__).resolve().parent / "tests" / "system"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under `tests/system/` starts real programs: it carries the `system` marker."""
    for item in items:
        if SYSTEM_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.system)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes files into its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def cache_cleared():
    """Every test starts with an empty default cache: rows are rolled back after each test and their ids
    reused, so cached role lookups (`accounts.roles`) and figures must not outlive the test."""
    cache.clear()


@pytest.fixture(autouse=True)
def language_reset():
    """Every test starts in `LANGUAGE_CODE`: a request's language (the locale middleware activates it for the
    thread and leaves it active) does not carry over into the next test."""
    yield
    translation.deactivate()


CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
NAMES_ALIKE_IN_BOTH = {"SHA-256", "ID", "id"}


def _untranslated_model_names(app_label: str) -> list[str]:
    config = apps.get_app_config(app_label)
    with translation.override("ru"):
        untranslated = [] if CYRILLIC.search(str(config.verbose_name)) else [f"app: {config.verbose_name}"]
        for model in config.get_models():
            names = [model._meta.verbose_name, model._meta.verbose_name_plural]
            names += [
                field.verbose_name for field in model._meta.get_fields() if hasattr(field, "verbose_name")
            ]
            untranslated += [
                f"{model.__name__}: {name}"
                for name in map(str, names)
                if name not in NAMES_ALIKE_IN_BOTH and not CYRILLIC.search(name)
            ]
    return untranslated


@pytest.fixture
def untranslated_model_names() -> Callable[[str], list[str]]:
    """`names(app_label)`: the app's own name and its models' and fields' names that have no Russian
    translation (the admin labels its sections, columns and forms with them; untranslated they show English
    in a Russian UI). Each app's `test_i18n` asserts its list is empty."""
    return _untranslated_model_names


@pytest.fixture
def make_user(django_user_model) -> Callable:
    """Create a user holding the given roles (none by default)."""

    def make(username: str = "someone", *roles: Role, **fields):
        user = django_user_model.objects.create_user(
            username=username, password="pw-for-tests-only", **fields
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user("viewer", Role.VIEWER)


@pytest.fixture
def uploader(make_user):
    return make_user("uploader", Role.USER)


@pytest.fixture
def app_admin(make_user):
    return make_user("appadmin", Role.ADMIN)


@pytest.fixture
def no_role_user(make_user):
    return make_user("norole")


@pytest.fixture
def client_as(client) -> Callable:
    """A test client logged in as `user` (or anonymous for None)."""

    def login(user):
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def viewer_client(client, viewer):
    """The test client, signed in as an `appviewer`."""
    client.force_login(viewer)
    return client


@pytest.fixture
def appadmin_client(client, app_admin):
    """The test client, signed in as an `appadmin` (pytest-django's `admin_client` is a superuser)."""
    client.force_login(app_admin)
    return client


@pytest.fixture
def known_catalogue():
    """Two albums: «Зима» with 2 articles × 2 photos, «Лето» with 1 photo; one photo dated 3 days back."""
    from django.utils import timezone

    from gallery.models import Image
    from gallery.tests.factories import album_make, article_make, image_make

    winter, summer = album_make("Зима"), album_make("Лето")
    winter_images = [
        image_make(article_make(winter, sku), width=400, height=300, color=(index * 60, 20, 20))
        for sku in ("A-1", "A-2")
        for index in range(2)
    ]
    summer_image = image_make(article_make(summer, "Б-1"), width=40, height=30)
    three_days_ago = timezone.now() - timedelta(days=3)
    Image.objects.filter(pk=summer_image.pk).update(created_at=three_days_ago)
    return winter_images, summer_image
