"""Demo bulletins: a LinkedIn algorithm update, a best practice on posting times and a policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.bulletins import reading
from portal.bulletins.models import (
    Bulletin,
    BulletinNetwork,
    BulletinRead,
    BulletinStatus,
    Category,
    Network,
)
from portal.db import db, utcnow
from portal.learning.models import Lesson


@dataclass(frozen=True)
class DemoBulletin:
    title: str
    summary: str
    body: str
    category: Category
    networks: list[Network]
    action_items: list[str]
    days_ago: int
    lesson_title: str | None = None
    pinned: bool = False
    acknowledged_by: list[str] = field(default_factory=list)
    read_by: list[str] = field(default_factory=list)


DEMO_BULLETINS = [
    DemoBulletin(
        title="LinkedIn now favours comments that start a real conversation",
        summary=(
            "LinkedIn says posts whose comments turn into back-and-forth replies now travel "
            "further, while short 'Great post!' comments count for less. Ask a genuine "
            "question and answer every comment in the first hour."
        ),
        body=(
            "## What changed\n\n"
            "LinkedIn's engineering team explained this month that the feed now weighs "
            "**meaningful conversations** more heavily: comments that get replies, and "
            "replies from the author, signal that a post is worth showing to more people. "
            "One-word comments and emoji-only replies carry less weight than before.\n\n"
            "## What it means for you\n\n"
            "- A post that ends with a specific question invites real answers.\n"
            "- The first hour matters most: replying quickly keeps the thread alive.\n"
            "- Engagement pods and 'comment YES to get the PDF' are treated as bait and "
            "can push a post *down*.\n\n"
            "Nothing here changes our posting guidelines: be useful, be yourself, and "
            "disclose that you work here when you talk about our products."
        ),
        category=Category.ALGORITHM_UPDATE,
        networks=[Network.LINKEDIN],
        action_items=[
            "End your next post with one specific question",
            "Reply to every comment within the first hour",
            "Skip 'comment to get the link' posts",
        ],
        days_ago=2,
        lesson_title="Signals that help",
        acknowledged_by=["leader@example.com"],
        read_by=["sam@example.com"],
    ),
    DemoBulletin(
        title="Best times to post: our own numbers for Q3",
        summary=(
            "Our tracked links show posts shared Tuesday to Thursday between 8 and 10 am "
            "local time earned twice the clicks of weekend posts. Schedule for the morning, "
            "and spread shares across the team."
        ),
        body=(
            "We looked at every tracked link Beacon recorded last quarter.\n\n"
            "| When it was shared | Clicks per share |\n"
            "| --- | --- |\n"
            "| Tue–Thu, 8–10 am | 14.2 |\n"
            "| Mon & Fri, 8–10 am | 9.8 |\n"
            "| Weekdays, afternoon | 7.1 |\n"
            "| Weekends | 6.5 |\n\n"
            "Two more findings:\n\n"
            "1. When five people shared the same article within ten minutes, the later "
            "shares earned far fewer clicks. Spread out over the day, each share did better.\n"
            "2. A personal sentence before the link beat the suggested caption alone.\n\n"
            "Your audience may differ: check your own numbers on your points page."
        ),
        category=Category.BEST_PRACTICE,
        networks=[Network.LINKEDIN, Network.X, Network.FACEBOOK],
        action_items=[
            "Share on weekday mornings, between 8 and 10 am your time",
            "Add one sentence of your own above the suggested caption",
        ],
        days_ago=6,
        lesson_title="Reach, engagement and clicks",
        acknowledged_by=["leader@example.com", "jordan@example.com"],
    ),
    DemoBulletin(
        title="Always say you work here when you post about our products",
        summary=(
            "From 1 December, every post about our products or services must make clear "
            "that you work here: in the post itself or in your profile headline. It is the "
            "law in many countries, and it keeps your audience's trust."
        ),
        body=(
            "Consumer-protection rules (the FTC's Endorsement Guides in the US, the ASA "
            "in the UK and similar rules in the EU) require people to disclose a "
            "*material connection* when they recommend a company's products. Working "
            "here is one.\n\n"
            "**Good ways to disclose**\n\n"
            '- "Proud of what my team at Beacon shipped this week…"\n'
            "- #employee or #BeaconEmployee at the start of the post\n"
            '- A headline such as "Product designer at Beacon"\n\n'
            'Disclosure hidden after "see more" or in a pile of hashtags does not count.'
        ),
        category=Category.POLICY,
        networks=[Network.LINKEDIN, Network.X, Network.FACEBOOK, Network.INSTAGRAM],
        action_items=[
            "Check that your profile headline names the company",
            "Add #employee to posts about our products",
            "Read the posting guidelines once more",
        ],
        days_ago=20,
        lesson_title="Say that you work here",
        pinned=True,
        acknowledged_by=["leader@example.com", "sam@example.com"],
    ),
]


def load_demo_bulletins() -> int:
    """Publish the demo bulletins that are missing; return how many rows were added."""
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    existing = set(db.session.scalars(select(Bulletin.title)))
    now = utcnow()
    added = 0
    for demo in DEMO_BULLETINS:
        if demo.title in existing:
            continue
        lesson_id = (
            db.session.scalar(select(Lesson.id).where(Lesson.title == demo.lesson_title))
            if demo.lesson_title
            else None
        )
        published_at = now - timedelta(days=demo.days_ago)
        bulletin = Bulletin(
            title=demo.title,
            summary=demo.summary,
            body=demo.body,
            category=demo.category,
            network_rows=[BulletinNetwork(network=n) for n in demo.networks],
            action_items=demo.action_items,
            lesson_id=lesson_id,
            for_everyone=True,
            pinned=demo.pinned,
            status=BulletinStatus.PUBLISHED,
            publish_at=published_at,
            published_at=published_at,
            created_by_id=admin.id if admin else None,
            created_at=published_at - timedelta(hours=3),
        )
        db.session.add(bulletin)
        db.session.flush()
        added += 1
        for email in demo.read_by:
            if (person := accounts.get_user_by_email(email)) is not None:
                db.session.add(BulletinRead(bulletin_id=bulletin.id, user_id=person.id,
                                            read_at=published_at + timedelta(hours=2)))  # fmt: skip
                added += 1
        for email in demo.acknowledged_by:
            if (person := accounts.get_user_by_email(email)) is not None:
                reading.acknowledge(person, bulletin.id, published_at + timedelta(hours=5))
                added += 1
    return added
