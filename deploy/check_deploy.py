"""`manage.py check --deploy` with the production settings docs/deployment.md recommends; fails on a warning
the docs do not explain.

The settings are those of a real deployment: `env.example` copied to `.env`, the edits "First start" and "TLS"
ask for, then the values `docker-compose.yml` gives the app services. `NAME=VALUE` arguments override them.
Exit 0 when every reported issue is named in the docs' "`manage.py check --deploy`" section, else 1.
Run by `.ci/run` and by `tests/test_deploy_check.py`.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# What docs/deployment.md asks a deployment to set in `.env` (placeholders for the secrets).
DOCUMENTED_EDITS = {
    "DOMAIN": "photos.example.com",
    "POSTGRES_PASSWORD": "database-password",
    "METRICS_TOKEN": "metrics-token",
    "SECURE_HSTS_SECONDS": "31536000",  # "TLS": once https works
}
SECTION = "## `manage.py check --deploy`"


def production_environment(overrides: dict[str, str]) -> dict[str, str]:
    """env.example as `.env`, the documented edits, then docker-compose.yml's app environment."""
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (REPO / "env.example").read_text(), re.MULTILINE))
    values |= DOCUMENTED_EDITS | {"SECRET_KEY": secrets.token_urlsafe(50)}
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    for name, value in compose["x-app"]["environment"].items():
        if not str(value).startswith("${"):  # the ones read from .env are set above
            values[name] = str(value)
    return {**values, **overrides}


def explained_ids() -> set[str]:
    """The check ids docs/deployment.md's check section names (and so explains)."""
    text = (REPO / "docs" / "deployment.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"\b[a-z_]+\.[WE]\d{3}\b", section))


def _check(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def main(arguments: list[str]) -> int:
    overrides = dict(argument.split("=", 1) for argument in arguments)
    environment = {"PATH": os.environ.get("PATH", ""), **production_environment(overrides)}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)  # as `entrypoint.sh manage` runs it: the web's own
    result = _check(environment)
    print(result.stdout + result.stderr, end="")
    reported = set(re.findall(r"\(([a-z_]+\.[WE]\d{3})\)", result.stdout + result.stderr))
    unexplained = sorted(reported - explained_ids())
    if result.returncode != 0 or unexplained:
        print(f"check_deploy: not explained in docs/deployment.md: {', '.join(unexplained) or '(errors)'}")
        return 1
    print(f"check_deploy: {len(reported)} issue(s), each explained in docs/deployment.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
