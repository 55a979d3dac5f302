"""Many requests claiming activities for one member at the same moment.

Every 201 must be recorded exactly once, and every other answer must be a clean 409 (the
service's bounded retry gave up), never a 500 or a lost or doubled claim: whether each
thread has its own service on the shared store, as each gunicorn worker (a process) has,
or all threads share one app and service, as the threads of one process would.
"""

from __future__ import annotations

import threading

import pytest
from api_support import Api, api_on, refused
from werkzeug.test import TestResponse

THREADS = 12


@pytest.mark.parametrize("shared", [False, True], ids=["service-per-thread", "one-shared-service"])
def test_simultaneous_claims_are_each_recorded_once_or_refused_with_409(make_service, shared: bool) -> None:
    one = api_on(make_service()) if shared else None
    workers = [one or api_on(make_service()) for _ in range(THREADS)]
    workers[0].certify("m-1", "CPT", "2024-03-01")
    start = threading.Barrier(THREADS)
    answers: list[TestResponse] = []

    def claim(api: Api, index: int) -> None:
        body = {"category": "acsm_workshop", "title": f"Workshop {index}", "completed_on": "2025-01-10", "hours": 1}
        start.wait()
        answers.append(api.post("/members/m-1/activities", body))

    threads = [threading.Thread(target=claim, args=(api, i)) for i, api in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    accepted = [a.get_json() for a in answers if a.status_code == 201]
    for answer in answers:
        if answer.status_code != 201:
            refused(answer, 409, "concurrent_change")
    assert accepted, "at least the first writer gets through"
    history = workers[0].ok(workers[0].get("/members/m-1/history"), 200)["events"]
    recorded = [e["data"]["activity_id"] for e in history if e["type"] == "ActivityClaimed"]
    assert sorted(recorded) == sorted(a["activity_id"] for a in accepted)
    assert len(set(recorded)) == len(recorded)
    status = workers[0].ok(workers[0].get("/members/m-1/status"), 200)
    assert status["cycle"]["claimed_cecs"] == len(accepted)
