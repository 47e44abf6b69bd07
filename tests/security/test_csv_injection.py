"""CSV (formula) injection: every CSV export, with every kind of text starting like a formula.

`portal/insights/exports.py` holds Beacon's only CSV responses (`grep text/csv`):
people, shares, clicks, completions and points. tests/insights/test_exports.py
checks `safe_cell` and a display name, captions and a reason; this test puts a
value starting with each of = + - @ tab and carriage return in every text that
reaches an export (names, emails, team names, content titles, lesson, module
and path titles, captions, adjustment reasons), downloads each export, and
checks that no text cell a spreadsheet would read as a formula is left as it
is (numbers, such as a negative adjustment, stay numbers).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.advocacy.models import ContentItem, Share
from portal.db import db, utcnow
from portal.gamification.points import adjust_points
from portal.insights.exports import EXPORTS, FORMULA_STARTS
from portal.insights.rollups import recompute
from portal.insights.segments import compute
from portal.learning.models import LearningPath, Lesson, Module, Status
from portal.learning.records import ModuleCompletion, PathCompletion
from tests.insights.factories import NOW, at, build_world, day

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def hostile(n: int, what: str) -> str:
    """A value starting with the n-th formula character, naming what it is."""
    prefix = PREFIXES[n % len(PREFIXES)]
    return f'{prefix}HYPERLINK("http://evil.example/{what}","{what}")'


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    recompute(day(0), day(6), now=NOW)
    compute(NOW)
    for n, user in enumerate(db.session.scalars(select(User).order_by(User.id))):
        user.display_name = hostile(n, f"name{n}")
        if user.email != "admin@example.com":
            user.email = f"{PREFIXES[n % len(PREFIXES)]}{user.email}"
    for n, team in enumerate(db.session.scalars(select(Team).order_by(Team.id))):
        team.name = hostile(n + 1, f"team{n}")
    for n, item in enumerate(db.session.scalars(select(ContentItem).order_by(ContentItem.id))):
        item.title = hostile(n + 2, f"item{n}")
    for n, share in enumerate(db.session.scalars(select(Share).order_by(Share.id))):
        share.caption = hostile(n + 3, f"caption{n}")
    for n, lesson in enumerate(db.session.scalars(select(Lesson).order_by(Lesson.id))):
        lesson.title = hostile(n + 4, f"lesson{n}")
    ben = built.user("ben")
    module = db.session.scalars(select(Module)).first()
    assert module is not None
    module.title = hostile(5, "module")
    path = LearningPath(slug="p", title=hostile(0, "path"), status=Status.PUBLISHED)
    db.session.add(path)
    db.session.flush()
    db.session.add_all(
        [
            ModuleCompletion(user_id=ben.id, module_id=module.id, completed_at=at(2, 11)),
            PathCompletion(user_id=ben.id, path_id=path.id, completed_at=at(2, 12)),
        ]
    )
    for n, prefix in enumerate(PREFIXES):
        adjust_points(built.user("admin"), built.user("ana"), -1 - n, f"{prefix}reason{n}")
    db.session.commit()
    return built


def _export(client, kind: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(
        f"/insights/exports/{kind}.csv",
        query_string={"start": day(0).isoformat(), "end": utcnow().date().isoformat()},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_no_export_leaves_a_formula(world, client, auth):
    auth.login("admin@example.com")
    failures, quoted = [], set()
    for kind in EXPORTS:
        rows = _export(client, kind)
        assert len(rows) > 1, f"{kind}: no rows to check"
        header = rows[0]
        for row in rows[1:]:
            for column, cell in zip(header, row, strict=True):
                if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
                    quoted.add((kind, column))
                elif cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
                    failures.append(f"{kind}.{column}: {cell!r}")
    assert not failures, "\n".join(failures)
    # Every text column that carries what people typed was exercised (and quoted).
    assert quoted >= {
        ("people", "name"), ("people", "email"), ("people", "team"),
        ("shares", "name"), ("shares", "email"), ("shares", "team"), ("shares", "title"),
        ("shares", "caption"),
        ("clicks", "name"), ("clicks", "team"), ("clicks", "title"),
        ("completions", "name"), ("completions", "email"), ("completions", "team"),
        ("completions", "title"),
        ("points", "name"), ("points", "email"), ("points", "team"), ("points", "reason"),
    }, sorted(quoted)  # fmt: skip


def test_every_csv_response_is_an_insights_export():
    """The exports above are all of Beacon's CSV: a new one must be added to this file."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [
        str(p.relative_to(root))
        for p in (root / "portal").rglob("*.py")
        if re.search(r"text/csv|\.csv\b|csv\.writer", p.read_text())
    ]
    assert sorted(sources) == ["portal/insights/data_views.py", "portal/insights/exports.py"]
