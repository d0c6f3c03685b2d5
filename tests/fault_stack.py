"""Real servers for the fault-injection tests, each on a free port in one
temporary directory: a PostgreSQL cluster of its own (initdb), a redis-server,
and the demo site under gunicorn with several workers. Each server can be
stopped, frozen (SIGSTOP on its whole process group), thawed and restarted.

PostgreSQL refuses to run as root, so under root (as in CI) its programs run
as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_user() -> dict | None:
    """Popen's arguments to run PostgreSQL's programs as ``postgres`` when we are root; {} otherwise."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def missing_tools() -> list[str]:
    missing = [] if postgres_bindir() else ["PostgreSQL's initdb"]
    if postgres_user() is None:
        missing.append("a postgres user to run PostgreSQL as (we are root)")
    return missing + ([] if shutil.which("redis-server") else ["redis-server"])


def wait_until(ready, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up")


class Server:
    """A process in its own process group, so that signals reach its children too."""

    def __init__(self, argv: list, log: Path, **popen):
        self.argv, self.log, self.popen, self.process = argv, log, popen, None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, **self.popen)

    def send(self, number: int) -> None:
        os.killpg(self.process.pid, number)

    def stop(self, number: int = signal.SIGTERM) -> None:
        """Thaw the group, then ask the server itself to stop; it stops its children."""
        if self.process is not None and self.process.poll() is None:
            self.send(signal.SIGCONT)
            self.process.send_signal(number)
            self.process.wait(timeout=30)

    def freeze(self) -> None:
        self.send(signal.SIGSTOP)
        time.sleep(0.05)
        self.send(signal.SIGSTOP)  # a child forked while the first signal went round

    def thaw(self) -> None:
        self.send(signal.SIGCONT)


class Postgres(Server):
    def __init__(self, directory: Path):
        self.bindir, self.as_user, self.port = postgres_bindir(), postgres_user(), free_port()
        if self.as_user:
            os.chown(directory, self.as_user["user"], self.as_user["group"])
        data = directory / "pgdata"
        self.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
        super().__init__([self.bindir / "postgres", "-D", data, "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                          "-c", f"unix_socket_directories={directory}", "-c", "fsync=off", "-c", "full_page_writes=off"],
                         directory / "postgres.log", cwd=directory, **self.as_user)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args) -> str:
        done = subprocess.run([self.bindir / program, *map(str, args)], cwd="/", check=True, capture_output=True,
                              text=True, **self.as_user)
        return done.stdout

    def start(self) -> None:
        super().start()
        wait_until(lambda: psycopg.connect(self.url, connect_timeout=1).close() or True, "PostgreSQL")

    def stop(self, number: int = signal.SIGINT) -> None:  # SIGINT: fast shutdown
        super().stop(number)

    def dump(self) -> str:
        return self.run("pg_dump", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "postgres")


class Redis(Server):
    def __init__(self, directory: Path):
        self.port = free_port()
        super().__init__(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(directory)], directory / "redis.log")
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        super().start()
        wait_until(redis.Redis(port=self.port, socket_timeout=1).ping, "Redis")

    def keyspace(self) -> list[bytes]:
        """Every key and every string value, for the secrets scan."""
        client = redis.Redis(port=self.port)
        keys = list(client.scan_iter(count=1000))
        return keys + [client.get(key) or b"" for key in keys if client.type(key) == b"string"]


class Demo(Server):
    def __init__(self, directory: Path, database: Postgres, cache: Redis):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_project.settings", "DATABASE_URL": database.url,
                    "REDIS_URL": cache.url, "M2M_AUTH_ISSUER": self.url, "DEBUG": "false",
                    "ALLOWED_HOSTS": "127.0.0.1", "M2M_AUTH_LOG_LEVEL": "DEBUG"}
        super().__init__([sys.executable, "-m", "gunicorn", "demo_project.wsgi:application", "-b",
                          f"127.0.0.1:{self.port}", "-w", str(WORKERS), "--access-logfile", "-", "--capture-output"],
                         directory / "gunicorn.log", cwd=ROOT, env=self.env)

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    def start(self) -> None:
        super().start()
        wait_until(lambda: httpx.get(self.url + "/.well-known/jwks.json", timeout=2).status_code == 200, "gunicorn")

    def provision(self) -> dict:
        """Credentials made by the m2m flows, plaintext included (printed once, as JSON)."""
        return json.loads(self.manage("shell", "-c", PROVISION).strip().splitlines()[-1])


PROVISION = """
import json
from django.contrib.auth import get_user_model
from m2m_auth import issuing, rbac
machine = rbac.create_role("fault-machine", "machine", ["orders:read"])
person = rbac.create_role("fault-person", "user", ["orders:read"])
user = get_user_model().objects.create_user("fault-user")
rbac.grant_role(user.username, person.name)
app, secret = issuing.create_application("fault-app", roles=[machine.name])
out = {"client_id": app.client_id, "client_secret": secret}
for name in ("key", "victim_key"):
    out[name] = issuing.create_api_key(name, scopes=["orders:read"])[1]
for name in ("pat", "victim_pat"):
    out[name] = issuing.create_personal_access_token(user, name, scopes=["orders:read"])[1]
print(json.dumps(out))
"""
