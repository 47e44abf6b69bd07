"""The routes of the load run issue as many SQL statements with 3N rows as with N.

`bench.load` puts these routes under load at 10,000+ people; a statement per
row (an N+1) would make them slower with every person, idea or click added,
which no fixed-size benchmark shows. So one small world is measured, grown to
three times its size (people on the leaderboard and in the team, other teams,
ideas with votes and comments, lessons, cards and quiz questions, content,
shares and clicks, boards, bulletins, roll-ups), and measured again: each
route must cost the same number of statements. The counts are printed (`-s`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from portal.accounts import services as accounts
from portal.accounts.models import Role, Team, User
from portal.advocacy import links, sharing
from portal.advocacy.models import ContentItem, ContentStatus, Network
from portal.boards import services as boards
from portal.boards import votes
from portal.boards.models import Board
from portal.bulletins.models import Bulletin, BulletinStatus, Category
from portal.db import db, utcnow
from portal.gamification.points import adjust_points, award_points
from portal.insights import rollups
from portal.learning import player
from portal.learning.models import Card, Lesson, Module, Option, Question, Status
from tests.conftest import HTMX, PASSWORD

N = 5  # the week's board shows about a dozen people with N, its full top 20 with 3N
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class World:
    """Ids of what `grow` made, and how many of each it made so far."""

    admin: int = 0
    leader: int = 0
    viewer: int = 0
    sharer: int = 0
    team: int = 0
    board: int = 0
    module: int = 0
    lesson: int = 0
    questions: list[tuple[int, int]] = field(default_factory=list)  # (question, right option)
    code: str = ""
    emails: dict[str, str] = field(default_factory=dict)  # admin, leader, viewer
    size: int = 0
    made: int = 0  # a serial number for unique names


def _person(world: World, team: Team | None, role: Role = Role.EMPLOYEE) -> User:
    world.made += 1
    return accounts.create_user(
        f"p{world.made}@example.com", f"Person {world.made}", PASSWORD, role=role, team=team
    )


def _found(world: World) -> None:
    """The fixed cast: an admin, a leader, the viewer and a sharer; a board live right now."""
    team = Team(name="Blue")
    db.session.add(team)
    db.session.flush()
    admin = _person(world, team, Role.ADMIN)
    leader = _person(world, team, Role.LEADER)
    viewer, sharer = _person(world, team), _person(world, team)
    started = utcnow() - timedelta(minutes=20)
    board = boards.create_board(
        leader,
        boards.BoardSettings(
            prompt="How could we share more?", session_at=started + timedelta(minutes=1)
        ),
        now=started,
    )
    module = Module(
        slug="budget", title="Budget", summary="", minutes=5, tags=[], status=Status.PUBLISHED
    )
    lesson = Lesson(position=0, title="The quiz", pass_mark=50)
    module.lessons.append(lesson)
    db.session.add(module)
    item = _item(world)
    db.session.flush()
    link, _ = sharing.tracked_link_for(sharer, item, Network.LINKEDIN)
    # The admin leads this week's board; on the all-time board twenty people from an
    # earlier month keep the viewer below the top 20, however small the world.
    adjust_points(admin, admin, 100_000, "Budget test")
    crowd = Team(name="Crowd")
    db.session.add(crowd)
    db.session.flush()
    for n in range(20):
        award_points(
            _person(world, crowd),
            "module_completed",
            f"crowd:{n}",
            now=started - timedelta(days=40),
        )
    for _ in range(2):  # and two people with a single point keep two neighbours below them
        adjust_points(admin, _person(world, crowd), 1, "Budget test")
    world.admin, world.leader = admin.id, leader.id
    world.viewer, world.sharer = viewer.id, sharer.id
    world.emails = {"admin": admin.email, "leader": leader.email, "viewer": viewer.email}
    world.team, world.board, world.module, world.lesson = team.id, board.id, module.id, lesson.id
    world.code = link.code


def _item(world: World) -> ContentItem:
    world.made += 1
    item = ContentItem(
        url=f"https://example.com/news/{world.made}", title=f"News {world.made}", summary="",
        tags=["news"], campaign="Budget", caption_linkedin="Read this", caption_x="Read this",
        caption_facebook="Read this", for_everyone=True, status=ContentStatus.PUBLISHED,
        published_at=utcnow() - timedelta(hours=1),
    )  # fmt: skip
    db.session.add(item)
    db.session.flush()
    return item


def _question(lesson: Lesson, position: int) -> Question:
    question = Question(position=position, prompt=f"Question {position}?")
    question.options = [
        Option(position=n, text=f"Option {n}", correct=n == 0, explanation="Because.")
        for n in range(3)
    ]
    lesson.questions.append(question)
    return question


def grow(app: Any, world: World, by: int) -> None:
    """Add `by` of everything the routes show or count, through the services where they exist."""
    with app.app_context():
        if not world.admin:
            _found(world)
        get = db.session.get_one
        admin, viewer = get(User, world.admin), get(User, world.viewer)
        team, board = get(Team, world.team), get(Board, world.board)
        module, lesson = get(Module, world.module), get(Lesson, world.lesson)
        now = utcnow()
        for i in range(by):
            n = world.size + i
            mate = _person(world, team)  # a teammate (home, the team's dashboard)
            other = Team(name=f"Team {world.made}")  # another team (company dashboard)
            db.session.add(other)
            db.session.flush()
            stranger = _person(world, other)
            for person in (mate, stranger):  # on the leaderboard
                adjust_points(admin, person, 10 + n, "Budget test")
            idea = boards.post_idea(
                mate, board, f"Idea {n}", "Some *words*.", "alpha, beta", anonymous=n % 2 == 1
            )
            votes.cast_vote(viewer, idea)
            votes.cast_vote(stranger, idea)
            boards.add_comment(stranger, idea, "Good one.")
            extra = Lesson(position=n + 1, title=f"Lesson {n}", pass_mark=50)
            extra.cards = [Card(position=0, body="Read me.")]
            _question(extra, 0)
            module.lessons.append(extra)
            lesson.cards.append(Card(position=n, body=f"Card {n}, with **Markdown**."))
            _question(lesson, n)
            item = _item(world)  # live content to share (home)
            sharing.record_share(mate, item, Network.X, "Worth a read", now=now)
            followed = links.follow_link(world.code, f"{world.made:032x}", countable=True, now=now)
            assert followed is not None and followed.counted  # a past click on the measured link
            boards.create_board(  # another session coming up (home, boards)
                admin,
                boards.BoardSettings(prompt=f"Board {n}", session_at=now + timedelta(hours=1)),
            )
            db.session.add(
                Bulletin(
                    title=f"Bulletin {n}", summary="", body="", category=Category.BEST_PRACTICE,
                    action_items=[], for_everyone=True, status=BulletinStatus.PUBLISHED,
                    publish_at=now, published_at=now,
                )
            )  # fmt: skip
        db.session.flush()
        if not world.size:  # the viewer's quiz is open, with one answer, before any measurement
            first = lesson.questions[0]
            player.answer(viewer, lesson, first.id, [first.options[0].id])
        today = now.date()
        rollups.recompute(today - timedelta(days=30), today, now=now)
        db.session.commit()
        world.questions = [(q.id, q.options[0].id) for q in lesson.questions]
        world.size += by


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    """The SQL statements run inside the block, transaction control left out."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(SKIPPED):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _login(app: Any, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def _poll_url(html: str) -> str:
    found = re.search(r'hx-get="([^"]*/live\?[^"]*)"', html)
    assert found, "the board page has no poller"
    return unescape(found.group(1))


