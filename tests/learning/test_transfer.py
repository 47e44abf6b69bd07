"""Modules as files: round trips, clear errors that change nothing, the curriculum loader."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.db import db
from portal.learning import authoring, transfer
from portal.learning.authoring import OptionInput
from portal.learning.models import LearningPath, Lesson, Module, Status
from portal.learning.transfer import TransferError
from portal.markdown import render_markdown
from tests.conftest import HTMX
from tests.learning.test_authoring import cast, user  # noqa: F401 - the `cast` fixture

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = (FIXTURES / "sample-module.md").read_text(encoding="utf-8")

TRICKY_CARD = (
    "## Quotes: \"double\" and 'single' — and ünïcödé\n\n"
    "- yes\n- no: really\n\n"
    "~~~yaml\nkey: value\n<!-- card -->\n~~~\n\n"
    "````\n```quiz\nnot a quiz\n```\n````"
)


def module_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Module)) or 0


def rich_module(app, author) -> int:  # type: ignore[no-untyped-def]
    """A module with everything the format carries, made through the services."""
    with app.app_context():
        actor = user(author)
        blue = actor.team
        assert blue is not None
        module = authoring.create_module(
            actor,
            title="Brand: yes, no & “quotes”",
            summary="A summary that is long enough to be folded by YAML when it is dumped, "
            "because it goes on and on past a hundred characters: true, 1, null.",
            minutes=17,
            tags="yes, 123, personal brand",
            cover_image="https://example.com/cover.png?x=1&y=2",
            for_everyone=False,
            team_ids=[blue.id],
        )
        first = authoring.add_lesson(actor, module, "First: the basics")
        authoring.update_card(actor, first.cards[0], TRICKY_CARD)
        authoring.add_card(actor, first, "Second card with `code` and ``` inline ``` ticks")
        authoring.update_lesson(actor, first, title="First: the basics", pass_mark=85)
        authoring.add_question(
            actor,
            first,
            "Multi-line\nprompt with `backticks` and ```three```?",
            "multiple",
            [
                OptionInput("yes", True, "Explained: with a colon"),
                OptionInput("No", True),
                OptionInput("null", False, "'quoted'"),
            ],
        )
        authoring.add_question(
            actor, first, "Single?", "single", [OptionInput("A", True), OptionInput("B")]
        )
        second = authoring.add_lesson(actor, module, "No quiz here")
        authoring.update_card(actor, second.cards[0], "Just text.")
        authoring.publish_module(actor, module)
        db.session.commit()
        return module.id


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_import_export_is_identical(app, cast, fmt):  # noqa: F811
    module_id = rich_module(app, cast.admin)
    export = transfer.export_markdown if fmt == "md" else transfer.export_json
    with app.app_context():
        admin = user(cast.admin)
        first = export(authoring.get_module(admin, module_id))
        replaced = transfer.import_module(admin, first, f"x.{fmt}", replace=True)
        db.session.commit()
        assert replaced.id == module_id
        assert export(replaced) == first
        # Into a fresh installation: delete it, then import the file again.
        authoring.unpublish_module(admin, replaced)
        authoring.delete_module(admin, replaced)
        db.session.commit()
        fresh = transfer.import_module(admin, first, f"x.{fmt}")
        db.session.commit()
        assert fresh.status == Status.PUBLISHED
        assert export(fresh) == first


def test_markdown_and_json_carry_the_same_module(app, cast):  # noqa: F811
    module_id = rich_module(app, cast.admin)
    with app.app_context():
        admin = user(cast.admin)
        module = authoring.get_module(admin, module_id)
        as_json, as_md = transfer.export_json(module), transfer.export_markdown(module)
        assert transfer.parse(as_md) == transfer.parse(as_json)
        data = json.loads(as_json)
        assert data["format"] == "beacon-module/1" and data["audience"] == ["Blue"]
        assert data["lessons"][1]["quiz"] is None
        assert data["lessons"][0]["quiz"]["pass_mark"] == 85
        assert as_md.startswith("---\nslug: brand-yes-no-quotes\n")
        assert "tags: ['yes', '123', personal brand]" in as_md
        assert "<!-- lesson: First: the basics -->" in as_md and "````quiz" in as_md


def test_the_sample_file_imports_as_documented(app, cast):  # noqa: F811
    with app.app_context():
        module = transfer.import_module(user(cast.admin), SAMPLE, "sample-module.md")
        db.session.commit()
        assert (module.slug, module.minutes, module.status) == ("sample-module", 12, Status.DRAFT)
        assert module.title == "Sample: a module with everything" and module.for_everyone
        first, second = module.lessons
        assert [len(first.cards), len(second.cards)] == [2, 1]
        assert "<!-- card -->\nThis marker is inside a code block" in first.cards[0].body
        assert first.pass_mark == 70 and second.questions == []
        q1, q2 = first.questions
        assert q1.kind.value == "multiple" and [o.correct for o in q1.options] == [
            True,
            True,
            False,
        ]
        assert q1.options[1].explanation == "Yes: 61 followers."
        assert q2.kind.value == "single" and q2.options[0].text == "61"
        assert transfer.export_markdown(module) == transfer.export_markdown(
            transfer.write_module(
                None, transfer.parse_markdown(transfer.export_markdown(module)), True
            )
        )


BROKEN_MD = [
    ("no front matter", "# Title\n", "must start with front matter"),
    ("unclosed front", "---\nslug: x\n", "not closed"),
    ("bad yaml", "---\nslug: x\ntitle: [unclosed\n---\n", "the front matter is not valid YAML"),
    (
        "unknown field",
        "---\nslug: x\ntitel: T\n---\n",
        "Line 3, front matter: unknown field “titel”",
    ),
    ("bad slug", "---\nslug: Not OK\ntitle: T\n---\n", "Line 2, front matter: “slug” must be"),
    (
        "bad cover",
        "---\nslug: x\ntitle: T\ncover_image: javascript:x\n---\n",
        "Line 4, front matter: use an http(s)",
    ),
    (
        "bad status",
        "---\nslug: x\ntitle: T\nstatus: live\n---\n",
        "“status” is “draft” or “published”",
    ),
    ("no lessons", "---\nslug: x\ntitle: T\n---\n\nJust text.\n", "Line 6: text before the first"),
    ("empty", "---\nslug: x\ntitle: T\n---\n", "The module has no lessons"),
    (
        "no cards",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\n\n",
        "Line 5, lesson 1 “A”: the lesson has no cards",
    ),
    (
        "empty card",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n<!-- card -->\n\n"
        "<!-- lesson: B -->\nB\n",
        "Line 7, lesson 1 “A”: card 2 is empty",
    ),
    (
        "unclosed quiz",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\npass_mark: 5\n",
        "the quiz is not closed",
    ),
    (
        "after quiz",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\nquestions: []\n```\n"
        "More text\n",
        "Line 10, lesson 1 “A”: the quiz must end its lesson",
    ),
    (
        "quiz yaml",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\nquestions: [\n```\n",
        "Line 8: the quiz is not valid YAML",
    ),
    (
        "two right answers",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n<!-- lesson: B -->\nText\n```quiz\n"
        "questions:\n  - prompt: P\n    options:\n      - {text: a, correct: true}\n"
        "      - {text: b, correct: true}\n```\n",
        "Line 11, lesson 2 “B”, question 1: a single-choice question needs exactly one correct",
    ),
    (
        "one option",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\nquestions:\n"
        "  - prompt: P\n    options: [{text: a, correct: true}]\n```\n",
        "question 1: give at least two options",
    ),
    (
        "option without text",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\nquestions:\n"
        "  - prompt: P\n    options: [{text: a, correct: true}, {explanation: e}]\n```\n",
        "option 2: “text” and “explanation” are text",
    ),
    (
        "correct not boolean",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\nText\n```quiz\nquestions:\n"
        "  - prompt: P\n    options: [{text: a, correct: 'yes'}, {text: b}]\n```\n",
        "“correct” is true or false",
    ),
    (
        "unknown team",
        "---\nslug: x\ntitle: T\naudience: [Blue, Purple]\n---\n<!-- lesson: A -->\nText\n",
        "Unknown team in “audience”: Purple",
    ),
    (
        "unclosed code",
        "---\nslug: x\ntitle: T\n---\n<!-- lesson: A -->\n```python\nprint(1)\n",
        "Line 6, lesson 1 “A”: card 1: close the code block",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [b[1:] for b in BROKEN_MD], ids=[b[0] for b in BROKEN_MD]
)
def test_broken_markdown_says_where_and_changes_nothing(app_ctx, cast, text, message):  # noqa: F811
    with pytest.raises(TransferError) as caught:
        transfer.import_module(user(cast.admin), text, "broken.md")
    assert message in str(caught.value)
    assert module_count() == 0


def _json(**changes: object) -> str:
    data: dict[str, object] = {
        "format": "beacon-module/1",
        "slug": "j",
        "title": "J",
        "lessons": [{"title": "L", "cards": ["Text"], "quiz": None}],
    }
    data.update(changes)
    return json.dumps(data, indent=2)


BROKEN_JSON = [
    ("not json", '{"slug": "x",\n  oops}', "Line 2, column 3: not valid JSON"),
    ("not an object", "[1, 2]", "one JSON object"),
    ("wrong format", _json(format="other/2"), "“format” must be “beacon-module/1”"),
    ("no lessons", _json(lessons=[]), "The module has no lessons"),
    (
        "lesson without cards",
        _json(lessons=[{"title": "L", "cards": []}]),
        "Lesson 1 “L”: the lesson has no cards",
    ),
    (
        "unknown lesson field",
        _json(lessons=[{"title": "L", "cards": ["x"], "kwiz": 1}]),
        "unknown field “kwiz”",
    ),
    ("minutes", _json(minutes="ten"), "Front matter: give the minutes"),
    (
        "bad question",
        _json(
            lessons=[
                {"title": "L", "cards": ["x"], "quiz": None},
                {
                    "title": "M",
                    "cards": ["y"],
                    "quiz": {
                        "pass_mark": 50,
                        "questions": [
                            {
                                "prompt": "ok",
                                "options": [{"text": "a", "correct": True}, {"text": "b"}],
                            },
                            {
                                "prompt": "P",
                                "kind": "multiple",
                                "options": [{"text": "a"}, {"text": "b"}],
                            },
                        ],
                    },
                },
            ]
        ),
        "Lesson 2 “M”, question 2: mark at least one option as correct",
    ),
    (
        "pass mark",
        _json(
            lessons=[{"title": "L", "cards": ["x"], "quiz": {"pass_mark": 101, "questions": []}}]
        ),
        "pass mark",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [b[1:] for b in BROKEN_JSON], ids=[b[0] for b in BROKEN_JSON]
)
def test_broken_json_says_where_and_changes_nothing(app_ctx, cast, text, message):  # noqa: F811
    with pytest.raises(TransferError) as caught:
        transfer.import_module(user(cast.admin), text, "broken.json")
    assert message in str(caught.value)
    assert module_count() == 0


def test_an_existing_slug_is_refused_unless_replacing(app, cast):  # noqa: F811
    module_id = rich_module(app, cast.admin)
    with app.app_context():
        admin = user(cast.admin)
        module = authoring.get_module(admin, module_id)
        text = transfer.export_json(module).replace("No quiz here", "Renamed lesson")
        with pytest.raises(TransferError, match="exists already"):
            transfer.import_module(admin, text, "m.json")
        assert [lesson.title for lesson in module.lessons] == ["First: the basics", "No quiz here"]
        transfer.import_module(admin, text, "m.json", replace=True)
        db.session.commit()
        assert module_count() == 1
        titles = db.session.scalars(select(Lesson.title).order_by(Lesson.position)).all()
        assert titles == ["First: the basics", "Renamed lesson"]


def test_a_leaders_import_is_for_their_team_and_cannot_replace_others(app, cast):  # noqa: F811
    with app.app_context():
        admin_module = transfer.import_module(user(cast.admin), SAMPLE)
        db.session.commit()
        leader = user(cast.leader)
        with pytest.raises(TransferError, match="cannot edit"):
            transfer.import_module(leader, SAMPLE, replace=True)
        text = SAMPLE.replace("slug: sample-module", "slug: blue-sample")
        mine = transfer.import_module(leader, text)
        db.session.commit()
        assert mine.owner_team_id == cast.blue.id and not mine.for_everyone
        assert [t.name for t in mine.teams] == ["Blue"]
        assert admin_module.owner_team_id is None and admin_module.for_everyone


def test_format_detection(app_ctx):
    assert transfer.detect_format('  {"a": 1}', "x.md") == "json"
    assert transfer.detect_format("---\nslug: x\n---\n", "x.json") == "md"
    assert transfer.detect_format("slug: x", "x.markdown") == "md"
    assert transfer.detect_format("[]", "x.json") == "json"
    with pytest.raises(TransferError, match="Upload a Markdown file"):
        transfer.detect_format("hello", "x.txt")


# --- the demo curriculum -----------------------------------------------------------------


def test_load_curriculum_imports_publishes_and_is_idempotent(app_ctx, cast):  # noqa: F811
    result = transfer.load_curriculum(FIXTURES / "curriculum")
    db.session.commit()
    assert result.modules_added == ["alpha-basics", "beta-basics"]
    assert result.paths_added == ["fixture-path"]
    assert any("not-written-yet" in w for w in result.warnings)
    modules = db.session.scalars(select(Module).order_by(Module.slug)).all()
    assert [m.status for m in modules] == [Status.PUBLISHED, Status.PUBLISHED]
    assert all(m.published_at is not None and m.for_everyone for m in modules)
    path = db.session.scalar(select(LearningPath))
    assert path is not None and path.status == Status.PUBLISHED
    assert [m.slug for m in path.modules] == ["alpha-basics", "beta-basics"]

    again = transfer.load_curriculum(FIXTURES / "curriculum", actor=user(cast.admin))
    assert again.modules_added == [] and again.paths_added == []
    assert again.modules_skipped == ["alpha-basics", "beta-basics"]
    assert module_count() == 2


def test_load_curriculum_tolerates_a_missing_or_empty_folder(app_ctx, tmp_path):
    assert transfer.load_curriculum(tmp_path / "missing").modules_added == []
    assert transfer.load_curriculum(tmp_path).modules_added == []
    (tmp_path / "paths.yaml").write_text("")
    assert transfer.load_curriculum(tmp_path).paths_added == []


def test_load_curriculum_names_a_broken_file(app_ctx, tmp_path):
    (tmp_path / "broken.md").write_text("---\nslug: b\ntitle: B\n---\nno lesson\n")
    with pytest.raises(TransferError, match=r"^broken.md: Line 5: text before"):
        transfer.load_curriculum(tmp_path)


def test_load_curriculum_is_for_admins(app_ctx, cast):  # noqa: F811
    from portal.accounts.services import PermissionDenied

    with pytest.raises(PermissionDenied):
        transfer.load_curriculum(FIXTURES / "curriculum", actor=user(cast.leader))


def test_the_shipped_curriculum_is_valid_and_round_trips(app_ctx):
    files = sorted(transfer.CURRICULUM_DIR.glob("*.md"))
    if not files:
        pytest.skip("no curriculum written yet")
    for file in files:
        data = transfer.parse_markdown(file.read_text(encoding="utf-8"))
        module = transfer.write_module(None, data)
        exported = transfer.export_markdown(module)
        assert transfer.parse_markdown(exported) == data, file.name
    result = transfer.load_curriculum()
    assert result.modules_added == [] and len(result.modules_skipped) == len(files)


# --- pages: export, import, preview ------------------------------------------------------


def test_export_downloads(app, client, auth, cast):  # noqa: F811
    module_id = rich_module(app, cast.admin)
    auth.login(cast.admin.email)
    md = client.get(f"/author/modules/{module_id}/export.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"] == 'attachment; filename="brand-yes-no-quotes.md"'
    assert md.get_data(as_text=True).startswith("---\nslug: brand-yes-no-quotes")
    js = client.get(f"/author/modules/{module_id}/export.json")
    assert (
        js.mimetype == "application/json" and json.loads(js.data)["slug"] == "brand-yes-no-quotes"
    )
    assert client.get(f"/author/modules/{module_id}/export.xml").status_code == 404


def test_import_page(app, client, auth, cast):  # noqa: F811
    auth.login(cast.admin.email)
    assert "Import a module" in client.get("/author/import").get_data(as_text=True)

    def upload(content: str, name: str, replace: bool = False):  # type: ignore[no-untyped-def]
        data: dict[str, object] = {"file": (io.BytesIO(content.encode()), name)}
        if replace:
            data["replace"] = "y"
        return client.post("/author/import", data=data, content_type="multipart/form-data")

    done = upload(SAMPLE, "sample-module.md")
    assert done.status_code == 303 and done.headers["Location"].startswith("/author/modules/")
    again = upload(SAMPLE, "sample-module.md")
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and "Nothing was imported" in text and "exists already" in text
    assert upload(SAMPLE, "sample-module.md", replace=True).status_code == 303
    broken = upload(SAMPLE.replace("kind: single", "kind: essay"), "sample-module.md", True)
    assert (
        "Line 40, lesson 1 “Markdown that matters”, question 2: choose single or multiple"
        in broken.get_data(as_text=True)
    )
    wrong_type = upload("hello", "notes.txt")
    assert "Upload a .md or .json file." in wrong_type.get_data(as_text=True)
    not_utf8 = client.post(
        "/author/import",
        data={"file": (io.BytesIO(b"\xff\xfe---"), "x.md")},
        content_type="multipart/form-data",
    )
    assert "not UTF-8" in not_utf8.get_data(as_text=True)
    with app.app_context():
        assert module_count() == 1


XSS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[y](data:text/html;base64,PHNjcmlwdD4=)",
    "![z](javascript:alert(1))",
    '<iframe src="https://evil.example.com"></iframe>',
    "[ok](JaVaScRiPt:alert(1))",
]


class _Elements(HTMLParser):
    """Every element and attribute of an HTML fragment (escaped text is only text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def assert_harmless(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "iframe", "object", "embed", "style"), html
        assert not any(name.startswith("on") for name in attrs), html
        for name in ("href", "src"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), html
        if tag == "a" and "href" in attrs:
            assert "noopener" in attrs.get("rel", ""), html


@pytest.mark.parametrize("payload", XSS)
def test_the_live_preview_is_sanitised(client, auth, cast, payload):  # noqa: F811
    auth.login(cast.leader.email)
    body = f"Hello [safe](https://example.com)\n\n{payload}"
    response = client.post("/author/preview", data={"body": body}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert '<a href="https://example.com"' in html
    assert_harmless(html)


def test_imported_cards_are_sanitised_when_rendered(app_ctx, cast):  # noqa: F811
    text = SAMPLE.replace("Just a card.", "Just a card.\n\n" + "\n\n".join(XSS))
    module = transfer.import_module(user(cast.admin), text)
    assert_harmless(str(render_markdown(module.lessons[1].cards[0].body)))


def test_an_employee_cannot_import(app_ctx, people):
    from portal.accounts.services import PermissionDenied

    employee = people.person(role=Role.EMPLOYEE)
    with pytest.raises(PermissionDenied):
        transfer.import_module(user(employee), SAMPLE)


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"format": "beacon-module/1", "slug": "x", "title": "X", "tags": 5, "lessons": []}',
        "---\n1: a\nfoo: b\n---\n<!-- lesson: A -->\ntext\n",
        "---\nnull: x\ntitle: y\n---\n",
    ],
    ids=["deep json", "tags number", "mixed keys", "null key"],
)
def test_malformed_files_are_refused_with_a_message(app_ctx, content):
    from portal.learning.transfer import TransferError, parse

    name = "module.json" if content.lstrip().startswith(("[", "{")) else "module.md"
    with pytest.raises((TransferError, ValueError)):
        parse(content, name)
