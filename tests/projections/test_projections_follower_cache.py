"""The follower keeps the members it wrote (`projections.member_cache`) and writes them by difference:
after any sequence of pages its tables are those a rebuild gives, and what it kept is dropped
whenever the tables may have been written by someone else; on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from projections_bursts import random_burst
from projections_revised import SHORT_GRACE
from projections_support import populate, snapshot

from application.service import CredentialService
from projections.member_cache import diff
from projections.projector import Projector
from projections.store import ReadModels
from projections.tables import DIFFED_TABLES

pytest_plugins = ["projections_fixtures"]


def rebuilt(reference: Projector) -> dict[str, list[tuple[object, ...]]]:
    reference.rebuild()
    return snapshot(reference.models)


def follow_in_random_pages(projector: Projector, rng: random.Random) -> None:
    """Apply every page, each of a random size: a member's facts often split between pages."""
    projector.page_size = rng.randint(1, 12)
    while projector.step() != 0:
        projector.page_size = rng.randint(1, 12)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_follower_keeping_its_members_writes_what_a_rebuild_writes_after_every_burst(
        service: CredentialService, models: ReadModels, projector: Projector, reference: Projector,
        seed: int) -> None:
    rng = random.Random(seed)
    members: list[str] = []
    for _burst in range(5):
        random_burst(service, rng, members, rng.randint(10, 30))
        follow_in_random_pages(projector, rng)
        assert snapshot(models) == rebuilt(reference)
    assert projector.cache.hits > 0  # members were continued from what was kept, not only read whole


def test_a_follower_drops_what_it_kept_when_another_follower_applied_a_policy_change(
        service: CredentialService, models: ReadModels, projector: Projector, reference: Projector) -> None:
    rng = random.Random(3)
    members: list[str] = []
    random_burst(service, rng, members, 30)
    projector.catch_up(stream_from_zero=False)
    assert len(projector.cache) > 0
    # Another follower applies an adoption: every member's rows recomputed under the new book.
    service.adopt_policy_version(*SHORT_GRACE)
    other = Projector(service, models.reopen())
    try:
        other.catch_up(stream_from_zero=False)
    finally:
        other.close()
        other.models.close()
    # New facts of the members this follower kept, as it kept them, under the old book.
    random_burst(service, rng, members, 30)
    follow_in_random_pages(projector, rng)
    assert snapshot(models) == rebuilt(reference)


def test_a_follower_continues_no_member_once_the_position_moved_without_it(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    populate(service, 20, seed=5)
    projector.page_size = 50
    projector.step()
    assert len(projector.cache) > 0
    position, _policy = models.tracking()
    models.run("UPDATE {tracking} SET position = %(position)s", {"position": position + 1})  # another writer
    hits = projector.cache.hits
    projector.step()
    assert projector.cache.hits == hits


def test_a_decimal_written_with_other_digits_is_a_changed_row() -> None:
    """SQLite keeps CECs as text: 1.5 and 1.50 are different rows there."""
    old = {table.name: [] for table in DIFFED_TABLES}
    new = {table.name: [] for table in DIFFED_TABLES}
    row = ("m", date(2025, 1, 1), None, "renewal", date(2025, 12, 31), None, "active", "CPT", Decimal("1.5"),
           Decimal(2), Decimal(50))
    old["matters"], new["matters"] = [row], [(*row[:8], Decimal("1.50"), *row[9:])]
    removed, added = diff(old, new)
    assert removed["matters"] == old["matters"]
    assert added["matters"] == new["matters"]
