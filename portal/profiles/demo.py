"""Demo data for posting guidelines and personal-brand profiles (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.advocacy import guidelines
from portal.advocacy.guideline_models import CaptionRules, GuidelineVersion
from portal.db import db, utcnow
from portal.profiles import public
from portal.profiles import services as profiles
from portal.profiles.models import BrandProfile

GUIDELINES_V1 = """\
## Why we share

What you post about your work reaches people our company accounts never will.
These guidelines keep that safe for you and for us.

## Always

- **Say that you work here.** Add `#employee` to every post about the company,
  or write "I work at Acme" in your own words. Beacon offers to add it for you.
- **Speak for yourself.** Share your own view; you do not need to sound like a
  press release.
- **Share what is public.** Use the content library or anything already on our
  website, blog or press page.

## Never

- Mention confidential projects, such as **Project Falcon**, or unreleased
  numbers, prices or dates.
- Name customers or partners unless they are already public references.
- Argue with trolls. Report hostile comments to the social team instead.

## If something goes wrong

Delete the post if you can and tell the social team at
[social@acme.example](mailto:social@acme.example). Nobody gets in trouble for
asking.
"""

GUIDELINES_V2 = (
    GUIDELINES_V1.replace(
        "## If something goes wrong",
        """## AI-written posts

You may draft with an AI assistant, but read every word before you post, and
never paste internal documents, customer data or code into one.

## If something goes wrong""",
    )
    + """
| Network  | Keep captions under          |
|----------|------------------------------|
| LinkedIn | 3,000 characters             |
| X        | 280 characters (links: 23)   |
| Facebook | 63,206 characters            |
"""
)


@dataclass(frozen=True)
class DemoProfile:
    headline: str
    bio: str
    expertise: list[str]
    links: dict[str, str]
    followers: dict[str, int | None]
    speaking: list[tuple[str, str, str, int]]  # kind, title, event, days ago
    followers_days_ago: int = 0  # when the follower counts were declared
    public: bool = False  # opted in to a public profile page


PROFILES: dict[str, DemoProfile] = {
    "admin@example.com": DemoProfile(
        headline="Head of Brand & Communications",
        bio="I run brand and internal communications at Acme and started our "
        "employee advocacy programme in 2025. Ask me about **crisis comms** and "
        "how to write a post people actually read.",
        expertise=["Brand strategy", "Crisis communication", "Employee advocacy"],
        links={"linkedin": "alex-morgan-comms", "x": "@alexmorgancomms"},
        followers={"linkedin": 4200, "x": 1350, "facebook": 310},
        speaking=[
            ("talk", "Building an advocacy programme from zero", "Content Marketing World", 70),
            ("article", "What we learned from 1,000 employee posts", "PR Week", 150),
        ],
        followers_days_ago=45,
    ),
    "leader@example.com": DemoProfile(
        headline="Marketing lead · B2B demand generation",
        bio="I lead the Marketing team's campaigns and coach colleagues on "
        "posting with confidence.",
        expertise=["Demand generation", "LinkedIn", "Coaching"],
        links={"linkedin": "priya-shah-b2b", "facebook": "priya.shah.marketing"},
        followers={"linkedin": 2900, "x": 640, "facebook": 220},
        speaking=[
            ("podcast", "Why your best marketers are your engineers", "The B2B Growth Show", 40),
            ("article", "Five habits of teams that post together", "Marketing Week", 200),
        ],
        followers_days_ago=12,
        public=True,
    ),
    "sam@example.com": DemoProfile(
        headline="Product marketer who loves a good launch",
        bio="",
        expertise=["Product launches", "Copywriting"],
        links={"linkedin": "sam-carter-pmm"},
        followers={"linkedin": 850, "x": 61, "facebook": 200},
        speaking=[],
    ),
    "jordan@example.com": DemoProfile(
        headline="Platform engineer · Kubernetes and developer experience",
        bio="I keep our deploys boring. Occasionally I talk about how.",
        expertise=["Kubernetes", "Developer experience", "Observability"],
        links={"linkedin": "jordan-lee-platform", "x": "jordanleedev"},
        followers={"linkedin": 1100, "x": 2300, "facebook": 0},
        speaking=[
            ("talk", "Zero-downtime deploys on a budget", "KubeCon Europe", 250),
        ],
        followers_days_ago=90,
    ),
}


def _admin() -> User | None:
    return accounts.get_user_by_email("admin@example.com")


def load_guidelines_and_profiles_demo() -> int:
    """Published guidelines (two versions), caption rules and demo profiles; rows added."""
    added = 0
    admin = _admin()
    if admin is None:
        return 0
    now = utcnow()
    if db.session.get(CaptionRules, 1) is None:
        guidelines.update_caption_rules(
            admin,
            disclosure="#employee",
            blocked_terms="Project Falcon\nBluebird pricing\nFalcon roadmap",
            limits=dict(guidelines.DEFAULT_LIMITS),
        )
        added += 1
    if not db.session.scalar(select(func.count()).select_from(GuidelineVersion)):
        first = guidelines.save_draft(admin, title="Posting guidelines", body=GUIDELINES_V1)
        guidelines.publish_draft(admin, first.id, now=now - timedelta(days=60))
        for email in ("leader@example.com", "sam@example.com"):
            if (person := accounts.get_user_by_email(email)) is not None:
                guidelines.acknowledge(person, first.id, now=now - timedelta(days=59))
        second = guidelines.save_draft(
            admin,
            title="Posting guidelines",
            body=GUIDELINES_V2,
            summary="Added a section on AI-written posts and a table of caption lengths.",
        )
        guidelines.publish_draft(admin, second.id, now=now - timedelta(days=3))
        if (leader := accounts.get_user_by_email("leader@example.com")) is not None:
            guidelines.acknowledge(leader, second.id, now=now - timedelta(days=2))
        added += 2
    today = date.today()
    for email, data in PROFILES.items():
        person = accounts.get_user_by_email(email)
        if person is None or db.session.get(BrandProfile, person.id) is not None:
            continue
        profiles.update_profile(
            person,
            headline=data.headline,
            bio=data.bio,
            expertise=data.expertise,
            links=data.links,
            followers=data.followers,
            now=now - timedelta(days=data.followers_days_ago),
        )
        if data.public:
            public.set_public(person, public=True)
        for kind, title, event, days_ago in data.speaking:
            profiles.add_speaking(
                person,
                kind=kind,
                title=title,
                event=event,
                happened_on=today - timedelta(days=days_ago),
            )
        added += 1
    db.session.flush()
    return added
