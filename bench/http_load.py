"""Throughput under gunicorn + wrk, each scheme against the bare view, interleaved.

The site runs under gunicorn (2 sync workers, one per core) on a loopback
port; wrk sends each scheme's request for a few seconds. Loopback only, and
every run stops by itself.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"m2m-jwt-remote"}  # its issuer lives inside the benchmark process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str) -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{name}"


def start_gunicorn(database: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "bench.site.settings"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "bench.site.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urlopen(f"{url}/bare/", timeout=1).read()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def wrk_script(scheme, directory: str) -> str:
    lines = [f'wrk.method = "{"POST" if scheme.body else "GET"}"']
    if scheme.body:
        lines += [f'wrk.body = "{scheme.body.decode()}"',
                  'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"']
    for meta, value in scheme.headers.items():
        header = meta.removeprefix("HTTP_").replace("_", "-").title()
        lines.append(f'wrk.headers["{header}"] = "{value}"')
    path = Path(directory) / f"{scheme.name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def requests_per_second(url: str, scheme, script: str, seconds: float) -> float:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", "8", "-d", f"{seconds}s", "-s", script, f"{url}{scheme.path}"],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{scheme.name}: {non_2xx.group(1)} answers were not 2xx under wrk")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def throughput(schemes, database: str, rounds: int, seconds: float) -> dict[str, list[float]] | None:
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get install wrk): throughput skipped", file=sys.stderr)
        return None
    chosen = [scheme for scheme in schemes if scheme.name not in SKIP]
    server, url = start_gunicorn(database)
    ratios: dict[str, list[float]] = {scheme.name: [] for scheme in chosen if scheme.name != "bare"}
    try:
        with tempfile.TemporaryDirectory() as directory:
            scripts = {scheme.name: wrk_script(scheme, directory) for scheme in chosen}
            for _ in range(rounds):
                rates = {s.name: requests_per_second(url, s, scripts[s.name], seconds)
                         for s in random.sample(chosen, len(chosen))}
                for name in ratios:
                    ratios[name].append(rates[name] / rates["bare"])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return ratios
