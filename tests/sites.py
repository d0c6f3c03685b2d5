"""Demo sites as real processes: an issuer and remote resource servers under
gunicorn, each with its own SQLite database and database cache, on free ports."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
import json
from django.contrib.auth import get_user_model
from django.core.management import call_command
from io import StringIO

def m2m(*args):
    out = StringIO()
    call_command("m2m", *args, stdout=out)
    return json.loads(out.getvalue())

get_user_model().objects.create_user("alice")
call_command("m2m", "role", "create", "reader", "--kind", "machine", "--scope", "orders:read")
call_command("m2m", "role", "create", "gateway", "--kind", "machine", "--scope", "m2m:introspect")
call_command("m2m", "role", "create", "people", "--kind", "user", "--scope", "orders:read")
call_command("m2m", "user", "grant", "alice", "--role", "people")
print(json.dumps({
    "client": m2m("app", "create", "client", "--role", "reader", "--json"),
    "remote": m2m("app", "create", "remote", "--role", "gateway", "--json"),
    "keys": [m2m("apikey", "create", f"key-{n}", "--scope", "orders:read", "--json") for n in range(3)],
    "pats": [m2m("pat", "create", "alice", f"pat-{n}", "--scope", "orders:read", "--json") for n in range(3)],
}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Site:
    """One demo site: a database file, its environment, and gunicorn processes."""

    def __init__(self, directory: Path, name: str, **env: str) -> None:
        self.dir, self.name, self.processes, self.urls = directory, name, [], []
        self.database = directory / f"{name}.sqlite3"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_project.settings", "REDIS_URL": "",
                    "DATABASE_URL": f"sqlite:///{self.database}", "DEBUG": "false",
                    "M2M_AUTH_LOG_LEVEL": "WARNING", **env}

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"manage.py {args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}"
        return done.stdout

    def migrate_from(self, template: Path | None) -> None:
        if template is None:
            self.manage("migrate", "-v0")
            self.manage("createcachetable")
        else:
            shutil.copy(template, self.database)

    def start(self, port: int | None = None, workers: int = 1) -> str:
        port = port or free_port()
        log = open(self.dir / f"{self.name}-{port}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "demo_project.wsgi:application", "-b", f"127.0.0.1:{port}",
             "-w", str(workers), "--graceful-timeout", "2"], cwd=ROOT, env=self.env, stdout=log, stderr=log))
        url = f"http://127.0.0.1:{port}"
        self.urls.append(url)
        return url

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def setup_issuer(self) -> dict:
        return json.loads(self.manage("shell", "-c", SETUP).strip().splitlines()[-1])
