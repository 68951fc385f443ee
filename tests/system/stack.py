"""The production stack on 127.0.0.1, started from the shipped files the way docker-compose.yml starts it.

The environment of each service is what `docker compose config` resolves from docker-compose.yml and a test
`.env`; only what a container gets from its image or its network is replaced by local equivalents (volume
paths become folders of the test, `postgres` becomes the shared PostgreSQL with a database of the test's own,
`web:8000` a free port). The processes are the image's: `deploy/entrypoint.sh migrate | web | worker`, nginx
from `deploy/nginx` rendered by `render.sh`, and the Keycloak-shaped provider of `tests/oidc` serving the
shipped realm `deploy/keycloak/realm-pichosting.json`.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from tests.programs import venv_program
from tests.system.keycloak.provider import KeycloakMimic, keycloak_mimic_start
from tests.system.keycloak.realm import mimic_config, realm_load
from tests.system.nginx import Nginx, free_port, nginx_start, wait_for_port

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": "postgres"}
CLIENT_SECRET = "stack-test-client-secret"
METRICS_TOKEN = "stack-test-metrics-token"
UPLOAD_MAX_BYTES = 80 * 1024 * 1024
APP_SERVICES = ("migrate", "web", "worker")


def compose_environment(env_values: dict[str, str], workdir: Path) -> dict[str, dict[str, str]]:
    """`docker compose config` of the shipped file with `env_values` as `.env`: each service's environment."""
    plugin = venv_program("docker-compose")
    docker_config = workdir / "docker-config"
    (docker_config / "cli-plugins").mkdir(parents=True, exist_ok=True)
    link = docker_config / "cli-plugins" / "docker-compose"
    if not link.exists():
        link.symlink_to(plugin)
    env_file = workdir / "stack.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in env_values.items()))
    result = subprocess.run(
        [plugin, "--project-directory", str(REPO), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(docker_config), "HOME": str(workdir)},
        timeout=60,
        check=True,
    )
    services = json.loads(result.stdout)["services"]
    environments = {}
    for name, service in services.items():
        # `env_file: .env` hands the app services every variable of .env, under their `environment:`.
        from_env_file = env_values if service.get("env_file") or name in APP_SERVICES else {}
        environments[name] = {**from_env_file, **(service.get("environment") or {})}
    return environments


def database_create(name: str) -> None:
    with psycopg.connect(**POSTGRES, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with psycopg.connect(**POSTGRES, dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Stack:
    """The running stack: its URLs, folders, database and processes; `stop()` ends them all."""

    workdir: Path
    database: str
    base_url: str  # nginx, the only published address
    web_url: str  # the web service itself, as Prometheus on the compose network reaches it
    media_root: Path
    nginx: Nginx
    provider: KeycloakMimic
    realm: dict
    environment: dict[str, dict[str, str]]
    local: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sql(self, query: str, *params, database: str = "") -> list[tuple]:
        with psycopg.connect(**POSTGRES, dbname=database or self.database) as connection:
            return connection.execute(query, params).fetchall()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.nginx.stop()
        self.provider.stop()


def service_env(compose_env: dict[str, str], local: dict[str, str]) -> dict[str, str]:
    """A service's environment: what compose gives it, with `local` replacing what a container would get."""
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "CI") if name in os.environ}
    return {**keep, **compose_env, **local, "PYTHON": sys.executable}


def entrypoint_run(name: str, env: dict[str, str], *arguments: str, workdir: Path) -> subprocess.Popen:
    """`deploy/entrypoint.sh <arguments>` started with `env`; its output goes to `<workdir>/<name>.log`."""
    log = (workdir / f"{name}.log").open("ab")
    return subprocess.Popen(
        [str(ENTRYPOINT), *arguments], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
    )


