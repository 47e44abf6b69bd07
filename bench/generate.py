"""A realistic company in PostgreSQL, fast: 10,000 or 100,000 people and six months of use.

Load tests and background-job benchmarks need a database that looks like a
real deployment a few months in, not an empty one: teams of 5 to 50 people
with a leader each, a learning catalogue of 200 modules that people have
worked through (completions, quiz attempts and answers, reviews, streaks),
shared content with tracked links and their clicks, idea boards with ideas,
votes and comments (one live session running now), bulletins and who read
them, assignments due soon, preferences, notifications, and this week's
leagues. Every point in the ledger comes from one of those events with the key
the app would have given it (so a replay pays nothing twice), the activity log
holds the matching entries, and the derived figures the app keeps in step
(`point_totals`, league XP, `share_count`, streaks, board versions) are
computed from the same events, so they agree with the ledger exactly.

Rows go in with COPY (psycopg), never through the ORM one by one. The schema is
made by the app's own migrations, in the schema `scale_<N>k` of the database
`beacon_bench` (never `test`), dropped and made again each run unless `--keep`
finds it already generated at the same size.

    .venv/bin/python -m bench.generate --people 10000
    .venv/bin/python -m bench.generate --people 100000 --keep

From Python: `from bench.generate import generate; info = generate(url, people=10000)`
returns (and writes to /tmp/beacon-bench/scale_<N>.json) the database URL and
the ids a load test needs. Logins: admin@bench.example, leader@bench.example
(leader of a team of 20) and employee@bench.example (in that team, with
history), password `bench-password-123`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("BENCH_PG_DATABASE", "beacon_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
OUT_DIR = Path(os.environ.get("BENCH_OUT_DIR", "/tmp/beacon-bench"))
PASSWORD = "bench-password-123"
ADMIN, LEADER, EMPLOYEE = "admin@bench.example", "leader@bench.example", "employee@bench.example"
DAYS = 180  # how far back the history goes
MODULES, PATHS, BOARDS, BULLETINS = 200, 6, 500, 40
FORMAT = 3  # bump when the generated world changes: `--keep` then regenerates

# Time zones and how many people live in each (weights): mostly Europe and the Americas.
ZONES: list[tuple[str, int]] = [
    ("UTC", 2), ("Europe/London", 10), ("Europe/Berlin", 12), ("Europe/Paris", 8),
    ("Europe/Madrid", 5), ("Europe/Warsaw", 4), ("Europe/Athens", 3), ("Europe/Helsinki", 2),
    ("Asia/Dubai", 2), ("Asia/Kolkata", 8), ("Asia/Singapore", 3), ("Asia/Tokyo", 2),
    ("Australia/Sydney", 3), ("Pacific/Auckland", 1), ("America/New_York", 12),
    ("America/Chicago", 7), ("America/Denver", 3), ("America/Los_Angeles", 8),
    ("America/Sao_Paulo", 4), ("America/Mexico_City", 2), ("America/Toronto", 3),
    ("Africa/Lagos", 1), ("Africa/Johannesburg", 1), ("Pacific/Honolulu", 1),
]  # fmt: skip
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
    "Amir",
    "Bea",
    "Carlos",
    "Dana",
    "Emil",
    "Farah",
    "Gita",
    "Hugo",
    "Iris",
    "Jonas",
    "Kai",
    "Lucia",
    "Milan",
    "Noor",
    "Oskar",
    "Paula",
    "Rahul",
    "Sofia",
    "Theo",
    "Una",
    "Vera",
    "Will",
    "Ximena",
    "Yusuf",
    "Zara",
]
LAST = [
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quint",
    "Rossi",
    "Silva",
    "Tanaka",
    "Urban",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersen",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Gupta",
    "Horvat",
    "Ibrahim",
    "Jovanovic",
    "Kim",
    "Larsen",
    "Meyer",
    "Novak",
]
DEPARTMENTS = [
    "Marketing",
    "Sales",
    "Engineering",
    "Support",
    "Finance",
    "People",
    "Legal",
    "Product",
    "Design",
    "Data",
    "Operations",
    "Partnerships",
    "Research",
    "Security",
    "Facilities",
    "Procurement",
    "Communications",
    "Success",
]
TOPICS = [
    "linkedin",
    "x",
    "facebook",
    "writing",
    "video",
    "analytics",
    "brand",
    "privacy",
    "security",
    "employer-brand",
    "storytelling",
    "networking",
    "algorithms",
    "accessibility",
    "photography",
    "events",
]
NETWORKS = ("linkedin", "x", "facebook")
CARD = (
    "## {title}\n\nA good post says one thing well. Lead with what your reader gains, "
    "keep it short, and end with a question people can answer in a line.\n\n"
    "- Write for one person you know\n- Link to the source\n- Tag people only when it helps them\n"
)


# --- the database -----------------------------------------------------------------------------


def schema_for(people: int) -> str:
    """`scale_10k` for 10,000 people, `scale_2500` for 2,500."""
    return f"scale_{people // 1000}k" if people % 1000 == 0 else f"scale_{people}"


def server_url(url: str | None) -> str:
    """The PostgreSQL server of `url` (any database on it), as a SQLAlchemy psycopg URL."""
    made = sa.engine.make_url(url or PG)
    if made.drivername in ("postgresql", "postgres"):
        made = made.set(drivername="postgresql+psycopg")
    return made.set(database="postgres", query={}).render_as_string(hide_password=False)


def database_url(url: str | None, schema: str, database: str = DATABASE) -> str:
    """The URL the app uses for `schema`: the database, with `search_path` set per connection."""
    base = sa.engine.make_url(server_url(url)).set(database=database)
    return f"{base.render_as_string(hide_password=False)}?options=-csearch_path%3D{schema}"


def _ensure_database(url: str | None, database: str) -> None:
    if database == "test":
        raise SystemExit("refusing the database `test` (CI's)")
    admin = sa.create_engine(server_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        ).first()
        if not found:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()


def _existing(url: str | None, schema: str, people: int, database: str) -> dict[str, Any] | None:
    """The saved info of a schema generated earlier at this size and format, else None."""
    path = OUT_DIR / f"{schema}.json"
    if not path.exists():
        return None
    info: dict[str, Any] = json.loads(path.read_text())
    if info.get("people") != people or info.get("format") != FORMAT:
        return None
    engine = sa.create_engine(sa.engine.make_url(server_url(url)).set(database=database))
    try:
        with engine.connect() as conn:
            count: int = conn.execute(
                sa.text(f"SELECT count(*) FROM {schema}.users")  # noqa: S608
            ).scalar_one()
            marker: str | None = conn.execute(
                sa.text(f"SELECT obj_description('{schema}'::regnamespace)")
            ).scalar_one()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    if count != people or marker != info.get("marker"):
        return None
    return info


def _refresh_live(url: str | None, schema: str, database: str) -> None:
    """A kept schema's live boards (1 and 2) get a session running from ten minutes ago."""
    engine = sa.create_engine(sa.engine.make_url(server_url(url)).set(database=database))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema}.boards SET session_at = now() - interval '10 minutes', "  # noqa: S608
                "session_minutes = 120, phase = 'collecting' WHERE id IN (1, 2)"
            )
        )
    engine.dispose()


