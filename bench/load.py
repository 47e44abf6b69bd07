"""Seven routes under load against `/healthz`, on a generated company. Not a test.

The data is `bench.generate`'s: 10,000 (or 100,000) people a few months into
using Beacon, in the schema `scale_<N>k` of the PostgreSQL database
`beacon_bench` (generated when missing, reused when there; never `test`).
gunicorn serves it as the Procfile's web process does (2 workers, threads as
the Procfile sets them: none, so the sync worker), with the production
config, and in one run wrk loads (bench/loadrun.py, bench/load.lua):

- `/healthz`, the trivial route (one `SELECT 1`), as the yardstick;
- the home page, the leaderboard and a lesson page, as the known employee;
- answering a quiz question (an htmx POST with the session cookie and CSRF
  token), as BENCH_LEARNERS people at once, each answering the questions of
  lessons they never opened, right and in order, so the last answer of each
  quiz also passes it and completes the lesson;
- the tracked-link redirect `/s/<code>` for new visitors (counted clicks)
  on 200 links to live items;
- the board whose live session is running, and its poll (204 while nothing
  changed), as the employee;
- the company's insights dashboard, as the admin.

Everyone logs in through the running server (httpx: the login form, its CSRF
token, the session cookie). The kinds take turns in a rotated order for
BENCH_ROUNDS rounds of BENCH_SECONDS each on BENCH_CLIENTS connections; each
kind's median round is shown with its ratio to `/healthz`, its median, p95
and p99 latency, its errors (socket errors and statuses the route should not
answer) and the server's CPU time per request. Each route's SQL statements
per request are counted in-process (the same requests through the Flask test
client, with a statement listener), and the JS and CSS each page loads is
read from its HTML (bench.page_weight).

Like real use, the run writes to the schema: answers, completions, points and
clicks. Redis: BENCH_REDIS_URL (default db 11), where the leaderboard sorted
sets are first written from `point_totals`. Results are printed and saved to
/tmp/beacon-bench/load_<schema>.json.
Run: `.venv/bin/python -m bench.load [10000] [100000]` (default 10000).
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench import loadrun
from bench.loadrun import CHROME, Kind, Request

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))  # a round, with wrk
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))  # open connections
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))  # a round, without wrk
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "16"))  # people answering quizzes at once
ANSWERS = int(os.environ.get("BENCH_ANSWERS", "4000"))  # fresh answers made ready per round
APPLICATION = "beacon_load"  # PostgreSQL's application_name for the server's connections
SECRET = "bench-secret-" + "y" * 40  # noqa: S105 - a throwaway key for a benchmark server
OUT_DIR = Path(os.environ.get("BENCH_OUT_DIR", "/tmp/beacon-bench"))
HTMX = {"HX-Request": "true"}
HEALTHZ = "/healthz (trivial route)"


class Browser:
    """A person logged in to the running server: their session cookie and CSRF token.

    Cookies are kept by hand: they are `Secure` (production config), which a
    cookie jar rightly never sends over plain http to 127.0.0.1.
    """

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def headers(self, **extra: str) -> dict[str, str]:
        """What each of this person's requests sends: user agent, cookies, CSRF token."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"User-Agent": CHROME, "Cookie": cookie, "X-CSRFToken": self.csrf, **extra}

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self._keep(self.http.get(path, headers=self.headers(**headers)))

    def _keep(self, response: httpx.Response) -> httpx.Response:
        self.http.cookies.clear()
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in raw.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def login(self, email: str, password: str) -> Browser:
        """Log in with the form (its CSRF token), then read the token pages send with htmx."""
        form = self.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert token, "no CSRF token on the login page"
        response = self._keep(
            self.http.post(
                "/login",
                data={"email": email, "password": password, "csrf_token": token.group(1)},
                headers=self.headers(),
            )
        )
        assert response.status_code in (302, 303), (email, response.status_code)
        home = self.get("/")
        assert home.status_code == 200, (email, home.status_code)
        header = re.search(
            r"&#34;X-CSRFToken&#34;: &#34;([^&]+)&#34;|\"X-CSRFToken\": \"([^\"]+)\"", home.text
        )
        assert header, "no CSRF token in the page's hx-headers"
        self.csrf = header.group(1) or header.group(2)
        return self


