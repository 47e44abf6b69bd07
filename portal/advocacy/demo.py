"""Demo content for the library: eight items in two campaigns, with captions per network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import Team
from portal.advocacy.models import ContentItem, ContentStatus
from portal.db import db, utcnow

HIRING = "Spring Hiring 2027"
LAUNCH = "Beacon Insights launch"
DISCLOSURE = "#employee"


@dataclass(frozen=True)
class DemoItem:
    title: str
    url: str
    summary: str
    campaign: str
    tags: list[str]
    linkedin: str
    x: str
    facebook: str
    team: str | None = None  # None: for everyone
    days_old: int = 0
    expires_in_days: int | None = None


DEMO_ITEMS = [
    DemoItem(
        "We're hiring: Senior Backend Engineer (remote, EU)",
        "https://careers.example.com/jobs/senior-backend-engineer",
        "Python, PostgreSQL and a team that ships every week. Referrals get a thank-you bonus.",
        HIRING,
        ["hiring", "engineering"],
        "My team is hiring a Senior Backend Engineer. We ship every week, review each other's "
        "code kindly and take on-call seriously. If that sounds like you (or someone you know), "
        f"have a look. {DISCLOSURE}",
        f"We're hiring a Senior Backend Engineer (remote, EU). Python + PostgreSQL. {DISCLOSURE}",
        "We're growing! My team is looking for a Senior Backend Engineer. Know anyone great? "
        f"{DISCLOSURE}",
        days_old=1,
        expires_in_days=45,
    ),
    DemoItem(
        "Life at Example Co: a day with the platform team",
        "https://blog.example.com/life-at-example/platform-team",
        "A photo story of one ordinary Tuesday: stand-up, pairing, a deploy and a bike ride home.",
        HIRING,
        ["culture", "hiring"],
        "What does a normal Tuesday look like on our platform team? Stand-up, pairing, one deploy "
        f"and home on time. This story gets it right. {DISCLOSURE}",
        f"A day with our platform team: stand-up, pairing, a deploy, home on time. {DISCLOSURE}",
        f"A peek at an ordinary day at work. Yes, the coffee really is that good. {DISCLOSURE}",
        days_old=4,
    ),
    DemoItem(
        "Graduate programme 2027: applications open",
        "https://careers.example.com/graduates-2027",
        "Twelve places across engineering, design and marketing; mentoring from day one.",
        HIRING,
        ["hiring", "graduates"],
        "Applications are open for our 2027 graduate programme: twelve places in engineering, "
        f"design and marketing, with a mentor from day one. Please pass it on! {DISCLOSURE}",
        f"Graduate programme 2027 is open: 12 places, mentoring from day one. {DISCLOSURE}",
        "Know a recent graduate looking for a first job with real mentoring? Applications are "
        f"open. {DISCLOSURE}",
        days_old=7,
        expires_in_days=30,
    ),
    DemoItem(
        "Engineering blog: how we cut our CI time in half",
        "https://engineering.example.com/ci-in-half",
        "Test sharding, a warm dependency cache and one surprising change to how we build images.",
        HIRING,
        ["engineering", "blog"],
        "We cut our CI time from 22 to 11 minutes. The biggest win was not the one we expected. "
        f"Write-up by my colleagues: {DISCLOSURE}",
        f"How we cut CI time in half (the biggest win surprised us). {DISCLOSURE}",
        f"My colleagues wrote up how we made our builds twice as fast. {DISCLOSURE}",
        team="Engineering",
        days_old=2,
    ),
    DemoItem(
        "Introducing Beacon Insights",
        "https://www.example.com/products/insights",
        "Dashboards that show which posts reached whom, built into the product you already use.",
        LAUNCH,
        ["product", "launch"],
        "Today we launched Insights: see which posts reached whom, without another tool to learn. "
        f"Proud of the team that built it. {DISCLOSURE}",
        f"Insights is live: see which posts reached whom, no new tool to learn. {DISCLOSURE}",
        f"Big day at work: we just launched Insights! {DISCLOSURE}",
        days_old=0,
        expires_in_days=60,
    ),
    DemoItem(
        "Customer story: how Northwind doubled their reach",
        "https://www.example.com/customers/northwind",
        "Northwind's 40 employees now reach 9,000 people a month. "
        "Their head of marketing explains how.",
        LAUNCH,
        ["customers", "product"],
        "Forty employees, 9,000 people reached a month. Northwind's head of marketing explains "
        f"what changed when they started sharing as a team. {DISCLOSURE}",
        f"40 employees, 9,000 people reached a month: Northwind's story. {DISCLOSURE}",
        f"Love this customer story from Northwind. {DISCLOSURE}",
        days_old=3,
    ),
    DemoItem(
        "Webinar: measuring employee advocacy (register)",
        "https://events.example.com/webinars/measuring-advocacy",
        "A 30-minute live session on the numbers that matter: reach, clicks and what to ignore.",
        LAUNCH,
        ["events", "product"],
        "Join our 30-minute webinar on measuring employee advocacy: the three numbers that matter "
        f"and the vanity metrics to ignore. {DISCLOSURE}",
        f"30 minutes on measuring advocacy: the numbers that matter. Free, live. {DISCLOSURE}",
        f"Free webinar next week on measuring what works on social. {DISCLOSURE}",
        team="Marketing",
        days_old=5,
        expires_in_days=14,
    ),
    DemoItem(
        "Insights release notes: what's new this month",
        "https://docs.example.com/insights/release-notes",
        "Team comparisons, CSV export and a faster overview page.",
        LAUNCH,
        ["product", "release notes"],
        "Three things shipped in Insights this month: team comparisons, CSV export and a much "
        f"faster overview. {DISCLOSURE}",
        f"New in Insights: team comparisons, CSV export, faster overview. {DISCLOSURE}",
        f"New features in Insights this month. {DISCLOSURE}",
        days_old=9,
    ),
]


def load_demo_content() -> int:
    """Add the demo items that are missing (matched by title); return how many were added."""
    now = utcnow()
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    existing: set[str] = set(db.session.scalars(select(func.lower(ContentItem.title))))
    added = 0
    for demo in DEMO_ITEMS:
        if demo.title.lower() in existing:
            continue
        team = teams.get(demo.team) if demo.team else None
        item = ContentItem(
            url=demo.url,
            title=demo.title,
            summary=demo.summary,
            tags=list(demo.tags),
            campaign=demo.campaign,
            caption_linkedin=demo.linkedin,
            caption_x=demo.x,
            caption_facebook=demo.facebook,
            status=ContentStatus.PUBLISHED,
            published_at=now - timedelta(days=demo.days_old, hours=1),
            expires_at=(
                now + timedelta(days=demo.expires_in_days) if demo.expires_in_days else None
            ),
            for_everyone=team is None,
            teams=[team] if team else [],
            owner_team_id=None,
        )
        db.session.add(item)
        added += 1
    db.session.flush()
    return added
