"""Two web nodes and two workers of the production stack on 127.0.0.1, sharing one PostgreSQL database and one
SeaweedFS bucket, behind one nginx (tests/system/test_two_nodes.py).

Each process is `deploy/entrypoint.sh web | worker` with the environment docker-compose.yml gives its service
(`stack.compose_environment`, the bucket's settings in `.env`), a `HOSTNAME` of its own and local folders of
its own under `<name>/var/` (media root, locks, temporary upload files, metrics): nothing a job needs can
pass from one node to another through a local disk. nginx is the shipped configuration rendered with both web
nodes in its upstream; it sends files from the bucket (MEDIA_SERVE=nginx, as compose sets it). One more nginx
per web node, with that node alone upstream, pins a client to it. The local administrator `manage.py
bootstrap` creates signs in with its password.
"""

import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.seaweedfs import S3Server, seaweedfs_start, seaweedfs_stop
from tests.system.nginx import Nginx, free_port, nginx_start, wait_for_port
from tests.system.stack import (
    ENTRYPOINT,
    POSTGRES,
    REPO,
    compose_environment,
    database_create,
    database_drop,
    entrypoint_run,
    healthy_wait,
    migrate_run,
    service_env,
)

WEB_NODES = ("web-a", "web-b")
WORKERS = ("worker-1", "worker-2")
UPLOAD_MAX_BYTES = 80 * 1024 * 1024
STOP_SECONDS = 20