class Answers:
    """Fresh quiz answers: learners take turns, each going through lessons they never opened.

    One request per question, the right options, in the lessons' order, so the
    last question of a lesson closes its quiz (passed) and completes the lesson.
    """

    def __init__(self, engine: sa.Engine, browsers: dict[int, Browser]) -> None:
        with engine.connect() as conn:
            rows: Sequence[Any] = conn.execute(
                sa.text(
                    "SELECT l.id, q.id, o.id FROM lessons l "
                    "JOIN modules m ON m.id = l.module_id "
                    "JOIN questions q ON q.lesson_id = l.id "
                    "JOIN question_options o ON o.question_id = q.id AND o.correct "
                    "WHERE m.status = 'published' AND m.for_everyone "
                    "ORDER BY l.id, q.position, q.id, o.position"
                )
            ).all()
            opened = conn.execute(
                sa.text(
                    "SELECT user_id, lesson_id FROM quiz_attempts WHERE user_id IN :ids "
                    "UNION SELECT user_id, lesson_id FROM lesson_completions WHERE user_id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": list(browsers)},
            ).all()
        lessons: dict[int, dict[int, list[int]]] = {}
        for lesson, question, option in rows:
            lessons.setdefault(int(lesson), {}).setdefault(int(question), []).append(int(option))
        seen = {(user, lesson) for user, lesson in opened}
        self.queues: dict[int, Iterator[tuple[int, Request]]] = {
            user: self._requests(
                browser, [(n, qs) for n, qs in lessons.items() if (user, n) not in seen]
            )
            for user, browser in browsers.items()
        }
        self.turn = itertools.cycle(list(browsers))

    @staticmethod
    def _requests(
        browser: Browser, lessons: list[tuple[int, dict[int, list[int]]]]
    ) -> Iterator[tuple[int, Request]]:
        for lesson, questions in lessons:
            for question, options in questions.items():
                yield (
                    lesson,
                    Request(
                        f"/learn/lessons/{lesson}/questions/{question}",
                        "POST",
                        "&".join(f"option={o}" for o in options),
                        browser.headers(**HTMX),
                    ),
                )

    def take(self, count: int) -> list[Request]:
        """The next `count` answers, learners taking turns (none is ever sent twice)."""
        taken: list[Request] = []
        while len(taken) < count and self.queues:
            user = next(self.turn)
            if user not in self.queues:
                continue
            found = next(self.queues[user], None)
            if found is None:
                del self.queues[user]
                self.turn = itertools.cycle(list(self.queues))
                continue
            taken.append(found[1])
        if len(taken) < count:
            print(f"  (only {len(taken)} fresh answers left: raise BENCH_LEARNERS)")
        return taken

    def whole_lesson(self) -> list[Request]:
        """Every answer of one learner's next fresh lesson, in order (first, ..., last)."""
        user = next(self.turn)
        queue = self.queues[user]
        lesson, first = next(queue)
        answers = [first]
        for following, request in queue:
            if following != lesson:
                # Put the next lesson's first answer back in front of this learner's queue.
                self.queues[user] = itertools.chain([(following, request)], queue)
                break
            answers.append(request)
        return answers


def _learners(engine: sa.Engine, count: int) -> list[tuple[int, str]]:
    """Active employees to answer quizzes (not the three known logins), by id."""
    with engine.connect() as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(
                sa.text(
                    "SELECT id, email FROM users WHERE active AND role = 'employee' AND id > 3 "
                    "ORDER BY id LIMIT :n"
                ),
                {"n": count},
            )
        ]


def _live_codes(engine: sa.Engine, count: int = 200) -> list[str]:
    """Tracked links whose item is still live, spread over sharers and items.

    Not the generator's sample as it is: at 100,000 people some of its links
    point at items that have expired since (a 404, not a counted click).
    """
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT t.code FROM tracked_links t JOIN content_items i ON i.id = t.item_id "
                    "WHERE i.status = 'published' "
                    "AND (i.expires_at IS NULL OR i.expires_at > now()) "
                    "ORDER BY md5(t.code) LIMIT :n"
                ),
                {"n": count},
            ).scalars()
        )


def _app(url: str) -> Any:
    """The app in this process, configured as the server is (for counting and Redis)."""
    from portal import create_app

    return create_app(
        "production",
        {
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": REDIS,
            "RATELIMIT_STORAGE_URI": REDIS,
            "TRUSTED_PROXIES": 1,
        },
    )


