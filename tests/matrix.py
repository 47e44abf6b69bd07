"""`make test`: the whole suite on SQLite, then again on PostgreSQL when it is reachable.

PostgreSQL comes from `TEST_DATABASE_URL`, else the local server at
127.0.0.1:5432, database `test`. Without it (or without Chromium) the suite
still passes and says what it skipped; with `CI=true` a missing service or
browser is a failure instead. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHROMIUM = "/usr/bin/chromium"


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _pg_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()
    return None


def _run(label: str, db_url: str, args: list[str], workdir: Path) -> dict[str, int]:
    report = workdir / f"{label}.xml"
    env = dict(os.environ)
    env["BEACON_TEST_DATABASE_URL"] = db_url
    print(f"\n=== Test suite on {label} ===", flush=True)
    started = time.monotonic()
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", f"--junitxml={report}", *args], env=env, check=False
    )
    counts = {"passed": 0, "failed": 0, "skipped": 0, "seconds": int(time.monotonic() - started)}
    if report.exists():
        suite = ET.parse(report).getroot()  # noqa: S314 - our own pytest's report
        suite = suite if suite.tag == "testsuite" else suite[0]
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts.update(passed=total - failed - skipped, failed=failed, skipped=skipped)
    if proc.returncode not in (0, 5) and counts["failed"] == 0:
        counts["failed"] = 1  # pytest itself failed (collection error, crash)
    return counts


def main(argv: list[str]) -> int:
    """Run the suite on every available database; return non-zero on any failure."""
    ci = os.environ.get("CI", "").lower() == "true"
    workdir = Path(tempfile.mkdtemp(prefix="beacon-matrix-"))
    results: dict[str, dict[str, int]] = {}
    notes: list[str] = []
    failed = False

    sqlite_url = f"sqlite:///{workdir / 'beacon-test.db'}"
    results["SQLite"] = _run("SQLite", sqlite_url, argv, workdir)

    pg_url = _pg_url()
    problem = _pg_reachable(pg_url)
    if problem is None:
        results["PostgreSQL"] = _run("PostgreSQL", pg_url, argv, workdir)
    elif ci:
        notes.append(f"FAILED: PostgreSQL is required on CI but not reachable: {problem}")
        failed = True
    else:
        notes.append(f"SKIPPED the PostgreSQL run: {problem}")

    if not Path(CHROMIUM).exists():  # the path tests/e2e/conftest.py launches
        failed = failed or ci
        notes.append(
            "FAILED: Chromium is required on CI (apt-get install chromium)"
            if ci
            else "SKIPPED browser tests: Chromium is not installed (apt-get install chromium)"
        )

    print("\n=== Summary ===")
    for label, c in results.items():
        print(
            f"{label:<11} {c['passed']} passed, {c['failed']} failed, "
            f"{c['skipped']} skipped in {c['seconds']} s"
        )
        failed = failed or c["failed"] > 0
    for note in notes:
        print(note)
    total = {k: sum(c[k] for c in results.values()) for k in ("passed", "failed", "skipped")}
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed or not results or total["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
