"""A small, fixed world for insights tests: two teams, six people, a week of activity.

Built through the real services where they take a time (sharing, following
a tracked link, the activity log), and plain rows where they do not (quiz
attempts, bulletins, profiles). Every figure the tests expect is worked out
by hand in the docstring of `build_world`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from portal.accounts import services as accounts
from portal.accounts.models import Role, Team, User
from portal.advocacy import links, sharing
from portal.advocacy.models import ContentItem, ContentStatus, Network, TrackedLink
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus, Category
from portal.db import db
from portal.gamification.activity import record_activity
from portal.learning.models import Lesson, Module, Status
from portal.learning.records import LessonCompletion, QuizAttempt
from portal.profiles.models import BrandProfile

PASSWORD = "correct horse battery"  # noqa: S105
MONDAY = date(2026, 11, 2)  # D0; the world's week is D0..D6
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def day(n: int) -> date:
    """D<n>."""
    return MONDAY + timedelta(days=n)


def at(n: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """A moment on D<n>, UTC."""
    return datetime.combine(day(n), time(hour, minute, second), tzinfo=UTC)


@dataclass
class World:
    """Ids of what `build_world` made."""

    blue: int = 0
    green: int = 0
    people: dict[str, int] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)
    lessons: list[int] = field(default_factory=list)
    bulletins: list[int] = field(default_factory=list)

    def user(self, name: str) -> User:
        return db.session.get_one(User, self.people[name])


def person(name: str, team: Team | None, role: Role = Role.EMPLOYEE) -> User:
    """A person called `name` (email <name>@example.com)."""
    return accounts.create_user(
        f"{name}@example.com", name.capitalize(), PASSWORD, role=role, team=team
    )


def item(title: str) -> ContentItem:
    """A published content item for everyone."""
    thing = ContentItem(
        url=f"https://example.com/{title.lower().replace(' ', '-')}",
        title=title,
        summary="",
        tags=[],
        campaign="",
        caption_linkedin="",
        caption_x="",
        caption_facebook="",
        for_everyone=True,
        status=ContentStatus.PUBLISHED,
        published_at=at(0, 0),
    )
    db.session.add(thing)
    db.session.flush()
    return thing


def share(user: User, thing: ContentItem, network: Network, when: datetime) -> TrackedLink:
    """`user` shares `thing` on `network` at `when` (the real sharing service)."""
    return sharing.record_share(user, thing, network, "Worth a read", now=when).link


def click(link: TrackedLink, visitor: str, when: datetime) -> None:
    """A counted visit of a tracked link (the real link-following service)."""
    followed = links.follow_link(link.code, visitor, countable=True, now=when)
    assert followed is not None and followed.counted


def lesson() -> Lesson:
    """A lesson to hang quiz attempts on."""
    module = Module(
        slug=f"m-{db.session.query(Module).count()}",
        title="Module",
        summary="",
        minutes=5,
        tags=[],
        for_everyone=True,
        status=Status.PUBLISHED,
    )
    thing = Lesson(position=0, title="Lesson", pass_mark=50)
    module.lessons.append(thing)
    db.session.add(module)
    db.session.flush()
    return thing


def quiz(user: User, on: Lesson, score: int, when: datetime, number: int = 1) -> None:
    """A finished quiz attempt."""
    db.session.add(
        QuizAttempt(
            user_id=user.id,
            lesson_id=on.id,
            number=number,
            started_at=when - timedelta(minutes=5),
            finished_at=when,
            score=score,
            passed=score >= 50,
        )
    )


def bulletin(title: str, when: datetime, teams: list[Team] | None = None) -> Bulletin:
    """A bulletin published at `when`, for everyone or for `teams`."""
    news = Bulletin(
        title=title,
        summary="",
        body="",
        category=Category.BEST_PRACTICE,
        action_items=[],
        for_everyone=not teams,
        status=BulletinStatus.PUBLISHED,
        publish_at=when,
        published_at=when,
        teams=teams or [],
    )
    db.session.add(news)
    db.session.flush()
    return news


def acknowledge(user: User, news: Bulletin, when: datetime) -> None:
    """`user` read and acknowledged `news` at `when` (and the activity log counts it)."""
    db.session.add(
        BulletinRead(bulletin_id=news.id, user_id=user.id, read_at=when, acknowledged_at=when)
    )
    record_activity(user, "bulletins_acknowledged", f"bulletin:{news.id}", when)


def followers(user: User, linkedin: int = 0, x: int = 0, facebook: int = 0) -> None:
    """Declared follower counts on the person's profile."""
    db.session.add(
        BrandProfile(
            user_id=user.id,
            followers_linkedin=linkedin,
            followers_x=x,
            followers_facebook=facebook,
        )
    )


