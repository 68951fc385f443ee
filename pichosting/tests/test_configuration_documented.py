"""Every setting read from the environment is in `env.example` and in `docs/configuration.md`, and nothing
is listed there that the code no longer reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("pichosting", "core", "gallery", "uploads", "exports", "accounts", "operations")
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}  # how Django finds the settings module, not one of ours

# `env.str("NAME"`, `env("NAME"`, and `environment.flag(env, "NAME"` (pichosting.environment)
ENV_READ = re.compile(r"""\b(?:env(?:\.\w+)?\(|flag\(env,)\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def names_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            text = path.read_text(encoding="utf-8")
            names |= set(ENV_READ.findall(text)) | set(OS_READ.findall(text))
    # The deployment reads some itself: gunicorn's settings file and docker-compose.yml's `${NAME…}`.
    names |= set(OS_READ.findall((ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8")))
    names |= set(
        re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    )
    return names - NOT_SETTINGS


def names_in_env_example() -> set[str]:
    text = (ROOT / "env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def names_in_the_docs() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, flags=re.MULTILINE))


def test_the_code_reads_settings_at_all():
    assert {"SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT"} <= names_read_by_the_code()


def test_every_setting_the_code_reads_is_in_env_example():
    assert names_read_by_the_code() - names_in_env_example() == set()


def test_env_example_lists_only_settings_the_code_reads():
    assert names_in_env_example() - names_read_by_the_code() == set()


def test_docs_configuration_lists_exactly_env_example():
    assert names_in_the_docs() == names_in_env_example()
