"""The production stack of docker-compose.yml, run on 127.0.0.1 from the same files (tests/system/stack.py).

Everything a user does goes through nginx only: sign in through the provider in Chromium, upload a 50 MB ZIP,
see the job finish, browse, download, export, fetch a public link anonymously. Prometheus (Debian's package)
scrapes the web service the way deploy/prometheus/prometheus.yml does. A backup made with the documented
commands restores into an empty database and media folder.
"""

import io
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import sync_playwright

from tests.programs import require_program
from tests.system.browser import CHROMIUM_ARGS
from tests.system.nginx import free_port, wait_for_port
from tests.system.stack import (
    JOB_TASK_ENDED_SQL,
    METRICS_TOKEN,
    POSTGRES,
    Stack,
    database_create,
    database_drop,
    stack_remove,
    stack_start,
    web_start,
    zip_upload,
)

PHOTOS = 12  # of about 4.5 MB each: a ZIP of over 50 MB
SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy")


def noise_jpeg(size=(2600, 1950)) -> bytes:
    """A photo of random pixels: incompressible, about 6 MB at this size, never the same twice."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_program("nginx", hint="apt-get install -y nginx")
    running = stack_start(tmp_path_factory.mktemp("stack"), workers=2)
    yield running
    stack_remove(running)


@pytest.fixture(scope="module")
def session(stack: Stack) -> requests.Session:
    """Sign in as the realm's `uploader` in Chromium, through nginx and the provider; its cookies."""
    chromium = require_program("chromium", hint="apt-get install -y chromium")
    (user,) = [u for u in stack.realm["users"] if u["username"] == "uploader"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="ru-RU").new_page()
        page.goto(f"{stack.base_url}/")
        assert urlsplit(page.url).path == "/accounts/login/"
        page.click("a[href^='/oidc/authenticate/']")
        page.wait_for_load_state()
        assert page.locator("input[name=username]").count(), f"{page.url}: {page.content()[:1500]}"
        page.fill("input[name=username]", "uploader")
        page.fill("input[name=password]", user["credentials"][0]["value"])
        page.click("button")
        page.wait_for_url(f"{stack.base_url}/**")
        assert urlsplit(page.url).path == "/"
        cookies = page.context.cookies()
        browser.close()
    http = requests.Session()
    (session_cookie,) = [cookie for cookie in cookies if cookie["name"] == "sessionid"]
    http.cookies.set("sessionid", session_cookie["value"])  # requests gets a CSRF cookie of its own
    me = http.get(f"{stack.base_url}/api/me").json()
    assert me["username"] == "uploader" and me["roles"] == ["appuser"], me
    return http


def csrf_headers(stack: Stack, http: requests.Session) -> dict:
    if "csrftoken" not in http.cookies:
        http.get(f"{stack.base_url}/upload/")
    return {"X-CSRFToken": http.cookies["csrftoken"], "Referer": f"{stack.base_url}/"}