def build_world() -> World:
    """Two teams, six people and a week (D0..D6) of activity; commits. In an app context.

    Blue: Ana, Ben, Dan (leader). Green: Cat, Eve. Admin: no team. Everyone active.

    - Ana shares item 1 on LinkedIn (D1 09:00) and X (D1 10:00), item 2 on LinkedIn
      (D3 23:59:59); acknowledges bulletin 1 (D1 10:30). Her LinkedIn link of item 1 is
      clicked on D1 12:00, D2 08:00, D2 09:00, her X link on D2 10:00.
    - Ben completes two lessons (D2) and takes two quizzes, 80 and 60 (D2), passing one.
    - Cat shares item 1 on Facebook (D4 00:00:00), clicked on D5; posts an idea (D5),
      accepted on D6; acknowledges bulletin 2 (D5).
    - Dan acknowledges bulletin 1 (D3).
    - Bulletin 1 for everyone (D1), bulletin 2 for Green (D2).
    - Followers: Ana LinkedIn 500, X 100; Cat Facebook 200.

    So, D0..D6, company: shares 4 (LinkedIn 2, X 1, Facebook 1), clicks 5 (3, 1, 1),
    1.25 clicks per share; active people Ana, Ben, Cat, Dan: 4 of 6 (67%); active
    advocates 2; lessons 2, quizzes passed 1, average quiz score 70%; bulletins 3 of 8
    deliveries acknowledged (38%); ideas 1, accepted 1; potential reach 800.
    """
    world = World()
    blue, green = Team(name="Blue"), Team(name="Green")
    db.session.add_all([blue, green])
    db.session.flush()
    world.blue, world.green = blue.id, green.id
    ana, ben = person("ana", blue), person("ben", blue)
    cat, eve = person("cat", green), person("eve", green)
    dan = person("dan", blue, Role.LEADER)
    admin = person("admin", None, Role.ADMIN)
    world.people = {p.email.split("@")[0]: p.id for p in (ana, ben, cat, eve, dan, admin)}
    one, two = item("Item one"), item("Item two")
    world.items = [one.id, two.id]
    b1 = bulletin("For everyone", at(1, 8))
    b2 = bulletin("For Green", at(2, 8), teams=[green])
    world.bulletins = [b1.id, b2.id]

    ana_li = share(ana, one, Network.LINKEDIN, at(1, 9))
    ana_x = share(ana, one, Network.X, at(1, 10))
    share(ana, two, Network.LINKEDIN, at(3, 23, 59, 59))
    acknowledge(ana, b1, at(1, 10, 30))
    click(ana_li, "visitor-1", at(1, 12))
    click(ana_li, "visitor-2", at(2, 8))
    click(ana_li, "visitor-3", at(2, 9))
    click(ana_x, "visitor-4", at(2, 10))

    first, second = lesson(), lesson()
    world.lessons = [first.id, second.id]
    record_activity(ben, "lessons_completed", f"lesson:{first.id}", at(2, 9))
    record_activity(ben, "lessons_completed", f"lesson:{second.id}", at(2, 10))
    quiz(ben, first, 80, at(2, 9))
    quiz(ben, second, 60, at(2, 10))
    db.session.add_all(
        [
            LessonCompletion(user_id=ben.id, lesson_id=first.id, score=80, completed_at=at(2, 9)),
            LessonCompletion(user_id=ben.id, lesson_id=second.id, score=60, completed_at=at(2, 10)),
        ]
    )
    record_activity(ben, "quizzes_passed", f"lesson:{first.id}", at(2, 9))

    cat_fb = share(cat, one, Network.FACEBOOK, at(4, 0))
    click(cat_fb, "visitor-5", at(5, 15))
    record_activity(cat, "ideas", "idea:1", at(5, 11))
    record_activity(cat, "ideas_accepted", "idea:1", at(6, 11))
    acknowledge(cat, b2, at(5, 12))

    acknowledge(dan, b1, at(3, 9))

    followers(ana, linkedin=500, x=100)
    followers(cat, facebook=200)
    db.session.commit()
    return world
