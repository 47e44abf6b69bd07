"""The demo history: idempotent, consistent, and enough for the dashboards to show something."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.db import db, utcnow
from portal.demo import load_demo_data
from portal.insights import metrics
from portal.insights.models import Goal, PersonDay, PersonPeriod, SegmentMember
from portal.insights.rollups import month_of, week_of
from portal.insights.scopes import Period, Scope


def test_the_demo_fills_the_dashboards_once(app_ctx):
    assert load_demo_data() > 0
    db.session.commit()
    assert load_demo_data() == 0  # a second run adds nothing

    today = utcnow().date()
    month = Period(today - timedelta(days=29), today)
    summary = metrics.summarise(Scope("company", "Company"), month)
    assert summary.shares > 10 and summary.clicks > 10
    assert summary.active_advocates >= 2 and summary.count("lessons_completed") > 0
    assert len(db.session.scalars(select(Goal)).all()) == 3
    segments = {m.segment.value for m in db.session.scalars(select(SegmentMember))}
    assert {"champion", "emerging"} <= segments
    # The weeks and months agree with the days, as the job would have written them.
    expected: Counter[tuple[str, str, object, int]] = Counter()
    for row in db.session.scalars(
        select(PersonDay).where(PersonDay.metric.in_(["active", "shares"]))
    ):
        expected[("w", row.metric, week_of(row.day), row.user_id)] += 1
        expected[("m", row.metric, month_of(row.day), row.user_id)] += 1
    found = {
        (p.kind, p.metric, p.start, p.user_id): p.days
        for p in db.session.scalars(select(PersonPeriod))
    }
    assert found == dict(expected)