@dataclass
class Cluster:
    """The running cluster: nginx's URL, each web node's (pinned) URL, the bucket; `stop()` ends it all."""

    workdir: Path
    database: str
    base_url: str  # nginx
    nodes: dict[str, str]  # web node name -> the URL of an nginx with that node alone upstream
    s3: S3Server
    bucket: str
    environment: dict[str, dict[str, str]]
    local: dict[str, str]
    admin_password: str
    nginx: list[Nginx] = field(default_factory=list)  # the shared one, then one pinned to each node
    seaweedfs: subprocess.Popen | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(**POSTGRES, dbname=self.database) as connection:
            return connection.execute(query, params).fetchall()

    def var(self, name: str) -> Path:
        """The local `var/` folder of process `name` (a web node or a worker)."""
        return self.workdir / name / "var"

    def keys(self, prefix: str = "") -> set[str]:
        """Every object key in the bucket (under `prefix`)."""
        pages = self.s3.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def manage(self, *arguments: str) -> subprocess.CompletedProcess:
        """`entrypoint.sh manage <arguments>` as an operator runs it in a worker container (a folder of its
        own); its output as text."""
        env = service_env(self.environment["worker"], {**self.local, **_local_folders(self.var("manage"))})
        return subprocess.run(
            [str(ENTRYPOINT), "manage", *arguments],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def worker_start(self, name: str) -> subprocess.Popen:
        """`entrypoint.sh worker` as `name` (its worker id and HOSTNAME), with local folders of its own."""
        env = service_env(
            self.environment["worker"], {**self.local, **_local_folders(self.var(name)), "HOSTNAME": name}
        )
        self.processes[name] = entrypoint_run(name, env, "worker", "--worker-id", name, workdir=self.workdir)
        return self.processes[name]

    def web_start(self, name: str, port: int) -> subprocess.Popen:
        """`entrypoint.sh web` as `name` on `port`, with local folders of its own; returns once healthy."""
        folders = _local_folders(self.var(name))
        env = service_env(
            self.environment["web"], {**self.local, **folders, "HOSTNAME": name, "PORT": str(port)}
        )
        web = self.processes[name] = entrypoint_run(name, env, "web", workdir=self.workdir)
        wait_for_port(port, web, timeout=60)
        healthy_wait(f"http://127.0.0.1:{port}", web, host="localhost")
        return web

    def stop(self) -> None:
        for nginx in self.nginx:  # first: their keep-alive connections would hold the web nodes' shutdown
            nginx.stop()
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.seaweedfs is not None:
            seaweedfs_stop(self.seaweedfs)


def _local_folders(var: Path) -> dict[str, str]:
    """The settings naming a process's local folders, all under its own `var`."""
    folders = {
        "MEDIA_ROOT": var / "media",
        "LOCK_DIR": var / "locks",
        "FILE_UPLOAD_TEMP_DIR": var / "tmp",
        "PROMETHEUS_MULTIPROC_DIR": var / "metrics",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(folder) for name, folder in folders.items()}


def cluster_start(workdir: Path, **settings: str) -> Cluster:
    """SeaweedFS with a new bucket, a new database, migrate, both web nodes, both workers and nginx in front
    of the web nodes; `settings` go to every app service's `.env`. Returns once the web nodes are healthy."""
    nginx_port, ports = free_port(), {name: free_port() for name in WEB_NODES}
    pinned_ports = {name: free_port() for name in WEB_NODES}
    base_url = f"http://localhost:{nginx_port}"
    seaweedfs, s3 = seaweedfs_start(workdir / "seaweedfs")
    cluster = None
    try:
        bucket = s3.bucket_create()
        env_values = {
            "DOMAIN": "localhost",
            "PUBLIC_BASE_URL": base_url,  # plain http on loopback
            "SECRET_KEY": f"two-nodes-secret-key-{uuid.uuid4().hex}",  # the same on every node
            "POSTGRES_PASSWORD": POSTGRES["password"],
            "METRICS_TOKEN": "two-nodes-metrics-token",
            **s3.environment(bucket),
            "CACHE_URL": "dbcache://pichosting_cache",
            "UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES),
            "MEDIA_AUTH_CACHE_SECONDS": "1",
            **settings,
        }
        environment = compose_environment(env_values, workdir)
        database = f"pichosting_twonode_{uuid.uuid4().hex[:8]}"
        local = {
            "POSTGRES_HOST": POSTGRES["host"],
            "POSTGRES_PORT": str(POSTGRES["port"]),
            "POSTGRES_USER": POSTGRES["user"],
            "POSTGRES_DB": database,
            "STATIC_ROOT": str(workdir / "static"),  # the image's collected files: the same on every node
            "WEB_BIND": "127.0.0.1",
            "WEB_WORKERS": "1",
        }
        database_create(database)
        cluster = Cluster(
            workdir=workdir,
            database=database,
            base_url=base_url,
            nodes={name: f"http://localhost:{port}" for name, port in pinned_ports.items()},
            s3=s3,
            bucket=bucket,
            environment=environment,
            local=local,
            admin_password="",
            seaweedfs=seaweedfs,
        )
        migrate_env = {**local, **_local_folders(cluster.var("migrate")), "STATIC_PUBLISH_DIR": ""}
        output = migrate_run(service_env(environment["migrate"], migrate_env), workdir=workdir)
        cluster.admin_password = re.search(r"password: (\S+)", output).group(1)
        for name, port in ports.items():
            cluster.web_start(name, port)
        for name in WORKERS:
            cluster.worker_start(name)
        (cluster.var("nginx") / "media").mkdir(parents=True)
        upstreams = {"nginx": (nginx_port, ports.values())}
        upstreams |= {f"nginx-{name}": (pinned_ports[name], [ports[name]]) for name in WEB_NODES}
        for folder, (port, upstream) in upstreams.items():
            nginx = nginx_start(
                workdir / folder,
                upstream=" ".join(f"127.0.0.1:{web_port}" for web_port in upstream),
                media_root=cluster.var("nginx") / "media",  # nginx has no media: files are in the bucket
                static_root=workdir / "static",
                upload_max_bytes=UPLOAD_MAX_BYTES,
                port=port,
                s3_endpoint_url=s3.endpoint_url,
            )
            cluster.nginx.append(nginx)
        return cluster
    except BaseException:
        if cluster is None:
            seaweedfs_stop(seaweedfs)
        else:
            cluster_remove(cluster)
        raise


def cluster_remove(cluster: Cluster) -> None:
    """Stop every process, drop the database, remove the folders."""
    cluster.stop()
    database_drop(cluster.database)
    shutil.rmtree(cluster.workdir / "seaweedfs", ignore_errors=True)
