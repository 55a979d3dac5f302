"""The documents dumped by direct reads (web.schemas.flat) are exactly what marshmallow's own dump
writes: every answer about every demo member (status, history, export, an activity's outcome),
each member in its own situation (audits, corrections, grace, invalid), dumped both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_support import Api, api_on
from marshmallow import fields

from application.service import CredentialService
from entrypoints.demo import MEMBERS, load_demo
from web.schemas.flat import FlatSchema

# Known at fixed times: asked without one, a status is known at the clock's now, which moves.
ANSWERS = ["/status?known_at=2026-11-28T08:00:00Z", "/status?on=2024-01-01&known_at=2026-06-01T00:00:00Z",
           "/history", "/history?limit=3", "/export"]


def both_ways(monkeypatch: pytest.MonkeyPatch, ask: Callable[[], bytes]) -> tuple[bytes, bytes]:
    monkeypatch.setattr(FlatSchema, "direct_reads", True)
    direct = ask()
    monkeypatch.setattr(FlatSchema, "direct_reads", False)
    return direct, ask()


def getter(api: Api, path: str) -> Callable[[], bytes]:
    return lambda: api.get(path).get_data()


@pytest.mark.parametrize("member_id", sorted(MEMBERS))
def test_every_answer_about_a_demo_member_is_what_marshmallow_dumps(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch, member_id: str) -> None:
    load_demo(service)
    api = api_on(service)
    for answer in ANSWERS:
        direct, reference = both_ways(monkeypatch, getter(api, f"/members/{member_id}{answer}"))
        assert direct == reference, answer


def test_an_activitys_outcome_is_what_marshmallow_dumps(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(service)
    api = api_on(service)
    claim = {"category": "acsm_workshop", "title": "Strength", "completed_on": "2026-11-20", "hours": 6}
    # The same key twice: the second answer is the first outcome, dumped the other way.
    direct, reference = both_ways(monkeypatch, lambda: api.post("/members/demo-due/activities", claim,
                                                                key="flat-dump-1").get_data())
    assert direct == reference


def test_a_schema_narrowed_by_a_nested_field_dumps_only_the_fields_it_keeps() -> None:
    class Pair(FlatSchema):
        kept = fields.String()
        left_out = fields.String()

    class Outer(FlatSchema):
        from_instance = fields.Nested(Pair(), only=("kept",))
        from_class = fields.Nested(Pair, exclude=("left_out",))

    pair = {"kept": "k", "left_out": "x"}
    assert Outer().dump({"from_instance": pair, "from_class": pair}) == {
        "from_instance": {"kept": "k"}, "from_class": {"kept": "k"}}


def test_a_key_missing_from_a_dict_is_left_out_as_marshmallow_leaves_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    class Sparse(FlatSchema):
        given = fields.String()
        absent = fields.String()
        defaulted = fields.String(dump_default="d")

    direct, reference = both_ways(monkeypatch, lambda: repr(Sparse().dump({"given": "g"})).encode())
    assert direct == reference == repr({"given": "g", "defaulted": "d"}).encode()


def test_a_dotted_attribute_is_refused_when_the_schema_is_built() -> None:
    class Dotted(FlatSchema):
        city = fields.String(attribute="address.city")

    with pytest.raises(TypeError, match="dotted attribute"):
        Dotted()
