"""The read-model tables: one definition, written out for PostgreSQL and for SQLite.

Every table but `tracking` holds rows of one member each, keyed by `member_id` first, so a
member's rows can be replaced as a whole when new facts arrive. Dates are `date` on
PostgreSQL and ISO text on SQLite (which sorts and compares them the same way); times are
`timestamptz` on PostgreSQL and UTC ISO text with microseconds on SQLite (so they sort as
text). CECs that reports add up are kept as integer tenths, so sums are exact on both.
"""

from __future__ import annotations

from dataclasses import dataclass

# (PostgreSQL type, SQLite type)
TEXT = ("text", "TEXT")
DATE = ("date", "TEXT")
INTEGER = ("integer", "INTEGER")
BIGINT = ("bigint", "INTEGER")
BOOLEAN = ("boolean", "INTEGER")
TIMESTAMP = ("timestamptz", "TEXT")
CECS = ("numeric(12, 1)", "TEXT")
MONEY = ("numeric(12, 2)", "TEXT")
# Text ordered by code point on both, as Python orders it (SQLite's default; PostgreSQL's "C"), so a
# list ordered by it in SQL is the list the replayed reference sorts, whatever the database's locale.
CODE_POINT_TEXT = ('text COLLATE "C"', "TEXT")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, tuple[str, str]], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    # For rows no later fact changes: the column (`version` or `recorded_at`) from whose value on a
    # member's new facts replace its rows, compared with the version or the recorded time of the
    # first of them (`projections.rows.FirstNew`); the other tables (None) are replaced whole.
    replaced_from: str | None = None

    def column_type(self, name: str) -> tuple[str, str]:
        return next(types for column, types in self.columns if column == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def create(self, qualified: str, postgres: bool) -> str:
        columns = [f"{name} {types[0] if postgres else types[1]}" for name, types in self.columns]
        return f"CREATE TABLE IF NOT EXISTS {qualified} ({', '.join(columns)})"

    def constraints(self, qualified: str, index_prefix: str) -> list[str]:
        """The key and indexes, added after a bulk load (cheaper than maintaining them during it)."""
        statements = [f"CREATE UNIQUE INDEX IF NOT EXISTS {index_prefix}{self.name}_key ON {qualified} "
                      f"({', '.join(self.key)})"]
        for columns in self.indexes:
            statements.append(f"CREATE INDEX IF NOT EXISTS {index_prefix}{self.name}_{'_'.join(columns)} "
                              f"ON {qualified} ({', '.join(columns)})")
        return statements


# As of the day it was last computed (`as_of`); `changes_on` is the first later day on which it may
# change with no new fact, when the runner recomputes it. No report reads this table.
CURRENT_STATUS = Table("current_status", (
    ("member_id", TEXT), ("status", TEXT), ("level", TEXT), ("certifications", TEXT), ("since", DATE),
    ("cycle_start", DATE), ("cycle_end", DATE), ("required_cecs", CECS), ("counted_cecs", CECS),
    ("grace_ends_on", DATE), ("audit_state", TEXT), ("as_of", DATE), ("changes_on", DATE),
), key=("member_id",), indexes=(("changes_on",),))

# One row per (status, level) period; `valid_to` is exclusive, NULL: open-ended.
STATUS_PERIODS = Table("status_periods", (
    ("member_id", TEXT), ("valid_from", DATE), ("valid_to", DATE), ("status", TEXT), ("level", TEXT),
), key=("member_id", "valid_from"), indexes=(("valid_from",),))

# `begun_on`: the day the cycle became the member's (a late renewal opens the next cycle after its
# start); `cut_short_on`: the first invalidation inside it, from when it owed no renewal.
CYCLES = Table("cycles", (
    ("member_id", TEXT), ("cycle_number", INTEGER), ("cycle_start", DATE), ("cycle_end", DATE),
    ("end_year", INTEGER), ("end_month", INTEGER), ("begun_on", DATE), ("renewed_on", DATE),
    ("cut_short_on", DATE),
), key=("member_id", "cycle_number"), indexes=(("end_year",),))

# One row per state period of each audit selection (`selection` numbers them per member);
# `is_last` marks the state an audit kept once it stopped being the member's audit.
AUDIT_PERIODS = Table("audit_periods", (
    ("member_id", TEXT), ("selection", INTEGER), ("selected_on", DATE), ("selected_year", INTEGER),
    ("cycle_end", DATE), ("valid_from", DATE), ("valid_to", DATE), ("state", TEXT), ("is_last", BOOLEAN),
), key=("member_id", "selection", "valid_from"), indexes=(("selected_year",),))

# One row per claim in force (its amendment's, once amended; none once withdrawn), with the CECs
# it earns under the version in force on its completion date: a later correction or policy
# version changes them, so they are replaced whole.
ACTIVITIES = Table("activities", (
    ("member_id", TEXT), ("version", BIGINT), ("activity_id", TEXT), ("category", TEXT),
    ("completed_on", DATE), ("completed_year", INTEGER), ("cecs_tenths", INTEGER),
), key=("member_id", "version"), indexes=(("completed_year",),))

# One row per stored event, the sweep's transitions included.
HISTORY = Table("history", (
    ("member_id", TEXT), ("version", BIGINT), ("type", TEXT), ("effective_on", DATE), ("recorded_at", TIMESTAMP),
), key=("member_id", "version"), replaced_from="version")

# One row per span of a revision (rules.md section 10): what the fact (or policy version) recorded
# at `recorded_at` changed, from `first_day` through `last_day`. A revision depends only on the
# facts and the policy known when it was recorded, so a member's new facts replace only the
# revisions recorded from the first of them on (a member's recorded times never go backwards).
REVISIONS = Table("revisions", (
    ("member_id", TEXT), ("recorded_at", TIMESTAMP), ("cause_type", TEXT), ("fact_id", TEXT),
    ("policy_version", TEXT), ("effective_on", DATE), ("first_day", DATE), ("last_day", DATE),
    ("status_before", TEXT), ("status_after", TEXT), ("level_before", TEXT), ("level_after", TEXT),
), key=("member_id", "recorded_at", "fact_id", "first_day"), indexes=(("recorded_at",),),
    replaced_from="recorded_at")

# One row per member: the name the credential was opened with (None: not given), and the id and the
# name case-folded (`projections.answers.folded`), which the members list's text search matches so
# that it finds what Python's `casefold` finds, on both databases.
MEMBERS = Table("members", (
    ("member_id", CODE_POINT_TEXT), ("name", TEXT), ("member_id_folded", TEXT), ("name_folded", TEXT),
), key=("member_id",))

# The member's open matters (`domain.matters`) on the days from `valid_from` to `valid_to`
# (exclusive, and never open-ended: every open matter lapses by the day after its `due_on`), one row
# per matter, with the member's status and level and the fee a renewal would cost on those days: a
# worklist for any day is a range lookup in one of the two indexes, the rows due in its window or
# those of inactive members, each index holding the whole condition so that no other row is read.
MATTERS = Table("matters", (
    ("member_id", TEXT), ("valid_from", DATE), ("valid_to", DATE), ("kind", TEXT), ("due_on", DATE),
    ("act_by", DATE), ("status", TEXT), ("level", TEXT), ("counted_cecs", CECS), ("required_cecs", CECS),
    ("renewal_fee", MONEY),
), key=("member_id", "valid_from", "kind"), indexes=(("due_on", "valid_from", "valid_to"),
                                                     ("status", "valid_to", "valid_from")))

# One row per reminder issued (`ReminderIssued`): the outbox a mail system reads. A reminder is never
# withdrawn, so a member's new facts only add rows.
REMINDERS = Table("reminders", (
    ("member_id", TEXT), ("version", BIGINT), ("reminder_id", TEXT), ("kind", TEXT), ("due_on", DATE),
    ("days_before", INTEGER), ("issued_on", DATE), ("recorded_at", TIMESTAMP), ("subject", TEXT), ("message", TEXT),
), key=("member_id", "version"), indexes=(("issued_on",),), replaced_from="version")

MEMBER_TABLES = (MEMBERS, CURRENT_STATUS, STATUS_PERIODS, CYCLES, AUDIT_PERIODS, ACTIVITIES, HISTORY, REVISIONS,
                 MATTERS, REMINDERS)

# `policy`: the fingerprint of the policy book the rows were computed under (NULL: no rows yet).
TRACKING = Table("tracking", (("projection", TEXT), ("position", BIGINT), ("policy", TEXT)), key=("projection",))

# The tables a follower writes by difference for the members it keeps (`projections.member_cache`):
# replaced whole, and computed from the history and the policy alone (`current_status` depends on
# the day too, and a recompute at the same position rewrites it, so it is always replaced whole).
DIFFED_TABLES = tuple(table for table in MEMBER_TABLES if table.replaced_from is None and table is not CURRENT_STATUS)
