"""`manage.py check --deploy` with the production settings docs/deployment.md recommends
(deploy/check_deploy.py, also run by .ci/run) reports only the issues the docs explain."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def check_deploy(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "deploy" / "check_deploy.py"), *overrides],
        capture_output=True,
        text=True,
        timeout=180,
    )


def reported(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\(([a-z_]+\.[WE]\d{3})\)", result.stdout))


def test_the_documented_production_settings_leave_only_the_explained_hsts_choices():
    """env.example copied to .env used to carry SESSION_COOKIE_SECURE=false and SECURE_SSL_REDIRECT=false,
    which beat the https derivation: a deployment that followed the docs sent cookies without Secure."""
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert reported(result) == {"security.W005", "security.W021"}


def test_before_tls_only_the_documented_warnings_appear():
    result = check_deploy("PUBLIC_SCHEME=http", "SECURE_HSTS_SECONDS=0")
    assert result.returncode == 0, result.stdout
    assert reported(result) == {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_an_issue_the_docs_do_not_explain_fails_the_check():
    result = check_deploy("DEBUG=true")
    assert result.returncode == 1
    assert "not explained in docs/deployment.md: security.W018" in result.stdout
