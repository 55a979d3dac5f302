"""Write load through a real server while something fails, and the tally of what came of it.

Each client owns a member and claims activities on it one after another, each claim under an
Idempotency-Key of its own. A claim the server did not answer with a 2xx (a 503, a 409, a
connection refused or reset, a timeout) is sent again under the same key until it is answered
or the load ends; a claim answered 2xx is "answered". Afterwards each member's history tells:
  lost     answered claims missing from the history
  doubled  claims in the history more than once (one title per key)
  bad      answers that are neither 2xx, 409 nor a 503 `storage_unavailable` with Retry-After
           (a 500 above all); also an unanswered claim the history holds though never answered
           is fine (its client gave up), so it is not counted.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CERTIFICATION = {"certification": "CPT", "certified_on": "2024-03-01"}


def claim(title: str) -> dict[str, Any]:
    return {"category": "acsm_workshop", "title": title, "completed_on": "2025-01-10", "hours": 1}


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # no answer: the exception's name
    bad: list[str] = field(default_factory=list)  # what answered neither 2xx, 409 nor a proper 503
    answered: dict[str, set[str]] = field(default_factory=dict)  # member -> titles answered 2xx
    successes: list[float] = field(default_factory=list)  # monotonic times of 2xx answers

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def internal_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


def send(host: str, port: int, method: str, path: str, token: str, body: Any = None,
         key: str | None = None, timeout: float = 15) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "close"}
        if key is not None:
            headers["Idempotency-Key"] = key
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        is_json = answer_headers.get("content-type", "").startswith("application/json")
        return response.status, answer_headers, json.loads(raw) if is_json and raw else raw
    finally:
        connection.close()


def proper_503(status: int, headers: dict[str, str], body: Any) -> bool:
    """A 503 as the contract gives it for storage down: `storage_unavailable`, with Retry-After."""
    return (status == 503 and isinstance(body, dict) and body.get("error", {}).get("code") == "storage_unavailable"
            and bool(headers.get("retry-after")))


class Load:
    """`clients` threads claiming until `stop()`; each retries its claim under its key."""

    def __init__(self, host: str, port: int, token: str, *, clients: int = 4, prefix: str = "fault",
                 pause: float = 0.0) -> None:
        self.host, self.port, self.token = host, port, token
        self.members = [f"{prefix}-{i}" for i in range(clients)]
        self.pause = pause
        self.tally = Tally()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(m,), daemon=True) for m in self.members]

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, grace: float = 30.0) -> Tally:
        """Ends the load: each client finishes (answers) the claim it is on, for `grace` s at most."""
        self.stopping.set()
        self.deadline = time.monotonic() + grace
        for thread in self.threads:
            thread.join(timeout=grace + 20)
        return self.tally

    def _note(self, status: int | None, headers: dict[str, str], body: Any, failure: str | None) -> None:
        with self.lock:
            self.tally.sent += 1
            if failure is not None:
                self.tally.failures[failure] += 1
                return
            assert status is not None
            self.tally.statuses[status] += 1
            if 200 <= status < 300:
                self.tally.successes.append(time.monotonic())
            elif not (status == 409 or proper_503(status, headers, body)):
                self.tally.bad.append(f"{status} {str(body)[:300]}")

    def _until_answered(self, member: str, path: str, body: Any, key: str) -> bool:
        while True:
            if self.stopping.is_set() and time.monotonic() > getattr(self, "deadline", float("inf")):
                return False
            try:
                status, headers, answer = send(self.host, self.port, "POST", path, self.token, body, key)
            except (OSError, http.client.HTTPException) as error:
                self._note(None, {}, None, type(error).__name__)
                time.sleep(0.1)
                continue
            self._note(status, headers, answer, None)
            if 200 <= status < 300:
                return True
            if status == 422 and isinstance(answer, dict) and answer["error"]["code"] == "member_exists":
                return True
            time.sleep(0.1 if status != 503 else 0.2)

    def _client(self, member: str) -> None:
        if not self._until_answered(member, f"/members/{member}/certifications", CERTIFICATION, f"{member}-cert"):
            return
        with self.lock:
            self.tally.answered[member] = set()
        index = 0
        while not self.stopping.is_set():
            title = f"{member}-{index}"
            if self._until_answered(member, f"/members/{member}/activities", claim(title), title):
                with self.lock:
                    self.tally.answered[member].add(title)
            index += 1
            if self.pause:
                time.sleep(self.pause)


def recorded_titles(host: str, port: int, token: str, member: str) -> Counter[str]:
    """The titles of the member's recorded claims, with how many times each is recorded."""
    titles: Counter[str] = Counter()
    after = ""
    while True:
        status, _, page = send(host, port, "GET", f"/members/{member}/history{after}", token)
        assert status == 200, (status, page)
        titles.update(e["data"]["title"] for e in page["events"] if e["type"] == "ActivityClaimed")
        if page.get("next_after") is None:
            return titles
        after = f"?after={page['next_after']}"


def lost_and_doubled(load: Load) -> tuple[list[str], list[str]]:
    lost: list[str] = []
    doubled: list[str] = []
    for member, answered in load.tally.answered.items():
        titles = recorded_titles(load.host, load.port, load.token, member)
        lost += sorted(answered - set(titles))
        doubled += sorted(t for t, n in titles.items() if n > 1)
    return lost, doubled
