"""Throughput under gunicorn + wrk, each scheme against the bare view, interleaved.

Three gunicorn servers on loopback ports share the benchmark's database and
cache: the site (2 sync workers, one per core), its issuer at a URL of its own
(``BENCH_ISSUER``, 1 worker) and a remote resource server of that issuer
(``BENCH_REMOTE_ISSUER``, 2 workers) for the remote-mode JWT. Every scheme
must answer 2xx once before wrk sends its request for a few seconds a round;
up to 1 % of non-2xx answers or socket errors are tolerated and reported. The
servers are stopped on the way out, whatever happens.
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ("bare", "drf-api-key", "m2m-key", "m2m-pat", "simplejwt", "m2m-jwt")
TOLERATED = 0.01


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str) -> str:
    """DATABASE_URL pointing at the benchmark's own (test) database."""
    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme.startswith("sqlite"):
        return f"sqlite:///{name}"
    return urlunsplit(url._replace(path=f"/{name}"))


@contextmanager
def gunicorn(database: str, port: int, workers: int, **env: str) -> Iterator[str]:
    """The benchmark site under gunicorn until the block ends; its log shown if it fails to start."""
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "bench.site.wsgi:application"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "bench.site.settings",
                 **env},
        )
        try:
            wait_until_up(server, url, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(server: subprocess.Popen, url: str, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urlopen(f"{url}/bare/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    raise SystemExit(f"gunicorn did not start on {url}:\n{log.read().decode(errors='replace')[-2000:]}")


def answers(url: str, scheme) -> None:
    headers = {meta.removeprefix("HTTP_").replace("_", "-").title(): value for meta, value in scheme.headers.items()}
    try:
        urlopen(Request(f"{url}{scheme.path}", headers=headers), timeout=10).read()
    except HTTPError as error:
        raise SystemExit(f"{scheme.name} under gunicorn: {error.code}, expected 2xx") from None


def wrk_script(scheme, directory: str) -> str:
    lines = [f'wrk.headers["{meta.removeprefix("HTTP_").replace("_", "-").title()}"] = "{value}"'
             for meta, value in scheme.headers.items()]
    path = Path(directory) / f"{scheme.name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def load(url: str, scheme, script: str, seconds: int) -> tuple[float, int, int]:
    """wrk's requests per second, its answers that were not 2xx (or errors), its requests."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", "8", "-d", f"{seconds}s", "-s", script, f"{url}{scheme.path}"],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, errors.groups())) if errors else 0)
    if bad > TOLERATED * max(total, 1):
        raise SystemExit(f"{scheme.name} under wrk: {bad} of {total} answers not 2xx or failed")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), bad, total


def throughput(schemes, database: str, rounds: int, seconds: int, mint_remote: Callable[[str], str]) -> dict | None:
    """Per scheme: its rate over the bare view's in each round, and its non-2xx answers."""
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get install wrk): throughput skipped", file=sys.stderr)
        return None
    from bench.schemes import Scheme

    by_name = {scheme.name: scheme for scheme in schemes}
    issuer_port = free_port()
    with ExitStack() as servers, tempfile.TemporaryDirectory() as directory:
        site = servers.enter_context(gunicorn(database, free_port(), 2))
        issuer = servers.enter_context(gunicorn(database, issuer_port, 1, BENCH_ISSUER=f"http://127.0.0.1:{issuer_port}"))
        remote = servers.enter_context(gunicorn(database, free_port(), 2, BENCH_REMOTE_ISSUER=issuer))
        chosen = [(site, by_name[name]) for name in LOCAL]
        chosen.append((remote, Scheme("m2m-jwt-remote", "/m2m-jwt/",
                                      {"HTTP_AUTHORIZATION": f"Bearer {mint_remote(issuer)}"})))
        for url, scheme in chosen:
            answers(url, scheme)
        scripts = {scheme.name: wrk_script(scheme, directory) for _, scheme in chosen}
        result: dict = {"ratios": {s.name: [] for _, s in chosen[1:]}, "non_2xx": {}, "requests": {}}
        for _ in range(rounds):
            rates = {}
            for url, scheme in random.sample(chosen, len(chosen)):
                rates[scheme.name], bad, total = load(url, scheme, scripts[scheme.name], seconds)
                result["non_2xx"][scheme.name] = result["non_2xx"].get(scheme.name, 0) + bad
                result["requests"][scheme.name] = result["requests"].get(scheme.name, 0) + total
            for name, values in result["ratios"].items():
                values.append(rates[name] / rates["bare"])
    return result
