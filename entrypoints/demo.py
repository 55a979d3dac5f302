"""A small demo data set: members in each situation staff ask about, dated around today.

Dates are relative to the service's today, so the demo shows renewals due this year, a
grace period, an audit awaiting proof and so on whenever it is loaded, with the reminders a run
for today issues.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from application.commands import Certify, ClaimActivity, ReviewDocumentation, SelectForAudit, SubmitRenewal
from application.service import CredentialService
from domain.events import ActivityClaimed
from domain.rules import ActivityClaim


class _Demo:
    def __init__(self, app: CredentialService) -> None:
        self.app = app
        self.today = app.today()
        self.year = self.today.year

    def day(self, years_ago: int, month: int, day: int) -> date:
        return min(date(self.year - years_ago, month, day), self.today)

    def workshops(self, member_id: str, first: date, count: int, hours: int = 10) -> None:
        for index in range(count):
            completed = min(first + timedelta(days=75 * index), self.today)
            claim = ActivityClaim("acsm_workshop", f"Workshop {index + 1}", completed, hours=Decimal(hours))
            self.app.execute(ClaimActivity(member_id, claim))

    def renewed_last_year(self, member_id: str, name: str, code: str, hours: int) -> None:
        """Certified four years ago; renewed in December of last year."""
        self.app.execute(Certify(member_id, code, self.day(4, 2, 10), name=name))
        self.workshops(member_id, self.day(3, 3, 1), 6, hours)
        self.app.execute(SubmitRenewal(member_id, self.day(1, 12, 1)))


def load_demo(app: CredentialService) -> int:
    """Record the demo members; returns how many were recorded (0 if the store has members)."""
    if next(app.member_ids(), None) is not None:
        return 0
    demo = _Demo(app)
    app.execute(Certify("demo-due", "EP-C", demo.day(3, 3, 15), name="Ada Due"))
    demo.workshops("demo-due", demo.day(3, 6, 1), 4)
    app.execute(ClaimActivity("demo-due", ActivityClaim("teaching", "Kinesiology 101", demo.day(2, 9, 1),
                                                        hours=Decimal(20), course_id="KIN101", evidence="syllabus")))

    app.execute(Certify("demo-multi", "CPT", demo.day(3, 5, 10), name="Ben Multi"))
    app.execute(Certify("demo-multi", "CIFT", demo.day(2, 6, 1)))
    app.execute(Certify("demo-multi", "PAPHS", demo.day(2, 9, 1)))
    demo.workshops("demo-multi", demo.day(2, 10, 1), 3)

    app.execute(Certify("demo-lapsing", "CPT", demo.day(4, 1, 20), name="Cleo Lapsing"))
    demo.workshops("demo-lapsing", demo.day(3, 2, 1), 3)

    app.execute(Certify("demo-late", "CES", demo.day(4, 2, 1), name="Dan Late"))
    demo.workshops("demo-late", demo.day(3, 3, 5), 5, hours=12)
    app.execute(SubmitRenewal("demo-late", demo.day(0, 1, 20), fee_paid=Decimal("80.00")))

    demo.renewed_last_year("demo-audited", "Eve Audited", "CPT", 8)
    if demo.today >= date(demo.year, 1, 10):
        app.execute(SelectForAudit("demo-audited", date(demo.year, 1, 10), seed="demo", rate=Decimal("0.05")))
        claims = [f for f in app.credential("demo-audited").history if isinstance(f, ActivityClaimed)]
        app.execute(ReviewDocumentation(
            "demo-audited", min(date(demo.year, 1, 25), demo.today),
            rejected=((claims[0].activity_id, "the certificate does not name the member"),),
        ))

    demo.renewed_last_year("demo-passed", "Finn Passed", "RCEP", 11)
    if demo.today >= date(demo.year, 1, 10):
        app.execute(SelectForAudit("demo-passed", date(demo.year, 1, 10), seed="demo", rate=Decimal("0.05")))
        app.execute(ReviewDocumentation("demo-passed", min(date(demo.year, 1, 30), demo.today)))

    demo.renewed_last_year("demo-awaiting", "Gus Awaiting", "CPT", 8)
    if demo.today >= date(demo.year, 1, 10):
        app.execute(SelectForAudit("demo-awaiting", max(date(demo.year, 1, 10), demo.today - timedelta(days=10)),
                                   seed="demo", rate=Decimal("0.05")))

    app.execute(Certify("demo-new", "RCEP", demo.today - timedelta(days=200), name="Hana New"))
    app.execute(ClaimActivity("demo-new", ActivityClaim("publication", "Accepted abstract",
                                                        demo.today - timedelta(days=30), evidence="publication_copy")))
    app.execute(ClaimActivity("demo-new", ActivityClaim("college_course", "Exercise physiology",
                                                        demo.today - timedelta(days=20), credit_hours=Decimal(3),
                                                        grade="B+", evidence="transcript")))
    # Today's reminders, as the daily run would have issued them: the outbox and the members'
    # histories show what a member was told.
    app.issue_reminders(demo.today)
    return 8