def healthy_wait(url: str, process: subprocess.Popen, *, host: str, timeout: float = 60) -> None:
    """Return once `url`/healthz answers 200 (asked for `host`); raise if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            request = urllib.request.Request(f"{url}/healthz", headers={"Host": host})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url}/healthz did not answer 200")


def migrate_run(env: dict[str, str], *, workdir: Path) -> str:
    """Collect static files into STATIC_ROOT, then `entrypoint.sh migrate`; returns its output."""
    # The image collects static files at build time; here the checkout stands in for the image.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=300,
    )
    migrate = entrypoint_run("migrate", env, "migrate", workdir=workdir)
    output = (workdir / "migrate.log").read_text(errors="replace") if migrate.wait(timeout=300) == 0 else ""
    if migrate.returncode != 0:
        raise RuntimeError((workdir / "migrate.log").read_text(errors="replace")[-3000:])
    return output


def stack_start(workdir: Path, *, workers: int = 2) -> Stack:
    """Start a database, the provider, migrate, web, `workers` workers and nginx; return once web is up."""
    nginx_port, web_port = free_port(), free_port()
    base_url = f"http://localhost:{nginx_port}"
    database = f"pichosting_stack_{uuid.uuid4().hex[:8]}"
    env_values = {
        "DOMAIN": "localhost",
        "PUBLIC_BASE_URL": base_url,  # plain http on loopback; a real deployment leaves it derived (https)
        "SECRET_KEY": "stack-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "POSTGRES_PASSWORD": POSTGRES["password"],
        "METRICS_TOKEN": METRICS_TOKEN,
        # On the compose network Prometheus is another container, never loopback: the token is needed.
        "METRICS_INTERNAL_NETWORKS": "192.0.2.0/24",
        "OIDC_CLIENT_ID": "pichosting",
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES),
        "MEDIA_AUTH_CACHE_SECONDS": "1",
    }
    realm = realm_load({"PUBLIC_BASE_URL": base_url, "PICHOSTING_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    clients, users = mimic_config(realm)
    provider = keycloak_mimic_start(
        workdir / "keycloak", clients=clients, users=users, realms=[realm["realm"]]
    )
    env_values["OIDC_ISSUER"] = provider.issuer(realm["realm"])  # where the team's Keycloak answers
    environment = compose_environment(env_values, workdir)

    volumes = {name: workdir / name for name in ("media", "locks", "static", "metrics", "tmp")}
    for folder in volumes.values():
        folder.mkdir(parents=True, exist_ok=True)
    local = {
        "POSTGRES_HOST": POSTGRES["host"],
        "POSTGRES_PORT": str(POSTGRES["port"]),
        "POSTGRES_USER": POSTGRES["user"],
        "POSTGRES_DB": database,
        "MEDIA_ROOT": str(volumes["media"]),
        "LOCK_DIR": str(volumes["locks"]),
        "STATIC_ROOT": str(volumes["static"]),
        "PROMETHEUS_MULTIPROC_DIR": str(volumes["metrics"]),
        "FILE_UPLOAD_TEMP_DIR": str(volumes["tmp"]),
        "WEB_BIND": "127.0.0.1",
        "PORT": str(web_port),
    }
    database_create(database)
    nginx = None
    stack = None
    try:
        migrate_run(service_env(environment["migrate"], {**local, "STATIC_PUBLISH_DIR": ""}), workdir=workdir)
        nginx_values = environment["nginx"]
        nginx = nginx_start(
            workdir / "nginx",
            upstream=f"127.0.0.1:{web_port}",
            media_root=volumes["media"],
            static_root=volumes["static"],
            upload_max_bytes=int(nginx_values["UPLOAD_MAX_BYTES"]),
            media_auth_cache_seconds=int(nginx_values["MEDIA_AUTH_CACHE_SECONDS"]),
            port=nginx_port,
        )
        stack = Stack(
            workdir=workdir,
            database=database,
            base_url=base_url,
            web_url=f"http://127.0.0.1:{web_port}",
            media_root=volumes["media"],
            nginx=nginx,
            provider=provider,
            realm=realm,
            environment=environment,
            local=local,
        )
        web_start(stack, "web", port=web_port)
        for number in range(1, workers + 1):
            worker_env = service_env(environment["worker"], {**local, "HOSTNAME": f"worker-{number}"})
            name = f"worker-{number}"
            stack.processes[name] = entrypoint_run(name, worker_env, "worker", workdir=workdir)
        return stack
    except BaseException:
        if stack is not None:
            stack.stop()
        else:
            if nginx is not None:
                nginx.stop()
            provider.stop()
        database_drop(database)
        raise


def web_start(stack: Stack, name: str, *, port: int, **changes: str) -> subprocess.Popen:
    """`entrypoint.sh web` of `stack` on `port` (with `changes` to its environment); returns when healthy."""
    env = service_env(stack.environment["web"], {**stack.local, "PORT": str(port), **changes})
    web = entrypoint_run(name, env, "web", workdir=stack.workdir)
    stack.processes[name] = web
    wait_for_port(port, web, timeout=60)
    healthy_wait(f"http://127.0.0.1:{port}", web, host="localhost")
    return web


def stack_remove(stack: Stack) -> None:
    stack.stop()
    database_drop(stack.database)
    shutil.rmtree(stack.workdir / "media", ignore_errors=True)


# A job's row says `done` before its worker deletes the spool and the task queue marks the task ended
# (`uploads.jobs._job_finish`): what a test checks of storage after a job must wait for its task as well.
JOB_TASK_ENDED_SQL = (
    "SELECT t.status IN ('SUCCESSFUL', 'FAILED') FROM uploads_uploadjob j "
    "JOIN django_tasks_database_dbtaskresult t ON t.id::text = j.task_id WHERE j.id = %s"
)


def zip_upload(http: requests.Session, base_url: str, archive: Path, *, album: str, headers: dict) -> dict:
    """POST the ZIP `archive` into `album` through `<base_url>/api/upload`; the answer of its acceptance."""
    with archive.open("rb") as body:
        response = http.post(
            f"{base_url}/api/upload",
            files={"file": (archive.name, body, "application/zip")},
            data={"album": album},
            headers=headers,
            timeout=120,
        )
    assert response.status_code == 202, response.text
    return response.json()
