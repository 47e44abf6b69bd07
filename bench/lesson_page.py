"""Server time to render a lesson page and the answer fragment, with the demo curriculum.

Not a test: timings on a shared machine are noisy. Run with `make bench`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def main() -> None:
    """Build a throwaway SQLite database with the demo data and time the player's routes."""
    workdir = Path(tempfile.mkdtemp(prefix="beacon-bench-"))
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(workdir))
    os.environ["BEACON_TEST_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    from flask_migrate import upgrade

    from portal import create_app
    from portal.db import db
    from portal.demo import DEMO_PASSWORD, load_demo_data
    from portal.learning.models import Lesson

    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["BEACON_TEST_DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
        },
    )
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
        lesson = db.session.scalars(db.select(Lesson).order_by(Lesson.id)).first()
        lesson_id, cards = lesson.id, len(lesson.cards)
        question = lesson.questions[0]
        question_id, option_id = question.id, question.options[0].id

    client = app.test_client()
    client.post("/login", data={"email": "sam@example.com", "password": DEMO_PASSWORD})
    url = f"/learn/lessons/{lesson_id}"

    def timed(call) -> list[float]:  # type: ignore[no-untyped-def]
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code in (200, 422), response.status_code
        return samples

    client.get(url)  # warm up templates and caches
    page = timed(lambda: client.get(url))
    size = len(client.get(url).data)
    client.post(f"{url}/step", data={"step": str(cards)})
    answer = client.post(
        f"{url}/questions/{question_id}",
        data={"option": str(option_id)},
        headers={"HX-Request": "true"},
    )
    fragment_size = len(answer.data)

    def report(name: str, samples: list[float]) -> None:
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:<34} median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms")

    print(f"SQLite, demo curriculum, {ROUNDS} rounds, Flask test client (no network)")
    report(f"GET lesson page ({size:,} B)", page)
    report("GET my learning", timed(lambda: client.get("/learn/")))
    report("GET catalogue", timed(lambda: client.get("/learn/catalogue")))
    print(f"answer fragment (htmx)             {fragment_size:,} B")
    for name, path in [
        ("lesson page", url),
        ("my learning", "/learn/"),
        ("catalogue", "/learn/catalogue"),
        ("home", "/"),
    ]:
        print(f"SQL statements for {name:<16} {count_queries(app, lambda p=path: client.get(p))}")


def count_queries(app, call) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements one request runs."""
    from sqlalchemy import event

    from portal.db import db

    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


if __name__ == "__main__":
    main()
