"""Cost of Keycloak bearer-token authentication on the JSON API, against session cookies in the same run.

Run: .venv/bin/python bench/bearer_auth.py [requests]   (needs Node.js; starts the test provider on 127.0.0.1)
Prints one table: GET /api/me per request with a session cookie (the baseline), the first bearer call
(discovery, key set, account creation) and later bearer calls (cached keys, account unchanged).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
WORKDIR = Path(tempfile.mkdtemp(prefix="pichosting-bench-"))
(WORKDIR / "static").mkdir()
os.environ.update(
    DJANGO_SETTINGS_MODULE="pichosting.settings",
    SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnop",
    DATABASE_URL=f"sqlite:///{WORKDIR / 'db.sqlite3'}",
    STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    STATIC_ROOT=str(WORKDIR / "static"),
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.roles import Role  # noqa: E402
from tests.system.keycloak.provider import keycloak_mimic_start  # noqa: E402

CLIENT = {"client_id": "pichosting", "client_secret": "bench-secret"}
USERS = {"service-account-pichosting": {"sub": "0f8f8a9e-bench", "realm_roles": ["appuser"]}}


def timed(call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    return samples


def main(count: int) -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    keycloak = keycloak_mimic_start(
        WORKDIR / "keycloak", clients=[CLIENT], users=USERS, realms=["pichosting"]
    )
    try:
        settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = keycloak.issuer(), CLIENT["client_id"]
        settings.OIDC_CLIENT_SECRET = CLIENT["client_secret"]
        uploader = get_user_model().objects.create_user("bench-uploader")
        uploader.groups.add(Group.objects.get(name=Role.USER.value))
        session = Client()
        session.force_login(uploader)
        token = keycloak.client_credentials(CLIENT["client_id"], CLIENT["client_secret"])
        bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

        timed(lambda: session.get("/api/me"), 20)  # warm up
        baseline = timed(lambda: session.get("/api/me"), count)
        first = timed(lambda: bearer.get("/api/me"), 1)
        steady = timed(lambda: bearer.get("/api/me"), count)
    finally:
        keycloak.stop()

    base_mean = statistics.mean(baseline)
    print(f"GET /api/me, {count} requests each (Django test client, SQLite)")
    print(f"{'mode':<34}{'mean ms':>9}{'p95 ms':>9}{'vs session':>12}")
    for name, samples in (
        ("session cookie (baseline)", baseline),
        ("bearer, first call", first),
        ("bearer, cached keys", steady),
    ):
        mean = statistics.mean(samples)
        p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
        print(f"{name:<34}{mean:>9.2f}{p95:>9.2f}{mean / base_mean:>11.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
