"""SQL functions and views over the read models, for BI tools (PostgreSQL only).

They run the very SQL the service's report queries run (`projections.queries`), so a
dashboard built on them shows what the API's reports answer.

Functions, for any date:
    status_counts_on(on_date date)                       -> status, level, members
    renewals_due_in(report_year int, as_of_date date)    -> end_month, due, renewed, renewed_late
    audits_in(report_year int, as_of_date date)          -> state, audits
    cec_categories_in(report_year int)                   -> category, claims, members, cecs_tenths
Views, as of today, over every year present:
    status_counts_today, renewals_due_by_month, audits_by_year_state, cecs_by_category_year
e.g. `SELECT * FROM credential_reports.status_counts_on('2024-01-01')`.
"""

from __future__ import annotations

import re

from projections.queries import AUDIT_STATES_SQL, CEC_CATEGORIES_SQL, RENEWALS_DUE_SQL, STATUS_COUNTS_SQL

FUNCTIONS = (
    ("status_counts_on", "on_date date", "status text, level text, members bigint", STATUS_COUNTS_SQL,
     "Members by status and level on a date."),
    ("renewals_due_in", "report_year integer, as_of_date date",
     "end_month integer, due bigint, renewed bigint, renewed_late bigint", RENEWALS_DUE_SQL,
     "Cycles ending in a year, by month of their end, and how many were renewed (late: in grace), as known on a date."),
    ("audits_in", "report_year integer, as_of_date date", "state text, audits bigint", AUDIT_STATES_SQL,
     "Audits selected in a year by their state on a date (or their final state)."),
    ("cec_categories_in", "report_year integer", "category text, claims bigint, members bigint, cecs_tenths bigint",
     CEC_CATEGORIES_SQL, "CECs claimed per category for activities completed in a year, in tenths."),
)

VIEWS = (
    ("status_counts_today", "SELECT * FROM {schema}.status_counts_on(current_date)",
     "Members by status and level today."),
    ("renewals_due_by_month",
     "SELECT y.end_year AS year, r.* FROM (SELECT DISTINCT end_year FROM {schema}.cycles) y "
     "CROSS JOIN LATERAL {schema}.renewals_due_in(y.end_year, current_date) r",
     "Per year and month of cycle end: renewals due and made, as known today."),
    ("audits_by_year_state",
     "SELECT y.selected_year AS year, a.* FROM (SELECT DISTINCT selected_year FROM {schema}.audit_periods) y "
     "CROSS JOIN LATERAL {schema}.audits_in(y.selected_year, current_date) a",
     "Per year of selection: audits by their state today."),
    ("cecs_by_category_year",
     "SELECT y.completed_year AS year, c.category, c.claims, c.members, c.cecs_tenths / 10.0 AS cecs "
     "FROM (SELECT DISTINCT completed_year FROM {schema}.activities) y "
     "CROSS JOIN LATERAL {schema}.cec_categories_in(y.completed_year) c",
     "Per year and category: claims, members and CECs of activities completed that year."),
)


def view_statements(schema: str) -> list[str]:
    """Statements creating (or replacing) the functions and views in `schema` (a quoted identifier)."""
    statements = []
    for name, arguments, returns, sql, comment in FUNCTIONS:
        body = re.sub(r"%\((\w+)\)s", r"\1", sql).format(**_tables(sql, schema))
        statements += [
            f"CREATE OR REPLACE FUNCTION {schema}.{name}({arguments}) RETURNS TABLE ({returns}) "
            f"LANGUAGE sql STABLE AS $body${body}$body$",
            f"COMMENT ON FUNCTION {schema}.{name}({_types(arguments)}) IS '{comment}'",
        ]
    for name, select, comment in VIEWS:
        statements += [
            f"CREATE OR REPLACE VIEW {schema}.{name} AS {select.format(schema=schema)}",
            f"COMMENT ON VIEW {schema}.{name} IS '{comment}'",
        ]
    return statements


def _tables(sql: str, schema: str) -> dict[str, str]:
    return {name: f"{schema}.{name}" for name in re.findall(r"\{(\w+)\}", sql)}


def _types(arguments: str) -> str:
    return ", ".join(argument.split()[1] for argument in arguments.split(", "))
