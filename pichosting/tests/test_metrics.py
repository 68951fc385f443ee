"""`GET /metrics`: refused without the token from outside or through the proxy; queue and catalogue gauges."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = "metrics-test-token"
    settings.METRICS_INTERNAL_NETWORKS = ["127.0.0.0/8"]
    return "metrics-test-token"


def test_metrics_with_the_token_show_request_and_catalogue_figures(client, token):
    image_make(article_make(album_make("Весна"), "АРТ-1"))
    client.get("/healthz")
    response = client.get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="x"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "pichosting_photos 1.0" in text
    assert 'pichosting_upload_jobs{status="queued"} 0.0' in text
    assert "pichosting_upload_queue_depth 0.0" in text
    assert "django_http_requests_total_by_view_transport_method_total" in text


def test_metrics_refused_without_token_from_outside(client, token):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", REMOTE_ADDR="203.0.113.9").status_code
        == 403
    )


def test_metrics_refused_through_the_proxy_even_from_an_internal_address(client, token):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_direct_internal_callers_need_no_token(client, token):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_direct_scrapes_over_plain_http_are_not_redirected_when_https_is_enforced(client, settings, token):
    settings.SECURE_SSL_REDIRECT = True  # an https deployment behind nginx: Prometheus scrapes web directly
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_every_product_metric_the_dashboard_plots_is_exposed(client, token):
    """A renamed metric must not leave a Grafana panel silently empty."""
    dashboard = json.loads((settings.BASE_DIR / "deploy/grafana/pichosting-dashboard.json").read_text())
    plotted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bpichosting_[a-z_]+", target["expr"])
    }
    exposed = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    names = set(re.findall(r"^(pichosting_[a-z_]+)", exposed, flags=re.MULTILINE))
    assert len(plotted) >= 8
    assert plotted <= names, plotted - names


def test_a_management_command_runs_where_the_multiprocess_folder_does_not_exist_yet(tmp_path):
    """The image sets PROMETHEUS_MULTIPROC_DIR; `collectstatic` runs at build time, before it exists."""
    folder = tmp_path / "not-yet" / "metrics"
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert folder.is_dir()
