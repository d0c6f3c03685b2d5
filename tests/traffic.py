"""Client threads sending a mix of named requests until stopped; every answer is recorded."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict
    data: dict | None = None


@dataclass(frozen=True)
class Answer:
    name: str
    started: float
    ended: float
    status: int  # 0: no answer at all (connection refused, reset or timed out)
    body: bytes
    retry_after: str | None

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def is_unavailable(self) -> bool:
        """A proper outage answer: 503, Retry-After and the JSON error."""
        return self.status == 503 and bool(self.retry_after) and b'"temporarily_unavailable"' in self.body


class Traffic:
    def __init__(self, url: str, requests: dict[str, Request], threads: int):
        self.url, self.requests, self.threads = url, requests, threads
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._workers = [threading.Thread(target=self._run, args=(offset,)) for offset in range(threads)]

    def __enter__(self) -> Traffic:
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join()

    def _run(self, offset: int) -> None:
        names = list(self.requests)
        cycle = itertools.islice(itertools.cycle(names), offset % len(names), None)
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for name in cycle:
                if self._stop.is_set():
                    return
                self.answers.append(self.send(client, name))

    def send(self, client: httpx.Client, name: str) -> Answer:
        request = self.requests[name]
        started = time.monotonic()
        try:
            response = client.request(request.method, request.path, headers=request.headers, data=request.data)
        except httpx.TransportError:
            return Answer(name, started, time.monotonic(), 0, b"", None)
        return Answer(name, started, time.monotonic(), response.status_code, response.content,
                      response.headers.get("Retry-After"))

    def of(self, name: str, since: float = 0.0) -> list[Answer]:
        return [answer for answer in self.answers if answer.name == name and answer.started >= since]

    def statuses(self, name: str, since: float = 0.0) -> set[int]:
        return {answer.status for answer in self.of(name, since)}