def _fill_leaderboards(app: Any) -> int:
    """Write the leaderboard sorted sets from `point_totals` (the app's rewrite, no rebuild)."""
    from jobs.gamification import _rewrite_redis
    from portal.db import db
    from portal.gamification.models import PointTotal

    with app.app_context():
        totals = {
            (user_id, period): points
            for user_id, period, points in db.session.execute(
                sa.select(PointTotal.user_id, PointTotal.period, PointTotal.points)
            )
        }
        db.session.rollback()
        assert _rewrite_redis(totals), f"Redis at {REDIS} is not reachable"
    return len(totals)


def _replay(client: Any, request: Request, address: str) -> int:
    headers = {k: v.replace("{visitor}", address) for k, v in request.all_headers().items()}
    response = client.open(
        request.path,
        method=request.method,
        data=request.body or None,
        headers=headers,
        # Plain http, as the server is loaded (the test client follows PREFERRED_URL_SCHEME).
        base_url="http://127.0.0.1",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    return int(response.status_code)


def _statements(
    app: Any, samples: dict[str, tuple[Request, list[Request], Kind]]
) -> dict[str, list[int]]:
    """SQL statements of each measured request of each kind, after one warm-up request.

    Replays the very requests of the load (same cookies and CSRF tokens) through
    the Flask test client in this process, counting with a statement listener.
    """
    from bench.lesson_page import count_queries

    client = app.test_client(use_cookies=False)
    counted: dict[str, list[int]] = {}
    for n, (label, (warm_up, measured, kind)) in enumerate(samples.items()):
        status = _replay(client, warm_up, f"172.31.{n}.1")
        assert status in kind.expected, (label, status)
        counted[label] = []
        statuses: list[int] = []
        for m, request in enumerate(measured, 2):
            address = f"172.31.{n}.{m}"
            counted[label].append(
                count_queries(
                    app,
                    lambda r=request, a=address, seen=statuses: seen.append(_replay(client, r, a)),
                )
            )
        assert all(s in kind.expected for s in statuses), (label, statuses)
    return counted


def _page_weights(browser: Browser, kinds: dict[str, tuple[Request, Kind]]) -> dict[str, int]:
    """Gzipped JS and CSS each route's response loads (nothing for fragments and redirects)."""
    from bench.page_weight import assets_in, weight

    result = {}
    for label, (request, _) in kinds.items():
        if request.method != "GET" or "HX-Request" in request.headers or "/s/" in request.path:
            result[label] = 0
            continue
        response = browser.http.get(request.path, headers=request.all_headers())
        is_page = response.headers.get("content-type", "").startswith("text/html")
        result[label] = weight(assets_in(response.text))[1] if is_page else 0
    return result


def run(people: int) -> dict[str, Any]:
    """Generate (or reuse) the company of `people`, load it, print and return the results."""
    from bench.generate import generate

    info = generate(None, people=people, keep=True)
    schema = info["schema"]
    url = f"{info['database_url']}&application_name={APPLICATION}"
    workdir = Path(tempfile.mkdtemp(prefix="beacon-bench-load-"))
    env = loadrun.environment(url, workdir, REDIS, SECRET, LOGIN_LIMIT_PER_IP="1000 per minute")
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(workdir))
    app = _app(url)
    print(f"\n{schema}: {people:,} people; leaderboards written to Redis "
          f"({_fill_leaderboards(app):,} totals)")  # fmt: skip
    engine = sa.create_engine(url)
    threads = loadrun.procfile_threads()
    proc, port = loadrun.serve(env, threads=threads)
    try:
        password = info["password"]
        employee = Browser(port).login(info["logins"]["employee"], password)
        admin = Browser(port).login(info["logins"]["admin"], password)
        learners = {
            user: Browser(port).login(email, password)
            for user, email in _learners(engine, LEARNERS)
        }
        answers = Answers(engine, learners)
        board = f"/boards/{info['live_board_id']}"
        poller = re.search(r'hx-get="([^"]*/live\?[^"]*)"', employee.get(board).text)
        assert poller, "the live board has no poller"
        poll = html.unescape(poller.group(1))
        # Visitors are counted once a day per link (an HMAC of address and user agent): a
        # browser version of this run's own keeps a second run the same day counting too.
        agent = CHROME.replace("131.0.0.0", f"131.0.{int(time.time()) % 100_000}.0")
        clicks = [
            Request(f"/s/{code}", headers={"User-Agent": agent, "X-Forwarded-For": "{visitor}"})
            for code in _live_codes(engine)
        ]

        def fixed(request: Request, expected: int = 200) -> tuple[Request, Kind]:
            return request, Kind(lambda run: [request], frozenset({expected}))

        def page(path: str, who: Browser = employee) -> Request:
            return Request(path, headers=who.headers())

        kinds: dict[str, tuple[Request, Kind]] = {
            HEALTHZ: fixed(Request("/healthz")),
            "GET / (home)": fixed(page("/")),
            "GET /leaderboard": fixed(page("/leaderboard")),
            "GET /learn/lessons/<id>": fixed(page(f"/learn/lessons/{info['lesson_id']}")),
            "POST quiz answer (htmx)": (
                answers.take(1)[0],
                Kind(lambda run: answers.take(ANSWERS if run else ANSWERS // 3), once=True),
            ),
            "GET /s/<code> (new visitor)": (clicks[0], Kind(lambda run: clicks, frozenset({302}))),
            "GET /boards/<id> (live session)": fixed(page(board)),
            "GET /boards/<id>/live (poll)": fixed(
                Request(poll, headers=employee.headers(**HTMX)), 204
            ),
            "GET /insights/company (admin)": fixed(page("/insights/company", admin)),
        }
        weights = _page_weights(employee, kinds)
        samples = {
            label: (
                request,
                answers.whole_lesson() if label.startswith("POST") else [request],
                kind,
            )
            for label, (request, kind) in kinds.items()
        }
        statements = _statements(app, samples)
        print(f"  {loadrun.describe_server(threads)}; "
              f"{loadrun.describe_tool(CLIENTS, SECONDS, REQUESTS)}; "
              f"{ROUNDS} rounds, median round shown; "
              f"{len(learners)} people answering quizzes")  # fmt: skip
        load_before = os.getloadavg()[0]
        target = loadrun.Target(port, proc.pid, url, APPLICATION, workdir)
        results = loadrun.under_load(
            target,
            {label: kind for label, (_, kind) in kinds.items()},
            ROUNDS,
            SECONDS,
            connections=CLIENTS,
            fallback_requests=REQUESTS,
        )
        load_after = os.getloadavg()[0]
    finally:
        loadrun.stop(proc)
        engine.dispose()
    print(f"  machine load average (1 min): {load_before:.1f} before, {load_after:.1f} after, "
          f"on {os.cpu_count()} cores")  # fmt: skip
    base = results[HEALTHZ]
    print(f"  {'route':<32} {'req/s':>7} {'ratio':>6} {'p50':>8} {'p95':>8} {'p99':>8} "
          f"{'CPU/req':>8} {'SQL':>4} {'JS+CSS gz':>10}  "
          "errors (all rounds), statuses")  # fmt: skip
    rows = []
    for label, r in results.items():
        statuses: dict[int, int] = r["statuses"]
        shown = ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items()))
        twice = r["reused_all_rounds"] if kinds[label][1].once else 0
        reused = f", {twice:.0f} sent twice" if twice else ""
        print(f"  {label:<32} {r['rps']:7.0f} {r['rps'] / base['rps']:6.2f} "
              f"{r['median']:6.1f}ms {r['p95']:6.1f}ms {r['p99']:6.1f}ms "
              f"{r['cpu']:6.2f}ms {'/'.join(map(str, statements[label])):>4} "
              f"{weights[label]:>8,} B  "
              f"{r['errors_all_rounds']:.0f} ({shown}{reused})")  # fmt: skip
        rows.append(
            {
                "route": label,
                "rps": round(r["rps"], 1),
                "ratio": round(r["rps"] / base["rps"], 3),
                "p50_ms": round(r["median"], 1),
                "p95_ms": round(r["p95"], 1),
                "p99_ms": round(r["p99"], 1),
                "cpu_ms": round(r["cpu"], 2),
                "statements": statements[label],
                "js_css_gzipped": weights[label],
                "errors_all_rounds": int(r["errors_all_rounds"]),
                "statuses_median_round": {str(s): n for s, n in statuses.items()},
                "sent_twice_all_rounds": int(twice),
            }
        )
    summary = {
        "schema": schema,
        "people": people,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "server": loadrun.describe_server(threads),
        "tool": loadrun.describe_tool(CLIENTS, SECONDS, REQUESTS),
        "rounds": ROUNDS,
        "learners": LEARNERS,
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "routes": rows,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"load_{schema}.json").write_text(json.dumps(summary, indent=2))
    print(f"  saved: {OUT_DIR / f'load_{schema}.json'}")
    return summary


def main() -> None:
    sys.path.insert(0, str(loadrun.ROOT))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per login request otherwise
    for people in [int(a) for a in sys.argv[1:]] or [10_000]:
        run(people)


if __name__ == "__main__":
    main()
