"""The JS and CSS pages load, raw and gzipped (what a first visit downloads).

First the assets every page loads (the base layout's), then what each page of
the load run (`bench.load`) references, read from the page itself as the demo
data renders it: the layout's assets plus any of its own (the share page's
script). A fragment or a redirect loads nothing. `bench.load` measures the
pages it loads with `assets_in` and `weight`. Run: `python -m bench.page_weight`.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = ["vendor/htmx.min.js", "js/app.js", "css/app.css"]


class _Assets(HTMLParser):
    """Collects the static scripts and stylesheets a page references, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            url = values.get("src")
        elif tag == "link" and "stylesheet" in (values.get("rel") or "").split():
            url = values.get("href")
        else:
            return
        path = (url or "").split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/static/") and path[len("/static/") :] not in self.found:
            self.found.append(path[len("/static/") :])


def assets_in(html: str) -> list[str]:
    """The static JS and CSS files (paths under static/) an HTML page loads."""
    parser = _Assets()
    parser.feed(html)
    return parser.found


@cache
def sizes(name: str) -> tuple[int, int]:
    """A static file's size, raw and gzipped (level 9, as a server would precompress it)."""
    data = (STATIC / name).read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=9))


def weight(names: list[str]) -> tuple[int, int]:
    """The total raw and gzipped size of static files."""
    return sum(sizes(n)[0] for n in names), sum(sizes(n)[1] for n in names)


def _demo_pages() -> dict[str, str]:
    """The load run's pages as the demo data renders them: label -> HTML (empty if none)."""
    workdir = Path(tempfile.mkdtemp(prefix="beacon-page-weight-"))
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(workdir))
    sys.path.insert(0, str(STATIC.parent))

    from flask_migrate import upgrade

    from portal import create_app
    from portal.advocacy.models import ContentItem
    from portal.boards.models import Board
    from portal.db import db
    from portal.demo import DEMO_PASSWORD, load_demo_data
    from portal.learning.models import Lesson

    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.db'}", "WTF_CSRF_ENABLED": False},
    )
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
        lesson = db.session.scalars(db.select(Lesson).order_by(Lesson.id)).first()
        board = db.session.scalars(db.select(Board).order_by(Board.id)).first()
        item = db.session.scalars(db.select(ContentItem).order_by(ContentItem.id)).first()
        assert lesson is not None, "no lesson in the demo data"
        assert board is not None, "no board in the demo data"
        assert item is not None, "no content in the demo data"
        lesson_id, board_id, item_id = lesson.id, board.id, item.id

    def page(email: str, path: str) -> str:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    sam = "sam@example.com"
    return {
        "GET / (home)": page(sam, "/"),
        "GET /leaderboard": page(sam, "/leaderboard"),
        "GET /learn/lessons/<id>": page(sam, f"/learn/lessons/{lesson_id}"),
        "POST quiz answer (htmx fragment)": "",
        "GET /s/<code> (redirect)": "",
        "GET /boards/<id>": page(sam, f"/boards/{board_id}"),
        "GET /boards/<id>/live (htmx poll)": "",
        "GET /insights/company": page("admin@example.com", "/insights/company"),
        "GET /content/<id> (share page)": page(sam, f"/content/{item_id}"),
    }


def main() -> None:
    """Print each asset's size and the total, then each load-run page's JS and CSS."""
    for name in ASSETS:
        raw, gz = sizes(name)
        print(f"{name:<22} {raw:>8,} B  {gz:>7,} B gzipped")
    raw, gz = weight(ASSETS)
    print(f"{'total':<22} {raw:>8,} B  {gz:>7,} B gzipped")
    print("\nJS and CSS each page loads (demo data):")
    for label, html in _demo_pages().items():
        names = assets_in(html)
        raw, gz = weight(names)
        extra = [n for n in names if n not in ASSETS]
        more = f"  (+ {', '.join(extra)})" if extra else ""
        print(f"  {label:<34} {raw:>8,} B  {gz:>7,} B gzipped  {len(names)} files{more}")


if __name__ == "__main__":
    main()
