"""Start the Keycloak-shaped test provider (tests/oidc/keycloak_mimic.mjs) and walk a browser through it."""

import json
import select
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from django.test import Client

from tests.programs import require_program

MIMIC_DIR = Path(__file__).resolve().parents[2] / "oidc"
TEST_HOST = "testserver"


def node_modules_ensure() -> None:
    """`npm ci` in tests/oidc when its packages are missing (CI runs it up front)."""
    if (MIMIC_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = require_program("npm", hint="apt-get install -y nodejs npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=MIMIC_DIR, check=True, capture_output=True)


@dataclass
class KeycloakMimic:
    """A running provider: realms under /realms/<name>, users re-read from `users_file` on every use."""

    process: subprocess.Popen
    origin: str
    users_file: Path
    log_file: Path

    def issuer(self, realm: str = "pichosting") -> str:
        return f"{self.origin}/realms/{realm}"

    def token_endpoint(self, realm: str = "pichosting") -> str:
        return f"{self.issuer(realm)}/protocol/openid-connect/token"

    def users_set(self, users: dict) -> None:
        self.users_file.write_text(json.dumps(users, ensure_ascii=False))

    def client_credentials(self, client_id: str, secret: str, realm: str = "pichosting") -> str:
        """A real access token for the client's service account."""
        response = requests.post(
            self.token_endpoint(realm),
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=5,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def keycloak_mimic_start(
    workdir: Path, *, clients: list[dict], users: dict, realms: list[str], port: int = 0
) -> KeycloakMimic:
    """Start the provider on 127.0.0.1 (`port` 0 = a free one) and wait until it listens."""
    node = require_program("node", hint="apt-get install -y nodejs npm")
    node_modules_ensure()
    workdir.mkdir(parents=True, exist_ok=True)
    users_file = workdir / "users.json"
    users_file.write_text(json.dumps(users, ensure_ascii=False))
    config_file = workdir / "provider.json"
    config_file.write_text(
        json.dumps({"port": port, "realms": realms, "users_file": str(users_file), "clients": clients})
    )
    log_file = workdir / "provider.log"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [node, str(MIMIC_DIR / "keycloak_mimic.mjs"), str(config_file)],
            stdout=subprocess.PIPE,
            stderr=log,
        )
    ready, _, _ = select.select([process.stdout], [], [], 20)
    line = process.stdout.readline() if ready else b""
    if not line:
        process.kill()
        raise RuntimeError(f"the test OpenID provider did not start: {log_file.read_text()[-2000:]}")
    port = json.loads(line)["port"]
    return KeycloakMimic(process, f"http://127.0.0.1:{port}", users_file, log_file)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "id": attrs.get("id"), "fields": {}})
        elif tag in ("input", "button") and attrs.get("name") and self.forms:
            form = self.forms[-1] if not attrs.get("form") else self._by_id(attrs["form"])
            form["fields"].setdefault(attrs["name"], attrs.get("value", ""))

    def _by_id(self, form_id):
        return next(form for form in self.forms if form["id"] == form_id)


def html_forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Page:
    """The last answer a `Browser` got: from PicHosting (Django test client) or from the provider."""

    def __init__(self, url: str, status: int, text: str):
        self.url, self.status, self.text = url, status, text

    @property
    def on_provider(self) -> bool:
        return urlsplit(self.url).hostname != TEST_HOST

    def form(self) -> dict:
        return html_forms(self.text)[0]


class Browser:
    """Follows redirects across PicHosting (http://testserver, via the test client) and the real provider."""

    def __init__(self, client: Client):
        self.client = client
        self.web = requests.Session()

    def _request(self, method: str, url: str, data: dict | None):
        parts = urlsplit(url)
        if parts.hostname == TEST_HOST:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            response = self.client.post(path, data) if method == "POST" else self.client.get(path)
            return response.status_code, response.headers.get("Location"), response.content.decode()
        response = self.web.request(method, url, data=data, allow_redirects=False, timeout=10)
        return response.status_code, response.headers.get("Location"), response.text

    def go(
        self,
        url: str,
        *,
        method: str = "GET",
        data: dict | None = None,
        stop_at_app: bool = False,
        max_hops: int = 20,
    ) -> Page:
        """Request `url` and follow redirects; `stop_at_app` returns before a redirect back to PicHosting."""
        url = urljoin(f"http://{TEST_HOST}/", url)
        for _ in range(max_hops):
            status, location, text = self._request(method, url, data)
            if status not in (301, 302, 303, 307) or not location:
                return Page(url, status, text)
            next_url = urljoin(url, location)
            if stop_at_app and urlsplit(next_url).hostname == TEST_HOST:
                return Page(next_url, 0, "")
            url, method, data = next_url, "GET", None
        raise AssertionError(f"too many redirects, last at {url}")

    def submit(self, page: Page, *, stop_at_app: bool = False, **fields) -> Page:
        form = page.form()
        data = {**form["fields"], **fields}
        return self.go(urljoin(page.url, form["action"]), method="POST", data=data, stop_at_app=stop_at_app)

    def login(self, username: str, password: str, *, next_url: str = "/") -> Page:
        """Click "Sign in with Keycloak", type the credentials at the provider, land back on PicHosting."""
        page = self.go(f"/oidc/authenticate/?next={next_url}")
        if page.on_provider:
            page = self.submit(page, username=username, password=password)
        return page
