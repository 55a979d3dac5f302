"""End to end through a client generated from the served /openapi.json: what a client's team does
with the document. openapi-python-client (pinned in the dev lock) writes the package into the
test's tmp dir, and the scenario drives a real `credentials serve` process with it, so a document
a generator cannot read, or one whose types do not match the answers (a typed event whose data
fails to parse, an enum missing a value the service answers), fails here.

The generator is a dev dependency: missing, the test is skipped with the reason when run by hand,
and fails under CI=true, where a skip would pass without checking anything.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from server_support import STAFF_TOKEN, Server, serving

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No post hooks: the generator would run `ruff` from PATH on the package, which is not what is tested.
CONFIG = "post_hooks: []\n"


@pytest.fixture
def server(backend: str, tmp_path: Path) -> Iterator[Server]:
    with serving(backend, tmp_path / "server.log") as running:
        yield running


@pytest.fixture
def generated(server: Server, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the document the server serves, imported under a name of
    its own (the test runs once per backend in one process)."""
    if not GENERATOR.exists():
        message = f"openapi-python-client is not installed beside {sys.executable} (requirements-dev.lock)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: this test may not be skipped)")
        pytest.skip(message)
    with urllib.request.urlopen(server.base + "/openapi.json", timeout=30) as response:
        (tmp_path / "openapi.json").write_bytes(response.read())
    (tmp_path / "generator.yml").write_text(CONFIG)
    package = f"generated_client_{tmp_path.name.replace('-', '_')}"
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(tmp_path / "openapi.json"),
                          "--output-path", str(tmp_path / package), "--meta", "none",
                          "--config", str(tmp_path / "generator.yml")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]


def test_a_generated_client_certifies_claims_and_reads_status_history_and_a_csv_report(
        server: Server, generated: ModuleType) -> None:
    """The scenario a client's team would write first, entirely through the generated code: typed
    bodies (enums from the policy), typed answers, typed history events, and a report's CSV asked
    for with the documented `format` parameter."""
    package = generated.__name__

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{package}.{name}")

    models = module("models")
    certify, claim, status, history = (module(f"api.members.members_{name}")
                                       for name in ("certify", "claim_activity", "status", "history"))
    cec_categories = module("api.reports.reports_cec_categories")
    client = generated.AuthenticatedClient(base_url=server.base, token=STAFF_TOKEN, raise_on_unexpected_status=True)

    certified = certify.sync("gen-1", client=client, body=models.CertificationBody(
        certification=models.CertificationBodyCertification.CPT, certified_on=date(2024, 3, 1)))
    assert isinstance(certified, models.StatusDocument), certified
    assert certified.status == models.StatusDocumentStatus.ACTIVE
    before_claim = history.sync("gen-1", client=client)
    assert isinstance(before_claim, models.HistoryDocument), before_claim
    (certification,) = before_claim.events
    assert isinstance(certification, models.CertifiedEvent)
    assert certification.data.certification == models.CertifiedDataCertification.CPT

    outcome = claim.sync("gen-1", client=client, idempotency_key="gen-1-claim", body=models.ActivityBody(
        category=models.ActivityBodyCategory.ACSM_WORKSHOP, title="Workshop", completed_on=date(2025, 1, 10),
        hours=12.5))
    assert isinstance(outcome, models.ActivityOutcome), outcome
    assert outcome.cecs_awarded == 12.5

    on_day = status.sync("gen-1", client=client, on=date(2025, 6, 1))
    assert isinstance(on_day, models.StatusDocument), on_day
    assert (on_day.on, on_day.cycle.claimed_cecs) == (date(2025, 6, 1), 12.5)
    known_then = status.sync("gen-1", client=client, on=date(2025, 6, 1), known_at=certification.recorded_at)
    assert isinstance(known_then, models.StatusDocument), known_then
    assert known_then.cycle.claimed_cecs == 0  # the claim was recorded after that time

    events = history.sync("gen-1", client=client)
    assert isinstance(events, models.HistoryDocument), events
    assert [type(e) for e in events.events] == [models.CertifiedEvent, models.ActivityClaimedEvent]
    claimed = events.events[1]
    assert isinstance(claimed.data, models.ActivityClaimedData)
    assert (claimed.data.category, claimed.data.cecs) == (models.ActivityClaimedDataCategory.ACSM_WORKSHOP, 12.5)

    # The generated call parses its answers as JSON, so the CSV is asked for with its own request
    # arguments (path, `year`, `format=csv`) sent by its own httpx client.
    request = cec_categories._get_kwargs(year=2025, format_=models.ReportsCecCategoriesFormat.CSV)
    answer = client.get_httpx_client().request(**request)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="cec-categories-year-2025.csv"'
    assert answer.text == "category,claims,members,cecs\r\nacsm_workshop,1,1,12.5\r\n"
    assert json.loads(client.get_httpx_client().request(**cec_categories._get_kwargs(year=2025)).text)["claims"] == 1
