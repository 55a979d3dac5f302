"""Helpers for the dashboard tests: a scenario of members in different situations, a small
HTML reader that finds the elements the pages mark with data attributes, and signing in and
sending a page's form as a browser would (its hidden fields, CSRF token included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from api_support import TOKENS, Api
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_FIELD = "csrf_token"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class _Reader(HTMLParser):
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)

    @classmethod
    def read(cls, html: str) -> Page:
        reader = _Reader()
        reader.feed(html)
        return cls(reader.elements)

    def find(self, tag: str | None = None, css_class: str | None = None, **attrs: str) -> list[Element]:
        """Elements with `tag`, a class, and attributes (data_key="x" means data-key="x")."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [e for e in self.elements
                if (tag is None or e.tag == tag)
                and (css_class is None or css_class in e.attrs.get("class", "").split())
                and all(e.attrs.get(k) == v for k, v in wanted.items())]

    def one(self, tag: str | None = None, css_class: str | None = None, **attrs: str) -> Element:
        found = self.find(tag, css_class, **attrs)
        assert len(found) == 1, (tag, css_class, attrs, found)
        return found[0]


def record_scenario(api: Api) -> None:
    """Members in the situations the dashboard shows, recorded through the API as staff would."""
    api.certify("m-active", "CPT", "2024-03-01", name="Ada Active")
    api.workshop("m-active", "2025-01-10", 15)
    api.renewed_member("m-renewed", "2025-06-01")  # CPT, cycle ended 2025-12-31, renewed
    api.ok(api.post("/members/m-renewed/audits", {"selected_on": "2026-01-10"}))
    api.certify("m-lapsed", "CES", "2021-02-01", name="Lena Lapsed")  # never renewed: inactive, then invalid
    api.ok(api.post("/members/m-lapsed/activities", {
        "category": "college_course", "title": "Exercise physiology", "completed_on": "2022-05-01",
        "credit_hours": 3, "grade": "B", "evidence": "transcript"}))


def sign_in(client: FlaskClient, role: str) -> None:
    """Signs in through the login form, as a person does: the session cookie then carries the role."""
    response = client.post("/dashboard/login", data={"token": TOKENS[role]})
    assert response.status_code == 303, response.get_data(as_text=True)


def read(client: FlaskClient, path: str, status: int = 200) -> Page:
    """A page as the signed-in session sees it."""
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return Page.read(response.get_data(as_text=True))


def page_as(role: str, client: FlaskClient, path: str, status: int = 200, **query: str) -> Page:
    """A page (HTML, answered `status`) as a client with `role`'s bearer token sees it."""
    response = client.get(path, headers={"Authorization": f"Bearer {TOKENS[role]}"}, query_string=query or None)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return Page.read(response.get_data(as_text=True))


def hidden_fields(view: Page, action: str) -> dict[str, str]:
    """The hidden inputs of the page's form posting to `action` (its CSRF token, its submission key)."""
    start = view.elements.index(view.one("form", action=action))
    fields: dict[str, str] = {}
    for element in view.elements[start + 1:]:
        if element.tag == "form":
            break
        if element.tag == "input" and element.attrs.get("type") == "hidden":
            fields[element.attrs["name"]] = element.attrs["value"]
    return fields


def send_form(client: FlaskClient, page_path: str, action: str, fields: dict[str, str]) -> TestResponse:
    """Opens `page_path`, fills its form posting to `action` with `fields` and sends it."""
    return client.post(action, data={**hidden_fields(read(client, page_path), action), **fields})


def csrf_token(client: FlaskClient) -> str:
    """The session's CSRF token, as any signed-in page carries it (in its sign-out form)."""
    return hidden_fields(read(client, "/dashboard/members"), "/dashboard/logout")[CSRF_FIELD]


def record_deadlines(api: Api) -> None:
    """Members with deadlines ahead, of two levels: m-due (CPT 2022-03-01, 30 of 45 CECs, the cycle
    ends 2025-12-31), m-ces (CES 2022-03-01, no CECs, the same cycle), m-done (CPT, renewed
    2025-06-01) and m-audited (CPT, renewed 2025-09-01, selected for audit 2026-03-01)."""
    api.certify("m-due", "CPT", "2022-03-01", name="Dana Due")
    api.workshop("m-due", "2023-02-01", 30)
    api.certify("m-ces", "CES", "2022-03-01", name="Cam Ces")
    api.renewed_member("m-done", "2025-06-01")
    api.renewed_member("m-audited", "2025-09-01")
    api.ok(api.post("/members/m-audited/audits", {"selected_on": "2026-03-01"}))