def _fresh_schema(url: str | None, schema: str, database: str) -> None:
    engine = sa.create_engine(
        sa.engine.make_url(server_url(url)).set(database=database), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


class Copier:
    """COPY rows into tables on one psycopg connection, counting them per table."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.counts: dict[str, int] = {}

    def __call__(self, table: str, columns: str, rows: Iterable[Iterable[Any]]) -> int:
        count = 0
        with (
            self.raw.cursor() as cur,
            cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count
        return count


# --- the world --------------------------------------------------------------------------------


class Ledger:
    """Points and activity as the app's subscribers record them, with totals kept in step.

    `event` does what `award_points` + `record_activity` do for one event: the
    activity entry always (once per metric, person and subject), the award only
    when the rule pays and the person's daily cap (in their time zone) allows.
    """

    def __init__(self, rules: dict[str, tuple[int, int | None]], world: World) -> None:
        self.rules = rules
        self.world = world
        self.awards: list[tuple[Any, ...]] = []
        self.activity: list[tuple[Any, ...]] = []
        self.keys: set[str] = set()
        self.activity_keys: set[str] = set()
        self.totals: dict[tuple[int, str], int] = defaultdict(int)
        self.per_day: Counter[tuple[int, str, date]] = Counter()
        self.week_xp: dict[tuple[str, int], list[Any]] = {}  # (week, user) -> [xp, first, last]
        self._periods: dict[date, tuple[list[str], str]] = {}
        self.weeks = (world.this_week, world.last_week)

    def _periods_of(self, when: datetime) -> tuple[list[str], str]:
        from portal.gamification.league_rules import week_of
        from portal.gamification.points import periods

        day = when.date()
        found = self._periods.get(day)
        if found is None:
            found = self._periods[day] = (periods(when), week_of(when))
        return found

    def event(
        self, user: int, action: str, subject: str, when: datetime, metric: str | None = None
    ) -> bool:
        """Record the event; True when it paid points."""
        if metric is not None:
            key = f"{metric}:{user}:{subject}"
            if key not in self.activity_keys:
                self.activity_keys.add(key)
                self.activity.append((key, user, self.world.team_of[user], metric, subject, when))
        rule = self.rules.get(action)
        if rule is None or rule[0] == 0:
            return False
        key = f"{action}:{user}:{subject}"
        if key in self.keys:
            return False
        points, cap = rule
        day = when.astimezone(self.world.zone_of(user)).date()
        if cap is not None:
            if self.per_day[(user, action, day)] >= cap:
                return False
            self.per_day[(user, action, day)] += 1
        self.keys.add(key)
        self.awards.append((key, user, action, subject, points, day, when))
        periods, week = self._periods_of(when)
        for period in periods:
            self.totals[(user, period)] += points
        if week in self.weeks:
            found = self.week_xp.get((week, user))
            if found is None:
                self.week_xp[(week, user)] = [points, when, when]
            else:
                found[0] += points
                found[1] = min(found[1], when)
                found[2] = max(found[2], when)
        return True


class World:
    """Everything generated, in plain Python structures, before it is copied in."""

    def __init__(self, people: int, ledger: int, clicks: int, seed: int, now: datetime) -> None:
        from portal.gamification.league_rules import previous_week, week_of

        self.people = people
        self.ledger_target = ledger
        self.clicks_target = clicks
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=DAYS)
        self.this_week = week_of(now)
        self.last_week = previous_week(self.this_week)
        self.team_of: list[int] = [0] * (people + 1)
        self.zone_index: list[int] = [0] * (people + 1)
        self.zones = [ZoneInfo(name) for name, _ in ZONES]
        self.joined: list[date] = [now.date()] * (people + 1)
        self.weight: list[float] = [0.0] * (people + 1)
        self.teams: list[list[int]] = [[]]  # team id -> member ids (index 0 unused)
        self.leader_of: list[int] = [0]
        self.info: dict[str, Any] = {}
        self.admins: list[int] = []
        self.module_lessons: dict[int, list[int]] = {}
        self.lesson_module: dict[int, int] = {}
        # lesson -> [(question, right option, wrong options)]
        self.lesson_questions: dict[int, list[tuple[int, int, list[int]]]] = {}
        self.everyone_modules: list[int] = []
        self.path_modules: dict[int, list[int]] = {}
        self.module_done: dict[tuple[int, int], datetime] = {}
        self.learn_days: dict[int, set[date]] = defaultdict(set)
        self._cum: list[float] | None = None

    def zone_of(self, user: int) -> ZoneInfo:
        return self.zones[self.zone_index[user]]

    def moment(self, after: datetime, before: datetime | None = None) -> datetime:
        """A random moment between `after` and `before` (default now), to the second."""
        before = before or self.now
        span = max(int((before - after).total_seconds()), 1)
        return after + timedelta(seconds=self.rng.randrange(span))

    def busy(self, k: int) -> list[int]:
        """`k` people drawn by how active they are (the busy ones more often)."""
        if self._cum is None:
            self._cum = list(accumulate(self.weight))
        return self.rng.choices(range(self.people + 1), cum_weights=self._cum, k=k)


def _teams_and_people(world: World, copy: Copier, password_hash: str) -> None:
    """Teams of 5 to 50 (team 1: the known leader's 20), everyone in one, a leader each."""
    rng, people = world.rng, world.people
    order = [2, 3, *range(4, 22)] + [1, *range(22, people + 1)]
    sizes = [20]
    left = people - 20
    while left > 0:
        size = rng.randint(5, 50)
        if left - size < 5:
            size = left if left <= 50 else left - 5
        sizes.append(size)
        left -= size
    position = 0
    for size in sizes:
        members = order[position : position + size]
        position += size
        world.teams.append(members)
        leader = members[1] if members[0] == 1 else members[0]
        world.leader_of.append(leader)
        for member in members:
            world.team_of[member] = len(world.teams) - 1
    created = world.now - timedelta(days=720)
    names: Counter[str] = Counter()
    team_rows = []
    for team in range(1, len(world.teams)):
        department = "Marketing" if team == 1 else DEPARTMENTS[team % len(DEPARTMENTS)]
        names[department] += 1
        name = department if names[department] == 1 else f"{department} {names[department]}"
        team_rows.append((team, name, created))
    copy("teams", "id, name, created_at", team_rows)
    zone_weights = list(accumulate(w for _, w in ZONES))
    leaders = set(world.leader_of[1:])
    admins = {1} | {u for u in range(5000, people + 1, 5000) if u not in leaders}

    def users() -> Iterable[tuple[Any, ...]]:
        for u in range(1, people + 1):
            zone = rng.choices(range(len(ZONES)), cum_weights=zone_weights)[0]
            if u <= 3:
                zone = [1, 2, 2][u - 1]  # London, Berlin, Berlin
            world.zone_index[u] = zone
            roll = rng.random()
            days = rng.randrange(10) if roll < 0.03 else rng.randrange(14, 720)
            joined = world.now.date() - timedelta(days=300 if u <= 3 else days)
            world.joined[u] = joined
            # How active each person is: a fifth never engage, the rest a long tail.
            world.weight[u] = 0.0 if rng.random() < 0.2 else min(rng.paretovariate(1.4), 60.0)
            first, last = FIRST[u % len(FIRST)], LAST[(u * 7 + u // 40) % len(LAST)]
            email = {1: ADMIN, 2: LEADER, 3: EMPLOYEE}.get(
                u, f"{first.lower()}.{last.lower()}.{u}@bench.example"
            )
            role = "admin" if u in admins else "leader" if u in leaders else "employee"
            active = u <= 3 or rng.random() > 0.01
            login = world.moment(world.now - timedelta(days=30)) if rng.random() < 0.7 else None
            yield (
                u, email, f"{first} {last}", password_hash, role, world.team_of[u],
                ZONES[zone][0], joined, active, 1, login, u > 3 and rng.random() < 0.03,
                datetime(joined.year, joined.month, joined.day, 9, tzinfo=UTC),
            )  # fmt: skip

    copy(
        "users",
        "id, email, display_name, password_hash, role, team_id, timezone, joined_on, active, "
        "session_version, last_login_at, hide_from_boards, created_at",
        users(),
    )
    world.weight[0] = 0.0
    world.weight[2] = max(world.weight[2], 8.0)
    world.weight[3] = 25.0  # the known employee has plenty of history
    world.admins = sorted(admins)


def _learning(world: World, copy: Copier) -> None:
    """200 modules of 3 to 6 lessons (3 cards, 3 questions of 4 options each), a few paths."""
    rng = world.rng
    created = world.now - timedelta(days=DAYS + 60)
    modules, lessons, cards, questions, options, module_teams = [], [], [], [], [], []
    lesson_id = card_id = question_id = option_id = 0
    for m in range(1, MODULES + 1):
        topic = TOPICS[m % len(TOPICS)]
        draft = m > MODULES - 4
        for_everyone = m % 10 != 7
        owner_team = None if for_everyone else rng.randrange(1, len(world.teams))
        published = created + timedelta(days=rng.randrange(DAYS))
        modules.append((
            m, f"{topic}-{m}", f"{topic.replace('-', ' ').capitalize()} essentials {m}",
            f"What works on {topic} today, in a few short lessons.", rng.choice([5, 10, 15]),
            json.dumps([topic, TOPICS[(m * 3) % len(TOPICS)]]), for_everyone,
            "draft" if draft else "published", None if draft else published, owner_team, 1,
            created,
        ))  # fmt: skip
        if owner_team is not None:
            module_teams.append((m, owner_team))
        if for_everyone and not draft:
            world.everyone_modules.append(m)
        world.module_lessons[m] = []
        for position in range(rng.randint(3, 6)):
            lesson_id += 1
            lessons.append((lesson_id, m, position, f"Lesson {position + 1}: {topic} {m}", 60))
            world.module_lessons[m].append(lesson_id)
            world.lesson_module[lesson_id] = m
            for card_position in range(3):
                card_id += 1
                cards.append((card_id, lesson_id, card_position, CARD.format(title=topic)))
            found = []
            for q_position in range(3):
                question_id += 1
                questions.append((
                    question_id, lesson_id, q_position,
                    f"Which of these helps a {topic} post most? ({q_position + 1})", "single",
                ))  # fmt: skip
                right = rng.randrange(4)
                wrong = []
                for o_position in range(4):
                    option_id += 1
                    options.append((
                        option_id, question_id, o_position, f"Answer {o_position + 1}",
                        o_position == right,
                        "Yes: that is what people respond to." if o_position == right
                        else "Not quite: see the second card.",
                    ))  # fmt: skip
                    if o_position == right:
                        right_id = option_id
                    else:
                        wrong.append(option_id)
                found.append((question_id, right_id, wrong))
            world.lesson_questions[lesson_id] = found
    copy(
        "modules",
        "id, slug, title, summary, minutes, tags, for_everyone, status, published_at, "
        "owner_team_id, created_by_id, created_at",
        modules,
    )
    copy("module_teams", "module_id, team_id", module_teams)
    copy("lessons", "id, module_id, position, title, pass_mark", lessons)
    copy("lesson_cards", "id, lesson_id, position, body", cards)
    copy("questions", "id, lesson_id, position, prompt, kind", questions)
    copy(
        "question_options",
        "id, question_id, position, text, correct, explanation",
        options,
    )
    paths, steps = [], []
    pool = list(world.everyone_modules)
    rng.shuffle(pool)
    step_id = 0
    for p in range(1, PATHS + 1):
        chosen = pool[(p - 1) * 5 : (p - 1) * 5 + rng.randint(4, 5)]
        world.path_modules[p] = chosen
        paths.append((p, f"path-{p}", f"Learning path {p}", "Modules in order.", "published",
                      created))  # fmt: skip
        for position, module in enumerate(chosen):
            step_id += 1
            steps.append((step_id, p, module, position))
    copy("learning_paths", "id, slug, title, summary, status, created_at", paths)
    copy("path_modules", "id, path_id, module_id, position", steps)


def _advocacy(world: World, copy: Copier, ledger: Ledger) -> None:
    """The content library, distinct (person, item, network) links, their shares and clicks."""
    rng, now = world.rng, world.now
    items = max(100, world.people // 250)
    published: dict[int, datetime] = {}
    rows = []
    for i in range(1, items + 1):
        at = world.moment(world.start - timedelta(days=20), now - timedelta(hours=2))
        if i <= 5:
            at = now - timedelta(days=i)  # a few fresh ones at the top of the feed
        published[i] = at
        expires = at + timedelta(days=120) if i % 4 == 0 else None
        topic = TOPICS[i % len(TOPICS)]
        rows.append([
            i, f"https://www.example.com/blog/{topic}-{i}", f"{topic.capitalize()} story {i}",
            f"Why {topic} matters this quarter.", json.dumps([topic]), f"q{1 + i % 4}-campaign",
            f"New on our blog: {topic} {i}", f"{topic} {i} #work", f"Read this: {topic} {i}",
            expires, True, "published", at, 0, 1, "", at,
        ])  # fmt: skip
    popularity = list(accumulate([0.0] + [rng.paretovariate(1.2) for _ in range(items)]))
    shares_target = max(world.ledger_target // 25, 1000)
    links: dict[tuple[int, int, str], datetime] = {}
    while len(links) < shares_target:
        for user in world.busy(shares_target):
            item = rng.choices(range(items + 1), cum_weights=popularity)[0]
            network = rng.choice(NETWORKS)
            if (user, item, network) not in links:
                links[(user, item, network)] = world.moment(max(published[item], world.start))
            if len(links) >= shares_target:
                break
    for item in range(1, 6):  # the known employee shared the fresh items
        links.setdefault((3, item, "linkedin"), world.moment(published[item]))
    share_count: Counter[int] = Counter()
    link_rows = []
    ordered = sorted(links.items(), key=lambda kv: kv[1])
    codes: set[str] = set()
    alphabet = string.ascii_letters + string.digits
    for n, ((user, item, network), at) in enumerate(ordered, 1):
        code = "".join(rng.choices(alphabet, k=10))
        while code in codes:
            code = "".join(rng.choices(alphabet, k=10))
        codes.add(code)
        link_rows.append((n, code, user, item, network, at))
        share_count[item] += 1
        ledger.event(user, "content_shared", f"content:{item}:{network}", at, "shares")
    for row in rows:
        row[13] = share_count[int(row[0])]  # type: ignore[call-overload]
    copy(
        "content_items",
        "id, url, title, summary, tags, campaign, caption_linkedin, caption_x, caption_facebook, "
        "expires_at, for_everyone, status, published_at, share_count, created_by_id, "
        "review_note, created_at",
        rows,
    )
    copy("tracked_links", "id, code, user_id, item_id, network, created_at", link_rows)

    def shares() -> Iterable[tuple[Any, ...]]:
        n = 0
        for link_id, _, user, item, network, at in link_rows:
            for again in range(1 + (rng.random() < 0.1)):
                n += 1
                when = at if not again else world.moment(at)
                yield n, user, item, link_id, network, f"Worth a read ({network})", when

    copy("content_shares", "id, user_id, item_id, link_id, network, caption, created_at", shares())
    # Clicks: a few links go far, most get a handful; each a unique visitor on its day.
    reach = [rng.paretovariate(1.1) for _ in link_rows]
    chosen = rng.choices(range(len(link_rows)), weights=reach, k=world.clicks_target)
    chosen.sort(key=lambda index: link_rows[index][5])

    def clicks() -> Iterable[tuple[Any, ...]]:
        for click_id, index in enumerate(chosen, 1):
            link_id, _, user, _, _, at = link_rows[index]
            when = min(now, at + timedelta(seconds=int(rng.expovariate(1 / 14400))))
            ledger.event(user, "share_clicked", f"click:{click_id}", when, "clicks")
            yield click_id, link_id, when.date(), f"{click_id:016x}", when

    copy("share_clicks", "id, link_id, day, visitor, clicked_at", clicks())
    # "Remind me later": some due in the last day (the sweep sends them), most still ahead.
    later = {
        (user, rng.randrange(1, items + 1)) for user in world.busy(max(world.people // 50, 10))
    }
    copy(
        "share_reminders",
        "id, user_id, item_id, remind_at, created_at",
        (
            (n, user, item, when, when - timedelta(days=1))
            for n, (user, item) in enumerate(sorted(later), 1)
            for when in [now + timedelta(minutes=rng.randrange(-1440, 7 * 1440))]
        ),
    )
    employee = [row for row in link_rows if row[2] == 3 and row[3] == 1]  # a fresh, live item
    world.info.update(
        content_items=items,
        tracked_link_code=employee[0][1],
        tracked_link_id=employee[0][0],
        tracked_link_item_id=employee[0][3],
        live_item_id=1,
        tracked_link_codes_sample=[row[1] for row in link_rows[-200:]],
    )


def _boards(world: World, copy: Copier, ledger: Ledger) -> None:
    """500 boards, team and company-wide; two with a live session running now."""
    rng, now = world.rng, world.now
    boards: list[tuple[Any, ...]] = []
    ideas: list[tuple[Any, ...]] = []
    votes: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
    idea_id = vote_id = comment_id = 0
    teams = len(world.teams) - 1
    # A small company has fewer ideas and votes per board than a large one.
    most_ideas = 10 + min(30, world.people // 2500)
    most_voters = min(20, 3 + world.people // 5000)
    for b in range(1, BOARDS + 1):
        live = b <= 2
        company = b == 2 or (b > 2 and rng.random() < 0.3)
        team = None if company else (1 if b == 1 else rng.randrange(1, teams + 1))
        owner = 1 if company else world.leader_of[team]  # type: ignore[index]
        created = now - timedelta(days=2) if live else world.moment(world.start)
        age = (now - created).days
        phase = "collecting" if live else (
            "closed" if age > 30 else rng.choice(["collecting", "voting", "voting"])
        )  # fmt: skip
        session_at = session_minutes = None
        if live:
            session_at, session_minutes = now - timedelta(minutes=10), 120
        elif rng.random() < 0.3:
            session_at, session_minutes = world.moment(created, created + timedelta(days=7)), 60
        members = (
            world.teams[team] if team is not None else sorted(set(world.busy(rng.randint(60, 200))))
        )
        board_ideas: list[int] = []
        version = 1
        for _ in range(rng.randint(3, most_ideas)):
            idea_id += 1
            author = rng.choice(members)
            at = world.moment(created, min(now, created + timedelta(days=14)))
            status = "new"
            changed = None
            if phase == "closed":
                status = rng.choices(
                    ["accepted", "implemented", "declined", "under_review", "new"],
                    weights=[3, 2, 3, 1, 4],
                )[0]
                changed = world.moment(at) if status != "new" else None
            anonymous = rng.random() < 0.1
            ideas.append((
                idea_id, b, author, f"Idea {idea_id}: try {TOPICS[idea_id % len(TOPICS)]}",
                "We could try this next quarter and measure what changes.",
                json.dumps([TOPICS[idea_id % len(TOPICS)]]), anonymous, status, at, changed,
            ))  # fmt: skip
            board_ideas.append(idea_id)
            version += 1
            ledger.event(author, "idea_posted", f"idea:{idea_id}", at, "ideas")
            if status in ("accepted", "implemented") and changed is not None:
                ledger.event(author, "idea_accepted", f"idea:{idea_id}", changed, "ideas_accepted")
                if status == "implemented":
                    ledger.event(author, "idea_implemented", f"idea:{idea_id}", changed)
            voters = rng.sample(members, min(len(members), rng.randint(0, most_voters)))
            for voter in voters:
                vote_id += 1
                when = world.moment(at, min(now, at + timedelta(days=10)))
                votes.append((vote_id, idea_id, b, voter, 1, when))
                version += 1
                ledger.event(voter, "idea_voted", f"idea:{idea_id}", when)
            parent = None
            for c in range(rng.choice([0, 0, 1, 2, 3, 5])):
                comment_id += 1
                comments.append((
                    comment_id, idea_id, rng.choice(members),
                    parent if c % 2 else None, "Good point: how would we measure it?",
                    world.moment(at, min(now, at + timedelta(days=10))),
                ))  # fmt: skip
                parent = comment_id if not c % 2 else parent
                version += 1
        boards.append((
            b, f"How should we {'grow' if b % 2 else 'improve'} our {TOPICS[b % len(TOPICS)]}?",
            "Post ideas, vote on the ones you like.", team, owner, phase, session_at,
            session_minutes or 60, b % 3 == 0, "single", 5, False, version, created,
        ))  # fmt: skip
        if b == 1:
            world.info.update(live_board_id=1, live_board_idea_id=board_ideas[0])
        if b == 2:
            world.info.update(live_company_board_id=2)
    copy(
        "boards",
        "id, prompt, details, team_id, owner_id, phase, session_at, session_minutes, "
        "newcomers_welcome, vote_mode, dot_budget, hide_counts, version, created_at",
        boards,
    )
    copy(
        "ideas",
        "id, board_id, author_id, title, body, tags, anonymous, status, created_at, "
        "status_changed_at",
        ideas,
    )
    copy("idea_votes", "id, idea_id, board_id, user_id, dots, created_at", votes)
    copy("idea_comments", "id, idea_id, author_id, parent_id, body, created_at", comments)


def _bulletins(world: World, copy: Copier, ledger: Ledger) -> None:
    """40 bulletins over six months (one scheduled), read by some and acknowledged by most."""
    rng, now = world.rng, world.now
    rows, networks, reads = [], [], []
    categories = ["algorithm_update", "best_practice", "policy"]
    read_id = 0
    for b in range(1, BULLETINS + 1):
        scheduled = b == BULLETINS
        at = now - timedelta(days=(b - 1) * DAYS / BULLETINS, hours=rng.randrange(1, 12))
        publish_at = now + timedelta(days=2) if scheduled else at
        rows.append((
            b, f"Bulletin {b}: what changed on {NETWORKS[b % 3]}", "The short version.",
            "## What changed\n\nReach for posts with links dropped a little.\n",
            categories[b % 3], json.dumps(["Read the summary", "Try one change this week"]),
            True, b == 1, "scheduled" if scheduled else "published", publish_at,
            None if scheduled else at, at, 1, at,
        ))  # fmt: skip
        networks.append((b, NETWORKS[b % 3]))
        if scheduled:
            continue
        share = rng.uniform(0.02, 0.12) * (1.5 if b < 6 else 1.0)
        readers = set(world.busy(int(world.people * share)))
        readers.discard(0)
        if b > 1:
            readers.add(3)  # the employee has read all but the newest
        for reader in readers:
            read_id += 1
            read_at = world.moment(at)
            acknowledged = world.moment(read_at) if rng.random() < 0.7 else None
            reads.append((read_id, b, reader, read_at, acknowledged))
            if acknowledged is not None:
                ledger.event(
                    reader, "bulletin_acknowledged", f"bulletin:{b}", acknowledged,
                    "bulletins_acknowledged",
                )  # fmt: skip
    copy(
        "bulletins",
        "id, title, summary, body, category, action_items, for_everyone, pinned, status, "
        "publish_at, published_at, updated_at, created_by_id, created_at",
        rows,
    )
    copy("bulletin_networks", "bulletin_id, network", networks)
    copy("bulletin_reads", "id, bulletin_id, user_id, read_at, acknowledged_at", reads)
    world.info.update(bulletin_id=1, bulletin_unread_by_employee=1)


def _learning_history(world: World, copy: Copier, ledger: Ledger) -> None:
    """Lesson completions (with quiz attempts, answers and reviews) until the ledger is full."""
    rng, now = world.rng, world.now
    budget = max(world.ledger_target - len(ledger.awards), world.ledger_target // 10)
    completions_target = int(budget / 4.6)
    per_person = Counter(world.busy(completions_target))
    per_person[3] = max(per_person[3], 40)
    module_weight = list(accumulate(rng.paretovariate(1.3) for _ in world.everyone_modules))
    completions, attempts, answers, reviews, progress = [], [], [], [], []
    module_done = world.module_done
    learn_days = world.learn_days
    module_completions, path_completions = [], []
    attempt_id = answer_id = 0
    reviewed: set[tuple[int, int]] = set()
    untouched = set(world.everyone_modules)
    for user in sorted(per_person):
        n = per_person[user]
        if user == 0 or n == 0:
            continue
        first = max(world.start, datetime.combine(world.joined[user], datetime.min.time(), UTC))
        times = sorted(world.moment(first) for _ in range(n))
        if user == 3 or rng.random() < 0.04:  # daily learners: the last days in a row
            run = min(n, 12 if user == 3 else rng.randint(2, 30))
            zone = world.zone_of(user)
            today = now.astimezone(zone).date()
            for back in range(run):
                day = today - timedelta(days=back)
                moment = datetime.combine(day, datetime.min.time(), zone) + timedelta(
                    hours=rng.uniform(7, 20)
                )
                times[n - 1 - back] = min(moment.astimezone(UTC), now - timedelta(minutes=back))
            times.sort()
        picks = rng.choices(world.everyone_modules, cum_weights=module_weight, k=n)
        seen: list[int] = []
        for module in picks:
            if module not in seen:
                seen.append(module)
        if user == 3:
            seen = [m for m in seen if m != world.everyone_modules[0]]
        zone = world.zone_of(user)
        t = 0
        for module in seen:
            if t >= n:
                break
            lessons = world.module_lessons[module]
            untouched.discard(module)
            for lesson in lessons:
                if t >= n:
                    # Stopped inside this module: the next lesson is in progress.
                    progress.append((user, lesson, rng.randint(1, 3), times[t - 1], times[t - 1]))
                    break
                when = times[t]
                t += 1
                learn_days[user].add(when.astimezone(zone).date())
                lesson_subject = f"lesson:{lesson}"
                questions = world.lesson_questions[lesson]
                failed_first = rng.random() < 0.12
                outcomes = [False, True] if failed_first else [True]
                for number, passed_now in enumerate(outcomes, 1):
                    attempt_id += 1
                    right = (
                        rng.choice([2, 3, 3]) if passed_now else rng.choice([0, 1])
                    )  # 2 or 3 of 3 pass (60 %), 0 or 1 fail
                    score = round(100 * right / len(questions))
                    started = when - timedelta(minutes=rng.randint(3, 9))
                    if not passed_now:
                        started -= timedelta(minutes=10)
                    finished = started + timedelta(minutes=2)
                    attempts.append(
                        (attempt_id, user, lesson, number, started, finished, score, passed_now)
                    )
                    correct_positions = set(rng.sample(range(len(questions)), right))
                    for position, (question, right_option, wrong) in enumerate(questions):
                        answer_id += 1
                        ok = position in correct_positions
                        chosen = right_option if ok else rng.choice(wrong)
                        answers.append(
                            (answer_id, attempt_id, question, f"[{chosen}]", ok, finished)
                        )
                        if ok:
                            ledger.event(user, "quiz_answer_correct", f"question:{question}",
                                         finished)  # fmt: skip
                        elif (user, question) not in reviewed:
                            reviewed.add((user, question))
                            reviews.append((user, question, 0, finished + timedelta(days=1), None))
                completions.append((user, lesson, score, when))
                ledger.event(user, "lesson_completed", lesson_subject, when, "lessons_completed")
                ledger.event(user, "quiz_passed", lesson_subject, when, "quizzes_passed")
            else:
                done = times[t - 1]
                module_done[(user, module)] = done
                module_completions.append((user, module, done))
                ledger.event(user, "module_completed", f"module:{module}", done,
                             "modules_completed")  # fmt: skip
        for path, modules in world.path_modules.items():
            if all((user, m) in module_done for m in modules):
                done = max(module_done[(user, m)] for m in modules)
                path_completions.append((user, path, done))
                ledger.event(user, "path_completed", f"path:{path}", done, "paths_completed")
    copy(
        "lesson_completions",
        "id, user_id, lesson_id, score, completed_at",
        ((n, *row) for n, row in enumerate(completions, 1)),
    )
    copy(
        "quiz_attempts",
        "id, user_id, lesson_id, number, started_at, finished_at, score, passed",
        attempts,
    )
    copy("quiz_answers", "id, attempt_id, question_id, option_ids, correct, answered_at", answers)
    copy(
        "review_items",
        "id, user_id, question_id, stage, due_at, last_reviewed_at",
        ((n, *row) for n, row in enumerate(reviews, 1)),
    )
    copy(
        "lesson_progress",
        "id, user_id, lesson_id, step, started_at, updated_at",
        ((n, *row) for n, row in enumerate(progress, 1)),
    )
    copy(
        "module_completions",
        "id, user_id, module_id, completed_at",
        ((n, *row) for n, row in enumerate(module_completions, 1)),
    )
    copy(
        "path_completions",
        "id, user_id, path_id, completed_at",
        ((n, *row) for n, row in enumerate(path_completions, 1)),
    )
    # A lesson the employee has not started, in a module for everyone, for the load test.
    fresh = world.everyone_modules[0]
    lesson = world.module_lessons[fresh][0]
    question, right_option, wrong = world.lesson_questions[lesson][0]
    world.info.update(
        module_id=fresh,
        module_slug=f"{TOPICS[fresh % len(TOPICS)]}-{fresh}",
        lesson_id=lesson,
        lesson_ids=world.module_lessons[fresh],
        lesson_cards=3,
        question_id=question,
        right_option_id=right_option,
        wrong_option_id=wrong[0],
        questions=[
            {"question_id": q, "right_option_id": r, "wrong_option_id": w[0]}
            for q, r, w in world.lesson_questions[lesson]
        ],
        path_id=1,
        untouched_modules=len(untouched),
    )


def _streaks(world: World, copy: Copier) -> None:
    """Each learner's streak from their learning days (in their own time zone)."""
    rng = world.rng
    rows = []
    for user, days in world.learn_days.items():
        ordered = sorted(days)
        longest = run = 1
        for before, after in zip(ordered, ordered[1:], strict=False):
            run = run + 1 if (after - before).days == 1 else 1
            longest = max(longest, run)
        rows.append((
            user, run, longest, ordered[-1], rng.choice([0, 0, 0, 1, 2]), rng.random() < 0.05,
            world.now,
        ))  # fmt: skip
        if user == 3:
            world.info["employee_streak"] = run
    copy("streaks", "user_id, current, longest, last_day, freezes, weekday_only, updated_at", rows)


def _assignments_and_notices(world: World, copy: Copier) -> None:
    """Team assignments (some due within a day, some overdue), preferences, notifications."""
    rng, now = world.rng, world.now
    today = now.date()
    module_done = world.module_done
    rows: dict[tuple[int, int], tuple[Any, ...]] = {}
    for team in range(1, len(world.teams)):
        if team != 1 and rng.random() > 0.35:
            continue
        leader = world.leader_of[team]
        for module in rng.sample(world.everyone_modules, rng.randint(1, 3)):
            roll = rng.random()
            if team == 1 or roll < 0.25:
                due = today + timedelta(days=rng.choice([0, 1]))  # due within a day
            elif roll < 0.4:
                due = today - timedelta(days=rng.randint(1, 10))
            else:
                due = today + timedelta(days=rng.randint(2, 30))
            assigned = now - timedelta(days=rng.randint(3, 40))
            for member in world.teams[team]:
                done = module_done.get((member, module))
                rows.setdefault(
                    (member, module),
                    (member, module, None, leader, due, done, assigned),
                )
    # The employee's own assignment: a module they have not started, due tomorrow.
    fresh = world.everyone_modules[1]
    rows[(3, fresh)] = (3, fresh, None, 2, today + timedelta(days=1), None, now)
    for user in rng.sample(range(4, world.people + 1), world.people // 20):
        rows.setdefault(
            (user, -1),
            (user, None, 1, 1, today + timedelta(days=rng.randint(-5, 20)), None, now),
        )
    copy(
        "assignments",
        "id, user_id, module_id, path_id, assigned_by_id, due_on, completed_at, created_at",
        ((n, *row) for n, row in enumerate(rows.values(), 1)),
    )
    prefs = []
    for user in range(1, world.people + 1):
        if user == 3 or rng.random() < 0.2:
            prefs.append((
                user, json.dumps({"streak_at_risk": {"email": True}}),
                rng.choice(["daily", "weekly", "weekly", "never"]), rng.random() < 0.6,
                rng.choice([20, 21, 22]), rng.choice([7, 8]), now,
            ))  # fmt: skip
    copy(
        "notification_preferences",
        "user_id, channels, digest, quiet_hours, quiet_from, quiet_to, updated_at",
        prefs,
    )
    kinds = [
        ("assignment_due", "An assignment is due soon", "/learning"),
        ("badge_earned", "You earned a badge", "/badges"),
        ("bulletin_published", "A new bulletin", "/bulletins"),
        ("idea_status", "Your idea's status changed", "/boards"),
    ]

    def notifications() -> Iterable[tuple[Any, ...]]:
        n = 0
        for user in range(1, world.people + 1):
            count = 8 if user == 3 else rng.choice([0, 1, 2, 3, 4, 6])
            for k in range(count):
                n += 1
                kind, title, url = kinds[(user + k) % len(kinds)]
                at = now - timedelta(hours=rng.randint(1, 24 * 60))
                read = None if (user == 3 and k < 3) or rng.random() < 0.3 else at
                yield n, f"bench:{user}:{k}", user, kind, f"bench:{k}", title, "", url, at, read

    copy(
        "notifications",
        "id, key, user_id, kind, subject, title, body, url, created_at, read_at",
        notifications(),
    )


def _points(world: World, copy: Copier, ledger: Ledger) -> None:
    """The ledger, the activity log and the totals, which agree with it exactly."""
    copy(
        "point_awards",
        "id, key, user_id, action, subject, points, day, awarded_at",
        ((n, *row) for n, row in enumerate(ledger.awards, 1)),
    )
    copy(
        "activity_entries",
        "id, key, user_id, team_id, metric, subject, occurred_at",
        ((n, *row) for n, row in enumerate(ledger.activity, 1)),
    )
    copy(
        "point_totals",
        "user_id, period, points",
        ((u, p, pts) for (u, p), pts in ledger.totals.items()),
    )


def _leagues(world: World, copy: Copier, ledger: Ledger) -> None:
    """Last week's leagues (closed, with results) and this week's, from the week's XP.

    Everyone who earned in a week plays its league; tiers this week follow last
    week's results as the rollover set them, people without a last week start in
    tier 1 among newcomers (as `join_league` places them). Cohorts fill up to 30
    in the order people joined.
    """
    from portal.gamification.league_rules import (
        COHORT_SIZE,
        is_newcomer,
        results,
        week_end,
        week_start,
    )

    rng = world.rng
    cohort_rows, member_rows = [], []
    cohort_id = member_id = 0
    next_tier: dict[int, int] = {}
    for week in (world.last_week, world.this_week):
        playing = sorted(
            ((user, xp, first, last) for (w, user), (xp, first, last) in ledger.week_xp.items()
             if w == week),
            key=lambda row: row[2],
        )  # fmt: skip
        kinds: dict[tuple[int, bool], list[tuple[int, int, datetime, datetime]]] = defaultdict(list)
        for row in playing:
            user = row[0]
            if week == world.last_week:
                tier = rng.choices([1, 2, 3, 4, 5], weights=[40, 25, 17, 11, 7])[0]
                has_played = tier > 1 or rng.random() < 0.8
            else:
                has_played = user in next_tier
                tier = next_tier.get(user, 1)
            newcomer = tier == 1 and is_newcomer(world.joined[user], row[2], has_played)
            kinds[(tier, newcomer)].append(row)
        closed = week == world.last_week
        for (tier, newcomer), rows in sorted(kinds.items()):
            for number, start in enumerate(range(0, len(rows), COHORT_SIZE), 1):
                seated = rows[start : start + COHORT_SIZE]
                cohort_id += 1
                cohort_rows.append((
                    cohort_id, week, tier, newcomer, number, len(seated), seated[0][2],
                    week_end(week) + timedelta(minutes=10) if closed else None,
                ))  # fmt: skip
                ids = {}
                for user, xp, first, last in seated:
                    member_id += 1
                    ids[user] = member_id
                    if user == 3 and not closed:
                        world.info["employee_cohort_id"] = cohort_id
                    member_rows.append([member_id, week, user, cohort_id, xp, last, first,
                                        None, None, None])  # fmt: skip
                if closed:
                    ranked = sorted(seated, key=lambda r: (-r[1], r[3]))
                    found = results(tier, [(ids[u], u, xp) for u, xp, _, _ in ranked])
                    for result in found:
                        member = member_rows[result.membership_id - 1]
                        member[7:10] = [result.rank, result.outcome, result.next_tier]
                        next_tier[result.user_id] = result.next_tier
    copy(
        "league_cohorts",
        "id, week, tier, newcomer, number, size, created_at, closed_at",
        cohort_rows,
    )
    copy(
        "league_memberships",
        "id, week, user_id, cohort_id, xp, xp_reached_at, joined_at, rank, outcome, next_tier",
        member_rows,
    )
    world.info.update(
        league_week=world.this_week,
        league_last_week=world.last_week,
        league_week_start=week_start(world.this_week).isoformat(),
    )


# --- the run ----------------------------------------------------------------------------------


def _password_hash() -> str:
    """One argon2 hash with the production settings, shared by everyone (hashing is slow)."""
    from argon2 import PasswordHasher

    from config import ProdConfig

    return PasswordHasher(
        time_cost=ProdConfig.ARGON2_TIME_COST,
        memory_cost=ProdConfig.ARGON2_MEMORY_COST,
        parallelism=ProdConfig.ARGON2_PARALLELISM,
    ).hash(PASSWORD)


def _sequences(conn: Any, tables: Iterable[str]) -> None:
    """Move each serial id past the ids COPY wrote, so the app's own inserts do not collide."""
    for table in tables:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"greatest((SELECT max(id) FROM {table}), 1))"
        )


def generate(
    url: str | None = None,
    people: int = 10_000,
    *,
    ledger: int | None = None,
    clicks: int | None = None,
    keep: bool = False,
    seed: int = 7,
    database: str = DATABASE,
    rollups: bool = True,
    redis_url: str | None = None,
    quiet: bool = False,
    schema: str | None = None,
) -> dict[str, Any]:
    """Fill the schema `scale_<N>k` of `database` on `url`'s server; return what a load test needs.

    `url`: any SQLAlchemy URL of the PostgreSQL server (its database is ignored);
    default BENCH_PG_URL or the local server. `ledger` defaults to 20 rows per
    person (2,000,000 for 100,000 people), `clicks` to 10 per person. With
    `keep`, a schema already generated at this size is reused as it is.
    `schema` names another schema than `scale_<N>k` (a copy of the same world,
    for a benchmark that must not share its rows with a load test running at
    the same time). `rollups` runs the app's own insights roll-up over the history so the
    dashboards have figures; `redis_url` also rewrites the leaderboard sorted sets
    there (the app falls back to SQL while they are missing).
    """
    say = (lambda *a: None) if quiet else print
    schema = schema or schema_for(people)
    _ensure_database(url, database)
    if keep and (found := _existing(url, schema, people, database)) is not None:
        _refresh_live(url, schema, database)
        say(f"{schema}: kept (generated {found['generated_at']}, {people:,} people)")
        return found
    ledger = ledger or people * 20
    clicks = clicks if clicks is not None else people * 10
    began = time.perf_counter()
    _fresh_schema(url, schema, database)
    app_url = database_url(url, schema, database)
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(OUT_DIR))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db import db, utcnow

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": app_url, "REDIS_URL": redis_url or REDIS})
    timings: dict[str, float] = {}

    def step(label: str, since: float) -> float:
        now = time.perf_counter()
        timings[label] = round(now - since, 2)
        say(f"  {label:<34} {now - since:7.1f} s")
        return now

    with app.app_context():
        t = time.perf_counter()
        upgrade()
        t = step("migrations", t)
        now = utcnow().replace(microsecond=0)
        world = World(people, ledger, clicks, seed, now)
        rules: dict[str, tuple[int, int | None]] = {
            action: (points, cap)
            for action, points, cap, active in db.session.execute(
                sa.text("SELECT action, points, daily_cap, active FROM point_rules")
            ).tuples()
            if active
        }
        db.session.rollback()
        password_hash = _password_hash()
        book = Ledger(rules, world)
        raw = db.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            copy = Copier(conn)
            _teams_and_people(world, copy, password_hash)
            t = step("teams and people", t)
            _learning(world, copy)
            t = step("learning catalogue", t)
            _advocacy(world, copy, book)
            t = step("content, links, shares, clicks", t)
            _boards(world, copy, book)
            t = step("boards, ideas, votes, comments", t)
            _bulletins(world, copy, book)
            t = step("bulletins and reads", t)
            _learning_history(world, copy, book)
            t = step("completions, quizzes, reviews", t)
            _streaks(world, copy)
            _assignments_and_notices(world, copy)
            t = step("streaks, assignments, notices", t)
            _points(world, copy, book)
            t = step("ledger, activity, totals", t)
            _leagues(world, copy, book)
            t = step("leagues", t)
            _sequences(conn, [table for table in copy.counts if table not in (
                "module_teams", "bulletin_networks", "point_totals", "streaks",
                "notification_preferences",
            )])  # fmt: skip
            marker = f"beacon bench {FORMAT} {people} {now.isoformat()}"
            conn.execute(f"COMMENT ON SCHEMA {schema} IS '{marker}'")
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
            t = step("commit, VACUUM ANALYZE", t)
        finally:
            raw.close()
        if rollups:
            from portal.insights import rollups as insights_rollups
            from portal.insights import segments

            today = now.date()
            insights_rollups.recompute(today - timedelta(days=DAYS), today, now=now)
            db.session.commit()
            segments.compute(now)
            db.session.commit()
            t = step("insights roll-up (the app's own)", t)
        if redis_url:
            from jobs.gamification import rebuild_leaderboards

            rebuild_leaderboards()
            t = step("leaderboards rebuilt into Redis", t)
        db.session.remove()
        db.engine.dispose()
    counts = dict(sorted(copy.counts.items()))
    seconds = round(time.perf_counter() - began, 1)
    team_size = len(world.teams[1])
    info: dict[str, Any] = {
        "format": FORMAT,
        "marker": marker,
        "people": people,
        "schema": schema,
        "database": database,
        "database_url": app_url,
        "generated_at": now.isoformat(),
        "seconds": seconds,
        "timings": timings,
        "counts": counts,
        "password": PASSWORD,
        "logins": {"admin": ADMIN, "leader": LEADER, "employee": EMPLOYEE},
        "admin_id": 1,
        "leader_id": 2,
        "employee_id": 3,
        "team_id": 1,
        "team_size": team_size,
        "teams": len(world.teams) - 1,
        **world.info,
    }
    (OUT_DIR / f"{schema}.json").write_text(json.dumps(info, indent=2, default=str))
    if not quiet:
        _report(info)
    return info


def _report(info: dict[str, Any]) -> None:
    total = sum(info["counts"].values())
    print(f"\n{info['schema']}: {info['people']:,} people, {total:,} rows in {info['seconds']} s")
    for table, count in sorted(info["counts"].items(), key=lambda kv: -kv[1]):
        print(f"  {table:<28} {count:>12,}")
    print(f"\ninfo: {OUT_DIR / (info['schema'] + '.json')}")
    print("Point the app at it (gunicorn, flask, jobs):")
    print(f"  DATABASE_URL='{info['database_url']}'")
    print(f"Logins: {', '.join(info['logins'].values())}; password {info['password']}")


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, help="ledger rows (default 20 per person)")
    parser.add_argument("--clicks", type=int, help="tracked-link clicks (default 10 per person)")
    parser.add_argument("--keep", action="store_true", help="reuse the schema if already made")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=None, help="PostgreSQL server (default BENCH_PG_URL)")
    parser.add_argument("--no-rollups", action="store_true", help="skip the insights roll-up")
    parser.add_argument("--redis", default=None, help="also rebuild the leaderboards in Redis")
    parser.add_argument("--schema", default=None, help="schema name (default scale_<N>k)")
    args = parser.parse_args(argv)
    generate(
        args.url, args.people, ledger=args.ledger, clicks=args.clicks, keep=args.keep,
        seed=args.seed, rollups=not args.no_rollups, redis_url=args.redis, schema=args.schema,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
