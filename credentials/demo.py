"""A small demo data set: one member in each situation staff ask about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credentials.application import CredentialService
from domain.events import ActivityClaimed
from domain.rules import ActivityClaim

D = date.fromisoformat


def _workshops(app: CredentialService, member_id: str, first: str, count: int, hours: int = 10) -> None:
    start = D(first)
    for index in range(count):
        completed = date(start.year + index // 4, 1 + (index % 4) * 3, start.day)
        app.claim_activity(
            member_id,
            ActivityClaim("acsm_workshop", f"Workshop {index + 1}", completed, hours=Decimal(hours)),
        )


def load_demo(app: CredentialService) -> int:
    """Record the demo members; returns how many were recorded (0 if any already exist)."""
    if next(app.member_ids(), None) is not None:
        return 0
    # Renewed on time, now in the next cycle.
    app.certify("demo-renewed", "CPT", D("2019-05-10"), name="Ada Renewed")
    _workshops(app, "demo-renewed", "2020-02-03", 5)
    app.submit_renewal("demo-renewed", D("2022-11-01"))
    app.claim_activity("demo-renewed", ActivityClaim("college_course", "Exercise physiology", D("2024-05-20"),
                                                     credit_hours=Decimal(3), grade="B+", evidence="transcript"))
    # Several certifications; short of CECs: inactive in grace, then invalid.
    app.certify("demo-lapsed", "EP-C", D("2020-03-15"), name="Ben Lapsed")
    app.certify("demo-lapsed", "CIFT", D("2021-06-01"))
    _workshops(app, "demo-lapsed", "2021-01-10", 3)
    # Renewed late in grace with the late fee.
    app.certify("demo-late", "CPT", D("2018-02-01"), name="Cleo Late")
    _workshops(app, "demo-late", "2019-03-05", 4, hours=12)
    app.submit_renewal("demo-late", D("2022-03-01"), fee_paid=Decimal("70.00"))
    # Audited: documentation reviewed, some CECs rejected, replacement CECs due.
    app.certify("demo-audited", "CES", D("2019-09-09"), name="Dee Audited")
    _workshops(app, "demo-audited", "2020-01-15", 6, hours=11)
    app.submit_renewal("demo-audited", D("2022-10-10"))
    app.select_for_audit("demo-audited", D("2023-03-01"), seed="demo", rate=Decimal("0.1"))
    claims = [f for f in app.credential("demo-audited").history if isinstance(f, ActivityClaimed)]
    app.review_documentation(
        "demo-audited", D("2023-03-20"), [(f.activity_id, "certificate does not name the member") for f in claims[:2]]
    )
    # Certified recently: first cycle under way.
    app.certify("demo-new", "RCEP", D("2025-06-02"), name="Eve New")
    app.claim_activity("demo-new", ActivityClaim("publication", "Accepted abstract", D("2025-10-01"),
                                                 evidence="publication_copy"))
    return 5
