"""Where and with what a benchmark ran: the header of its table."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = {
    "Django": "django", "DRF": "djangorestframework", "DOT": "django-oauth-toolkit", "PyJWT": "pyjwt",
    "cryptography": "cryptography", "drf-api-key": "djangorestframework-api-key",
    "simplejwt": "djangorestframework-simplejwt", "psycopg": "psycopg", "gunicorn": "gunicorn",
}


def read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", read("/proc/cpuinfo"))
    memory = re.search(r"MemTotal:\s*(\d+) kB", read("/proc/meminfo"))
    ram = f"{int(memory.group(1)) / 1024 ** 2:.1f} GiB RAM" if memory else "RAM unknown"
    return f"{cpu.group(1).strip() if cpu else platform.processor() or 'CPU unknown'}, {os.cpu_count()} cores, {ram}"


def operating_system() -> str:
    try:
        name = platform.freedesktop_os_release()["PRETTY_NAME"]
    except OSError:
        name = platform.system()
    return f"{name}, kernel {platform.release()}"


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def postgresql(url: str | None) -> str:
    if not url:
        return "not used"
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0])
    except psycopg.Error as error:
        return f"unreachable ({error.__class__.__name__})"


def redis(url: str | None) -> str:
    if not url:
        return "not used (the database cache)"
    import redis as redis_py

    try:
        return str(redis_py.Redis.from_url(url, socket_timeout=3).info("server")["redis_version"])
    except redis_py.RedisError as error:
        return f"unreachable ({error.__class__.__name__})"


def describe(postgres_url: str | None, redis_url: str | None) -> dict[str, str]:
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "OS": operating_system(),
        "Python": platform.python_version(),
        **{label: version(name) for label, name in PACKAGES.items()},
        "PostgreSQL": postgresql(postgres_url),
        "Redis": redis(redis_url),
    }


def header(described: dict[str, str]) -> str:
    first = f"Run {described['date']} on {described['machine']}; {described['OS']}."
    rest = ", ".join(f"{label} {value}" for label, value in described.items() if label not in ("date", "machine", "OS"))
    return f"{first}\n{rest}."