def job_wait(stack: Stack, http: requests.Session, job_id: int, timeout: float = 240) -> dict:
    """The job as the API shows it once it has ended and its worker's task with it (`JOB_TASK_ENDED_SQL`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"{stack.base_url}/api/uploads/{job_id}").json()
        if job["status"] in ("done", "failed") and stack.sql(JOB_TASK_ENDED_SQL, job_id) == [(True,)]:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {job}\n{stack.log('worker-1')[-2000:]}")


def upload(stack: Stack, http: requests.Session, archive: Path, *, album: str) -> dict:
    return zip_upload(http, stack.base_url, archive, album=album, headers=csrf_headers(stack, http))


@pytest.fixture(scope="module")
def big_upload(stack: Stack, session: requests.Session, tmp_path_factory) -> dict:
    archive = tmp_path_factory.mktemp("zip") / "весна.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for number in range(PHOTOS):
            zf.writestr(f"АРТ-{number // 4 + 1}/{number % 4 + 1}.jpg", noise_jpeg())
    assert archive.stat().st_size >= 50 * 1024 * 1024
    accepted = upload(stack, session, archive, album="Весна 2026")
    return {"archive": archive, "job": job_wait(stack, session, accepted["job"])}


def test_a_50_mb_zip_goes_through_nginx_unbuffered_and_a_worker_ingests_it(stack, big_upload):
    job = big_upload["job"]
    assert job["status"] == "done", job
    assert job["added"] == PHOTOS and job["refused"] == 0
    nginx_errors = stack.nginx.error_log.read_text()
    assert "buffered to a temporary file" not in nginx_errors, "nginx buffered the upload body"
    spool = stack.workdir / "media" / "spool"
    assert not list(spool.glob("*")), "the spool of a finished job is left behind"


def test_browsing_and_downloads_are_sent_by_nginx(stack, session, big_upload):
    album = session.get(f"{stack.base_url}/api/albums").json()["items"][0]
    page = session.get(f"{stack.base_url}/a/{album['slug']}/")
    assert page.status_code == 200 and "АРТ-1" in page.text
    files = session.get(f"{stack.base_url}/api/files/{quote(album['name'])}").json()["items"]
    assert len(files) == PHOTOS
    first = files[0]
    original = session.get(first["url"])
    assert original.status_code == 200
    assert original.content == big_upload_bytes(big_upload, first)
    thumbnail = session.get(first["thumbnails"][0]["url"])
    assert thumbnail.status_code == 200
    assert thumbnail.content == (stack.media_root / thumbnail_name(stack, first)).read_bytes()
    for response in (original, thumbnail):
        assert "X-Accel-Redirect" not in response.headers
        assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert session.get(f"{stack.base_url}/_protected/").status_code == 404


def thumbnail_name(stack: Stack, item: dict) -> str:
    size, fmt = item["thumbnails"][0]["size"], item["thumbnails"][0]["format"]
    ((name,),) = stack.sql(
        "SELECT file FROM gallery_thumbnail WHERE image_id = %s AND size = %s AND lower(format) = %s",
        item["id"],
        size,
        fmt,
    )
    return name


def big_upload_bytes(big_upload: dict, item: dict) -> bytes:
    with zipfile.ZipFile(big_upload["archive"]) as zf:
        return zf.read(f"{item['sku']}/{item['original_name']}")


@pytest.fixture(scope="module")
def exported(stack: Stack, session: requests.Session, big_upload: dict) -> dict:
    """Public links switched on, an XLSX export of the album, and its first link fetched anonymously."""
    album = session.get(f"{stack.base_url}/api/albums").json()["items"][0]
    switched = session.post(
        f"{stack.base_url}/a/{album['slug']}/links",
        data={"state": "on"},
        headers=csrf_headers(stack, session),
    )
    query = {"albums": album["slug"], "preset": "in_row", "size": "original", "file_format": "xlsx"}
    export = session.get(f"{stack.base_url}/exports/download", params=query)
    links = []
    if export.status_code == 200:
        rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
        cells = [cell for row in rows[1:] for cell in row if isinstance(cell, str)]
        links = [cell for cell in cells if cell.startswith("http")]
    anonymous = requests.get(links[0], timeout=10) if links else None
    return {"switched": switched, "export": export, "links": links, "anonymous": anonymous}


def test_an_export_with_public_links_opens_anonymously_through_nginx(stack, exported):
    assert exported["switched"].status_code in (200, 302)
    assert exported["export"].status_code == 200
    links = exported["links"]
    assert len(links) == PHOTOS and all(link.startswith(f"{stack.base_url}/p/") for link in links)
    anonymous = exported["anonymous"]
    assert anonymous.status_code == 200 and anonymous.content[:3] == b"\xff\xd8\xff"
    assert "X-Accel-Redirect" not in anonymous.headers


def metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, flags=re.MULTILINE)
    assert match, f"{name}{labels} is not in the scrape"
    return float(match.group(1))


def test_metrics_need_the_token_and_count_what_users_did(stack, exported):
    assert requests.get(f"{stack.base_url}/metrics", timeout=10).status_code == 404
    assert requests.get(f"{stack.web_url}/metrics", timeout=10).status_code == 403
    scrape = requests.get(
        f"{stack.web_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    assert scrape.status_code == 200
    text = scrape.text
    assert metric(text, "pichosting_upload_files_total", '{result="added"}') >= PHOTOS
    assert metric(text, "pichosting_upload_job_duration_seconds_count", '{outcome="done"}') >= 1
    assert metric(text, "pichosting_export_rows_total", '{format="xlsx"}') >= 2
    assert metric(text, "pichosting_public_link_requests_total", '{outcome="file"}') >= 1
    assert metric(text, "pichosting_photos") == PHOTOS


def start_prometheus(prometheus: str, folder: Path) -> tuple[subprocess.Popen, int]:
    """Prometheus listening on a free port; a port taken between choosing and binding it is chosen again."""
    for _attempt in range(3):
        port = free_port()
        with (folder / "prometheus.log").open("wb") as log:
            process = subprocess.Popen(
                [
                    prometheus,
                    f"--config.file={folder / 'prometheus.yml'}",
                    f"--storage.tsdb.path={folder / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            wait_for_port(port, process, timeout=30)
            time.sleep(0.5)  # a Prometheus that lost the port to another program exits at once
        except RuntimeError:  # it exited: the port was taken
            continue
        except BaseException:  # it never listened: stop it rather than leave it running
            process.kill()
            process.wait()
            raise
        if process.poll() is None:
            return process, port
    raise AssertionError((folder / "prometheus.log").read_text()[-2000:])


def test_prometheus_scrapes_the_app_and_answers_a_product_metric(stack, big_upload, tmp_path):
    prometheus = require_program("prometheus", hint="apt-get download prometheus; dpkg-deb -x (.ci/run)")
    shipped = (Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "prometheus.yml").read_text()
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN)
    config = (
        shipped.replace("/etc/prometheus/metrics-token", str(token_file))
        .replace('"web:8000"', f'"{urlsplit(stack.web_url).netloc}"')
        .replace("scrape_interval: 30s", "scrape_interval: 1s")
    )
    assert config != shipped
    (tmp_path / "prometheus.yml").write_text(config)
    process, port = start_prometheus(prometheus, tmp_path)
    try:
        deadline, value = time.monotonic() + 60, None
        while time.monotonic() < deadline and value is None:
            time.sleep(1)
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/api/v1/query",
                    params={"query": 'pichosting_upload_files_total{result="added"}'},
                    timeout=5,
                ).json()
            except requests.RequestException:
                continue
            if answer["data"]["result"]:
                value = float(answer["data"]["result"][0]["value"][1])
        assert value == PHOTOS, (tmp_path / "prometheus.log").read_text()[-2000:]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_pages_carry_the_security_headers_through_nginx(stack, session):
    response = session.get(f"{stack.base_url}/")
    assert response.status_code == 200
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_two_workers_take_distinct_jobs(stack, session, big_upload, tmp_path):
    job_ids = []
    for number in range(4):
        archive = tmp_path / f"small-{number}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for photo in range(3):
                zf.writestr(f"S-{number}/{photo + 1}.jpg", noise_jpeg((1600, 1200)))
        job_ids.append(upload(stack, session, archive, album=f"Параллельно {number}")["job"])
    jobs = [job_wait(stack, session, job_id) for job_id in job_ids]
    assert all(job["status"] == "done" for job in jobs), jobs
    rows = stack.sql("SELECT worker FROM uploads_uploadjob WHERE id = ANY(%s)", job_ids)
    workers = {worker for (worker,) in rows}
    assert len(workers) == 2, workers


def test_a_backup_restores_into_an_empty_database_and_media_folder(stack, session, big_upload, tmp_path):
    """The documented commands (docs/deployment.md), without `docker compose exec` around them."""
    pg_dump, pg_restore = require_program("pg_dump"), require_program("pg_restore")
    connection = ["--host", POSTGRES["host"], "--port", str(POSTGRES["port"]), "--username", POSTGRES["user"]]
    dump = tmp_path / "pichosting.dump"
    with dump.open("wb") as out:
        subprocess.run([pg_dump, "--format=custom", *connection, stack.database], stdout=out, check=True)
    media_tar = tmp_path / "media.tar.gz"
    subprocess.run(["tar", "-C", str(stack.media_root), "-czf", str(media_tar), "."], check=True)

    restored_db = f"{stack.database}_restored"
    database_create(restored_db)
    try:
        with dump.open("rb") as source:
            subprocess.run(
                [pg_restore, "--clean", "--if-exists", "--no-owner", *connection, "--dbname", restored_db],
                stdin=source,
                check=True,
            )
        restored_media = tmp_path / "restored-media"
        restored_media.mkdir()
        subprocess.run(["tar", "-C", str(restored_media), "-xzf", str(media_tar)], check=True)

        query = "SELECT id, sha256, file FROM gallery_image ORDER BY id"
        assert stack.sql(query, database=restored_db) == stack.sql(query)
        # The restored catalogue, served by a web process of its own (the session is in the dump too).
        port = free_port()
        web_start(
            stack,
            "web-restored",
            port=port,
            POSTGRES_DB=restored_db,
            MEDIA_ROOT=str(restored_media),
            MEDIA_SERVE="django",
        )
        for item in session.get(f"{stack.base_url}/api/files/{quote('Весна 2026')}").json()["items"]:
            path = urlsplit(item["url"]).path
            served = session.get(f"http://127.0.0.1:{port}{path}", headers={"Host": "localhost"})
            assert served.status_code == 200, path
            assert served.content == session.get(item["url"]).content
    finally:
        restored = stack.processes.pop("web-restored", None)
        if restored is not None:
            restored.terminate()
            restored.wait(timeout=20)
        database_drop(restored_db)
