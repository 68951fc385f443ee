import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly the given variables."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="pichosting.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


@pytest.mark.parametrize("secret", [None, "", "change-me", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DEBUG": "false"} if secret is None else {"DEBUG": "false", "SECRET_KEY": secret}
    result = load_settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is a known default" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_run_works_without_a_secret_key():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_storages_use_the_dict_setting(settings):
    assert "default" in settings.STORAGES
    assert not hasattr(settings, "DEFAULT_FILE_STORAGE")
