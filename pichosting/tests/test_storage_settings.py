"""STORAGE_BACKEND and CACHE_URL pick django-storages' S3Storage and a shared cache from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x" * 50


def settings_value(expression: str, **env: str) -> subprocess.CompletedProcess:
    """Evaluate `expression` (with `settings`) in a fresh interpreter with the given variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "AWS_", "STORAGE_", "CACHE_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="pichosting.settings", SECRET_KEY=SECRET, DEBUG="false")
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_the_filesystem_is_the_default_storage():
    result = settings_value("settings.STORAGES['default']['BACKEND']")
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage", result.stderr


def test_s3_backend_reads_bucket_endpoint_region_style_and_keys():
    storage = "__import__('django.core.files.storage', fromlist=['storages']).storages['default']"
    expression = (
        f"(type({storage}).__name__, {storage}.bucket_name, {storage}.endpoint_url, "
        f"{storage}.addressing_style, {storage}.max_memory_size)"
    )
    result = settings_value(
        expression,
        STORAGE_BACKEND="s3",
        S3_BUCKET="фото-bucket",
        S3_ENDPOINT_URL="http://127.0.0.1:9",
        S3_ADDRESSING_STYLE="virtual",
        AWS_ACCESS_KEY_ID="AK",
        AWS_SECRET_ACCESS_KEY="SK",
        AWS_S3_MAX_MEMORY_SIZE="1024",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('S3Storage', 'фото-bucket', 'http://127.0.0.1:9', 'virtual', 1024)"


def test_s3_backend_without_a_bucket_refuses_to_start():
    result = settings_value("1", STORAGE_BACKEND="s3")
    assert result.returncode != 0
    assert "needs S3_BUCKET" in result.stderr


def test_an_unknown_backend_refuses_to_start():
    result = settings_value("1", STORAGE_BACKEND="ftp")
    assert result.returncode != 0
    assert "STORAGE_BACKEND must be one of filesystem, s3" in result.stderr


def test_cache_url_selects_redis_or_the_database_cache():
    redis = settings_value("settings.CACHES['default']['BACKEND']", CACHE_URL="redis://127.0.0.1:6379/8")
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache", redis.stderr
    database = settings_value("settings.CACHES['default']['BACKEND']", CACHE_URL="dbcache://pichosting_cache")
    assert database.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", database.stderr
    default = settings_value("settings.CACHES['default']['BACKEND']")
    assert default.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache", default.stderr