def measure(app: Any, world: World, answered: int) -> dict[str, tuple[int, list[str]]]:
    """Statements of one request to each route (after one request of the same kind)."""
    viewer, admin, leader = (
        _login(app, world.emails[who]) for who in ("viewer", "admin", "leader")
    )
    visitor = app.test_client()
    lesson = f"/learn/lessons/{world.lesson}"
    poll = _poll_url(viewer.get(f"/boards/{world.board}").get_data(as_text=True))
    stale = re.sub(r"v=[^&]*", "v=0-0", poll)

    def answer(client: FlaskClient, number: int) -> Any:
        question, option = world.questions[number]
        return client.post(
            f"{lesson}/questions/{question}", data={"option": str(option)}, headers=HTMX
        )

    def click(client: FlaskClient, address: str) -> Any:
        return client.get(
            f"/s/{world.code}",
            headers={"User-Agent": CHROME},
            environ_base={"REMOTE_ADDR": address},
        )

    serial = iter(range(1, 250))  # new visitors: addresses no earlier measurement used
    routes: dict[str, tuple[FlaskClient, Callable[[FlaskClient], Any], int]] = {
        "GET / (home)": (viewer, lambda c: c.get("/"), 200),
        "GET /leaderboard (in the top 20)": (admin, lambda c: c.get("/leaderboard"), 200),
        "GET /leaderboard?period=all (below it)": (
            viewer, lambda c: c.get("/leaderboard?period=all"), 200,
        ),
        "GET /leaderboard?scope=teams": (viewer, lambda c: c.get("/leaderboard?scope=teams"), 200),
        "GET /learn/lessons/<id>": (viewer, lambda c: c.get(lesson), 200),
        # Each answer is a fresh question of the open attempt: neither the first nor the last.
        "POST .../questions/<id> (answer)": (viewer, lambda c: answer(c, next(questions)), 200),
        "GET /s/<code> (counted click)": (
            visitor, lambda c: click(c, f"198.51.{world.size}.{next(serial)}"), 302,
        ),
        "GET /s/<code> (same visitor)": (visitor, lambda c: click(c, "192.0.2.1"), 302),
        "GET /boards/<id>": (viewer, lambda c: c.get(f"/boards/{world.board}"), 200),
        "GET /boards/<id>/live (unchanged)": (viewer, lambda c: c.get(poll, headers=HTMX), 204),
        "GET /boards/<id>/live (changed)": (viewer, lambda c: c.get(stale, headers=HTMX), 200),
        "GET /insights/company": (admin, lambda c: c.get("/insights/company"), 200),
        "GET /insights/teams/<id>": (leader, lambda c: c.get(f"/insights/teams/{world.team}"), 200),
        "GET /insights/me": (viewer, lambda c: c.get("/insights/me"), 200),
    }  # fmt: skip
    questions = iter(range(answered, len(world.questions)))
    result = {}
    for label, (client, call, status) in routes.items():
        assert call(client).status_code == status, label  # warm up: first-request work
        with counting(app) as seen:
            response = call(client)
        assert response.status_code == status, (label, response.status_code)
        result[label] = (len(seen), list(seen))
    return result


def test_each_load_run_route_costs_the_same_statements_at_3n_as_at_n(app, client):
    # `client` makes the app's test clients send CSRF tokens, as a browser does.
    world = World()
    grow(app, world, N)
    small = measure(app, world, answered=1)
    grow(app, world, 2 * N)
    large = measure(app, world, answered=3)

    print(f"\nSQL statements per request, {N} and {3 * N} of everything:")
    for label, (count, _) in small.items():
        print(f"  {label:<40} {count:>3} {large[label][0]:>4}")
    grown = {
        label: (small[label], large[label]) for label in small if small[label][0] != large[label][0]
    }
    assert not grown, "\n\n".join(
        f"{label}: {a[0]} statements with {N}, {b[0]} with {3 * N}:\n" + _difference(a[1], b[1])
        for label, (a, b) in grown.items()
    )


def _difference(small: list[str], large: list[str]) -> str:
    """The statements one run has and the other lacks (first line of each)."""
    lines = difflib.unified_diff(
        [s.split("\n")[0][:160] for s in small],
        [s.split("\n")[0][:160] for s in large],
        lineterm="",
        n=0,
    )
    return "\n".join(line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---"))
