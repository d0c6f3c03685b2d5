"""Mutual TLS end to end: Debian's nginx terminates TLS in front of the demo
site under gunicorn; httpx presents client certificates made by the test.

Skipped when nginx is not installed, unless M2M_REQUIRE_NGINX is set (as
.ci/run does), when that is a failure.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from . import certs
from .servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
if NGINX is None and os.environ.get("M2M_REQUIRE_NGINX"):
    raise RuntimeError("M2M_REQUIRE_NGINX is set but Debian's nginx is not installed")
pytestmark = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx")

PROXY_ADDRESS = "127.0.0.2"  # nginx connects upstream from here; nothing else is trusted

NGINX_CONF = """
worker_processes 1;
daemon off;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {server_cert}; ssl_certificate_key {server_key};
        ssl_client_certificate {ca}; ssl_verify_client optional_no_ca;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_bind {proxy_address};
            proxy_set_header Host $http_host;
            proxy_set_header Client-Cert $ssl_client_escaped_cert;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


class Stack:
    """Files, the demo under gunicorn, nginx; and what the tests need of them."""

    def __init__(self, directory: Path):
        self.dir, self.port, self.app_port = directory, free_port(), free_port()
        self.ca = certs.certificate_authority()
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.ca.pem)
        self.server_cert, self.server_key = certs.issue(self.ca, "localhost", dns=["localhost"], ips=["127.0.0.1"],
                                                        server=True).write(directory, "server")
        self.client = certs.issue(self.ca, "billing")
        self.intruder = certs.issue(self.ca, "intruder")
        self.self_signed = certs.self_signed("reporting")
        self.url = f"https://127.0.0.1:{self.port}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "demo_project.settings", "REDIS_URL": "",
            "DATABASE_URL": f"sqlite:///{directory}/demo.sqlite3", "M2M_AUTH_ISSUER": self.url,
            "M2M_AUTH_TRUSTED_PROXIES": f"{PROXY_ADDRESS}/32", "M2M_AUTH_MTLS_CERT_HEADER_FORMAT": "nginx",
            "M2M_AUTH_MTLS_CA_FILE": str(self.ca_file), "DEBUG": "false",
        }
        self.processes = []

    def manage(self, *args) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    def start(self) -> None:
        self.manage("migrate", "-v0")
        self.manage("createcachetable")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "demo_project.wsgi:application", "-b", f"127.0.0.1:{self.app_port}",
             "-w", "2"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"http://127.0.0.1:{self.app_port}/")
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=self.port, app_port=self.app_port, ca=self.ca_file,
                                          server_cert=self.server_cert, server_key=self.server_key,
                                          proxy_address=PROXY_ADDRESS))
        self.processes.append(subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.dir)],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(self.url + "/", verify=self.tls())

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            process.wait(timeout=10)

    def tls(self, identity=None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if identity is not None:
            context.load_cert_chain(*identity.write(self.dir, identity.certificate.serial_number.__str__()))
        return context

    def http(self, identity=None) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.tls(identity), timeout=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("mtls"))
    try:
        running.start()
        running.manage("m2m", "role", "create", "svc", "--kind", "machine", "--scope", "orders:read")
        created = running.manage("m2m", "app", "create", "billing", "--role", "svc", "--json",
                                 "--tls-subject", running.client.certificate.subject.rfc4514_string())
        running.client_id = json.loads(created)["client_id"]
        pem = running.dir / "reporting-registered.pem"
        pem.write_bytes(running.self_signed.pem)
        created = running.manage("m2m", "app", "create", "reporting", "--role", "svc", "--json", "--tls-cert", str(pem))
        running.self_signed_client_id = json.loads(created)["client_id"]
        yield running
    finally:
        running.stop()


def token_with(http: httpx.Client, client_id: str) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id})


def test_a_certificate_gets_a_bound_token_usable_only_with_it(stack):
    with stack.http(stack.client) as http:
        response = token_with(http, stack.client_id)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        import jwt

        assert "x5t#S256" in jwt.decode(token, options={"verify_signature": False})["cnf"]
        assert http.get("/api/whoami/", headers={"Authorization": f"Bearer {token}"}).json()["client_id"] == stack.client_id
    headers = {"Authorization": f"Bearer {token}"}
    with stack.http(stack.intruder) as http:
        assert http.get("/api/whoami/", headers=headers).status_code == 401
    with stack.http() as http:
        assert http.get("/api/whoami/", headers=headers).status_code == 401


def test_a_registered_self_signed_certificate_gets_a_bound_token(stack):
    with stack.http(stack.self_signed) as http:
        response = token_with(http, stack.self_signed_client_id)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        whoami = http.get("/api/whoami/", headers={"Authorization": f"Bearer {token}"})
        assert whoami.status_code == 200 and whoami.json()["client_id"] == stack.self_signed_client_id
        assert token_with(http, stack.client_id).status_code == 401  # not registered for the other application
    with stack.http(stack.client) as http:
        assert http.get("/api/whoami/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert token_with(http, stack.self_signed_client_id).status_code == 401


def test_another_certificate_or_none_gets_no_token(stack):
    with stack.http(stack.intruder) as http:
        assert token_with(http, stack.client_id).status_code == 401
    with stack.http() as http:
        assert token_with(http, stack.client_id).status_code == 401


def test_a_forged_header_is_refused_through_nginx_and_directly(stack):
    forged = {"Client-Cert": stack.client.nginx_escaped()}
    with stack.http() as http:  # through nginx, no TLS client certificate: nginx replaces the header
        response = http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": stack.client_id},
                             headers=forged)
        assert response.status_code == 401
    direct = httpx.post(f"http://127.0.0.1:{stack.app_port}/oauth/token", headers=forged,
                        data={"grant_type": "client_credentials", "client_id": stack.client_id})
    assert direct.status_code == 401
    with stack.http(stack.client) as http:
        token = token_with(http, stack.client_id).json()["access_token"]
    replay = httpx.get(f"http://127.0.0.1:{stack.app_port}/api/whoami/",
                       headers={**forged, "Authorization": f"Bearer {token}"})
    assert replay.status_code == 401


def test_the_audit_log_names_the_client_behind_nginx_not_nginx_or_a_forged_header(stack):
    with stack.http(stack.intruder) as http:  # nginx appends the client's 127.0.0.1 to what the client sent
        assert token_with_header(http, stack.client_id, {"X-Forwarded-For": "6.6.6.6"}).status_code == 401
    printed = stack.manage("shell", "-c", "import json; from m2m_auth.models import AuditEvent as A; "
                                          "print(json.dumps(sorted(set(A.objects.filter(action='auth_failed')"
                                          ".values_list('address', flat=True)))))")
    assert json.loads(printed.strip().splitlines()[-1]) == ["127.0.0.1"]  # after the shell's import notice


def token_with_header(http: httpx.Client, client_id: str, headers: dict) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id},
                     headers=headers)
