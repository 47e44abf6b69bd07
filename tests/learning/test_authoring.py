"""Authoring: who may edit what, modules, lessons, cards, questions, ordering, publishing, paths.

Services are tested directly; the pages through the client, as full pages and
as htmx fragments.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.learning import authoring
from portal.learning.authoring import AuthoringError, OptionInput, PublishRefused
from portal.learning.models import (
    Card,
    LearningPath,
    Lesson,
    Module,
    Option,
    PathModule,
    Question,
    QuestionKind,
    Status,
)
from tests.conftest import HTMX

YES_NO = [OptionInput("Yes", True, "Right."), OptionInput("No", False, "Not this.")]


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    """Two teams, an admin, a leader of each team, an employee and a leader without a team."""
    blue, green = people.team("Blue"), people.team("Green")
    return SimpleNamespace(
        blue=blue,
        green=green,
        admin=people.person(role=Role.ADMIN, team=blue, email="admin@example.com"),
        leader=people.person(role=Role.LEADER, team=blue, email="leader@example.com"),
        other_leader=people.person(role=Role.LEADER, team=green, email="green@example.com"),
        employee=people.person(team=blue, email="employee@example.com"),
        loner=people.person(role=Role.LEADER, email="loner@example.com"),
    )


def user(person: User) -> User:
    """`person` (made by the `people` fixture) in the current session."""
    found = db.session.get(User, person.id)
    assert found is not None
    return found


def build_module(
    app,  # type: ignore[no-untyped-def]
    author: User,
    title: str = "Personal brand",
    lessons: int = 2,
    questions: bool = True,
    **fields,  # type: ignore[no-untyped-def]
) -> int:
    """A ready-to-publish module made through the services; returns its id."""
    with app.app_context():
        actor = user(author)
        module = authoring.create_module(actor, title=title, **fields)
        for n in range(1, lessons + 1):
            lesson = authoring.add_lesson(actor, module, f"Lesson {n}")
            authoring.update_card(actor, lesson.cards[0], f"## Card {n}\n\nRead **this**.")
            if questions:
                authoring.add_question(actor, lesson, f"Question {n}?", "single", YES_NO)
        db.session.commit()
        return module.id


# --- who may author what -----------------------------------------------------------------


def test_employees_and_teamless_leaders_cannot_author(app_ctx, cast):
    for person in (cast.employee, cast.loner):
        with pytest.raises(PermissionDenied):
            authoring.create_module(user(person), title="Nope")
        with pytest.raises(PermissionDenied):
            authoring.editable_modules(user(person))


def test_a_leaders_module_belongs_to_their_team_and_is_for_it_only(app_ctx, cast):
    module = authoring.create_module(user(cast.leader), title="Team onboarding", tags="a, b")
    assert module.owner_team_id == cast.blue.id
    assert module.for_everyone is False
    assert [t.id for t in module.teams] == [cast.blue.id]
    assert module.status == Status.DRAFT and module.published_at is None


@pytest.mark.parametrize(
    "audience",
    [{"for_everyone": True}, {"for_everyone": False, "team_ids": "green"}],
    ids=["everyone", "other team"],
)
def test_a_leader_cannot_show_a_module_to_everyone_or_other_teams(app_ctx, cast, audience):
    if audience.get("team_ids") == "green":
        audience = {**audience, "team_ids": [cast.green.id, cast.blue.id]}
    leader = user(cast.leader)
    with pytest.raises(PermissionDenied):
        authoring.create_module(leader, title="Wide", **audience)
    module = authoring.create_module(leader, title="Narrow")
    with pytest.raises(PermissionDenied):
        authoring.update_module(leader, module, title="Narrow", **audience)
    assert module.for_everyone is False and [t.id for t in module.teams] == [cast.blue.id]


def test_a_leader_sees_and_edits_only_their_teams_modules(app, cast):
    mine = build_module(app, cast.leader, "Blue module")
    theirs = build_module(app, cast.other_leader, "Green module")
    company = build_module(app, cast.admin, "Company module")
    with app.app_context():
        leader = user(cast.leader)
        assert [m.id for m in authoring.editable_modules(leader)] == [mine]
        assert {m.id for m in authoring.editable_modules(user(cast.admin))} == {
            mine,
            theirs,
            company,
        }
        assert authoring.get_module(leader, mine).id == mine
        for hidden in (theirs, company, 999_999):
            with pytest.raises(NotFound):
                authoring.get_module(leader, hidden)
        other_lesson = db.session.scalars(select(Lesson).where(Lesson.module_id == theirs)).first()
        assert other_lesson is not None
        with pytest.raises(NotFound):
            authoring.get_lesson(leader, other_lesson.id)
        with pytest.raises(NotFound):
            authoring.get_card(leader, other_lesson.cards[0].id)
        with pytest.raises(NotFound):
            authoring.get_question(leader, other_lesson.questions[0].id)


# --- modules -----------------------------------------------------------------------------


def test_admin_creates_a_module_with_a_unique_slug_tags_and_cover(app_ctx, cast):
    admin = user(cast.admin)
    first = authoring.create_module(
        admin,
        title="Your Personal Brand — basics!",
        summary="  Why it matters.  ",
        minutes=12,
        tags=" LinkedIn, personal  brand,, linkedin ",
        cover_image="/static/img/covers/brand.svg",
    )
    second = authoring.create_module(admin, title="Your personal brand: basics")
    assert first.slug == "your-personal-brand-basics"
    assert second.slug == "your-personal-brand-basics-2"
    assert first.tags == ["LinkedIn", "personal brand"]
    assert first.summary == "Why it matters."
    assert first.for_everyone is True and first.owner_team_id is None
    authoring.update_module(admin, second, title="Renamed", cover_image="https://example.com/a.png")
    assert second.slug == "your-personal-brand-basics-2"  # the slug stays put
    assert second.cover_image == "https://example.com/a.png"


@pytest.mark.parametrize(
    "cover",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "/static/../config.py",
        "//evil.example.com/x.png",
        "/img/x.png",
        "https://",
        "https://example.com/a b.png",
    ],
)
def test_cover_images_are_http_urls_or_static_paths(app_ctx, cast, cover):
    with pytest.raises(AuthoringError) as caught:
        authoring.create_module(user(cast.admin), title="Covered", cover_image=cover)
    assert caught.value.field == "cover_image"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 141}, "title"),
        ({"title": "Ok", "minutes": 0}, "minutes"),
        ({"title": "Ok", "tags": ",".join(f"t{i}" for i in range(13))}, "tags"),
        ({"title": "Ok", "for_everyone": False, "team_ids": []}, "teams"),
        ({"title": "Ok", "for_everyone": False, "team_ids": [999]}, "teams"),
    ],
)
def test_bad_module_details_are_refused(app_ctx, cast, fields, field):
    with pytest.raises(AuthoringError) as caught:
        authoring.create_module(user(cast.admin), **fields)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Module)) == 0


def test_admin_chooses_teams_and_can_change_the_slug(app_ctx, cast):
    admin = user(cast.admin)
    module = authoring.create_module(
        admin, title="Sales", for_everyone=False, team_ids=[cast.green.id, cast.blue.id]
    )
    assert [t.name for t in module.teams] == ["Blue", "Green"]
    other = authoring.create_module(admin, title="Other")
    with pytest.raises(AuthoringError, match="Another module uses that slug"):
        authoring.update_module(admin, module, title="Sales", slug=other.slug)
    with pytest.raises(AuthoringError):
        authoring.update_module(admin, module, title="Sales", slug="Bad Slug")
    authoring.update_module(admin, module, title="Sales", slug="sales-101", for_everyone=True)
    assert module.slug == "sales-101" and module.for_everyone and module.teams == []


# --- lessons, cards, questions -----------------------------------------------------------


def test_lessons_start_with_a_card_and_stay_densely_numbered(app_ctx, cast):
    admin = user(cast.admin)
    module = authoring.create_module(admin, title="M")
    lessons = [authoring.add_lesson(admin, module, f"L{n}") for n in range(3)]
    assert [len(lesson.cards) for lesson in lessons] == [1, 1, 1]
    authoring.delete_lesson(admin, lessons[1])
    assert [(lesson.title, lesson.position) for lesson in module.lessons] == [("L0", 0), ("L2", 1)]
    with pytest.raises(AuthoringError):
        authoring.add_lesson(admin, module, " ")
    with pytest.raises(AuthoringError):
        authoring.update_lesson(admin, module.lessons[0], title="L0", pass_mark=101)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("One\n<!-- card -->\nTwo", "marker"),
        ("<!-- lesson: Sneaky -->", "marker"),
        ("```quiz\npass_mark: 1\n```", "quiz"),
        ("```python\nprint(1)\n", "Close the code block"),
    ],
)
def test_cards_cannot_break_the_file_format(app_ctx, cast, body, message):
    admin = user(cast.admin)
    lesson = authoring.add_lesson(admin, authoring.create_module(admin, title="M"), "L")
    with pytest.raises(AuthoringError, match=message):
        authoring.update_card(admin, lesson.cards[0], body)


def test_card_markdown_is_normalised_and_markers_in_code_are_fine(app_ctx, cast):
    admin = user(cast.admin)
    lesson = authoring.add_lesson(admin, authoring.create_module(admin, title="M"), "L")
    authoring.update_card(
        admin, lesson.cards[0], "\r\n\r\n## Hi\r\n\r\n```\r\n<!-- card -->\r\n```  \n\n"
    )
    assert lesson.cards[0].body == "## Hi\n\n```\n<!-- card -->\n```"


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("single", [OptionInput("A", True), OptionInput("B", True)], "exactly one correct"),
        ("single", [OptionInput("A"), OptionInput("B")], "exactly one correct"),
        ("multiple", [OptionInput("A"), OptionInput("B")], "at least one"),
        ("single", [OptionInput("A", True)], "at least two"),
        ("single", [OptionInput("A", True), OptionInput("", True), OptionInput("B")], "no text"),
        ("single", [OptionInput("A", True), OptionInput("a")], "repeats"),
        ("essay", YES_NO, "single or multiple"),
    ],
)
def test_questions_are_validated(app_ctx, cast, kind, options, message):
    admin = user(cast.admin)
    lesson = authoring.add_lesson(admin, authoring.create_module(admin, title="M"), "L")
    with pytest.raises(AuthoringError, match=message):
        authoring.add_question(admin, lesson, "Which?", kind, options)
    with pytest.raises(AuthoringError, match="Write the question"):
        authoring.add_question(admin, lesson, "  ", "single", YES_NO)
    assert lesson.questions == []


def test_blank_option_rows_are_skipped_and_updates_keep_option_ids(app_ctx, cast):
    admin = user(cast.admin)
    lesson = authoring.add_lesson(admin, authoring.create_module(admin, title="M"), "L")
    question = authoring.add_question(
        admin,
        lesson,
        "Pick both",
        "multiple",
        [OptionInput("A", True), OptionInput(""), OptionInput("B", True), OptionInput("C")],
    )
    assert [(o.text, o.correct, o.position) for o in question.options] == [
        ("A", True, 0),
        ("B", True, 1),
        ("C", False, 2),
    ]
    ids = [o.id for o in question.options]
    authoring.update_question(
        admin, question, "Pick one", "single", [OptionInput("A2", True), OptionInput("B2")]
    )
    assert question.kind == QuestionKind.SINGLE and question.prompt == "Pick one"
    assert [o.id for o in question.options] == ids[:2]
    assert [o.text for o in question.options] == ["A2", "B2"]
    assert db.session.get(Option, ids[2]) is None


# --- ordering ----------------------------------------------------------------------------


def test_lessons_cards_and_questions_move_and_reorder(app_ctx, cast):
    admin = user(cast.admin)
    module = authoring.create_module(admin, title="M")
    a, b, c = (authoring.add_lesson(admin, module, t) for t in "ABC")
    authoring.move_lesson(admin, c, "up")
    assert [lesson.title for lesson in module.lessons] == ["A", "C", "B"]
    authoring.move_lesson(admin, a, "up")  # already first: nothing happens
    authoring.move_lesson(admin, b, "down")  # already last
    assert [(lesson.title, lesson.position) for lesson in module.lessons] == [
        ("A", 0),
        ("C", 1),
        ("B", 2),
    ]
    authoring.order_lessons(admin, module, [b.id, a.id, c.id])
    assert [lesson.title for lesson in module.lessons] == ["B", "A", "C"]
    with pytest.raises(AuthoringError):
        authoring.order_lessons(admin, module, [b.id, a.id])
    with pytest.raises(AuthoringError):
        authoring.move_lesson(admin, a, "sideways")

    authoring.update_card(admin, a.cards[0], "one")
    authoring.add_card(admin, a, "two")
    three = authoring.add_card(admin, a, "three")
    authoring.move_card(admin, three, "up")
    assert [card.body for card in a.cards] == ["one", "three", "two"]
    authoring.order_cards(admin, a, [card.id for card in reversed(a.cards)])
    assert [(card.body, card.position) for card in a.cards] == [
        ("two", 0),
        ("three", 1),
        ("one", 2),
    ]

    q1 = authoring.add_question(admin, a, "Q1", "single", YES_NO)
    q2 = authoring.add_question(admin, a, "Q2", "single", YES_NO)
    authoring.move_question(admin, q1, "down")
    assert [q.prompt for q in a.questions] == ["Q2", "Q1"]
    authoring.order_questions(admin, a, [q1.id, q2.id])
    assert [(q.prompt, q.position) for q in a.questions] == [("Q1", 0), ("Q2", 1)]


# --- publishing --------------------------------------------------------------------------


def test_publishing_is_refused_until_the_module_is_complete(app_ctx, cast):
    admin = user(cast.admin)
    module = authoring.create_module(admin, title="M")
    with pytest.raises(PublishRefused) as caught:
        authoring.publish_module(admin, module)
    assert caught.value.problems == ["Add at least one lesson."]
    lesson = authoring.add_lesson(admin, module, "Intro")
    with pytest.raises(PublishRefused, match="Lesson 1 “Intro”: card 1 is empty"):
        authoring.publish_module(admin, module)
    authoring.update_card(admin, lesson.cards[0], "Hello")
    broken = Question(lesson=lesson, prompt="Broken?", kind=QuestionKind.SINGLE, position=0)
    broken.options = [Option(text="A", correct=True), Option(text="B", correct=True)]
    db.session.add(broken)
    db.session.flush()
    with pytest.raises(PublishRefused, match="question 1: A single-choice question"):
        authoring.publish_module(admin, module)
    assert module.status == Status.DRAFT
    authoring.delete_question(admin, broken)
    authoring.publish_module(admin, module)
    assert module.status == Status.PUBLISHED and module.published_at is not None
    authoring.unpublish_module(admin, module)
    assert module.status == Status.DRAFT


def test_a_published_module_keeps_a_lesson_and_each_lesson_a_card(app, cast):
    module_id = build_module(app, cast.admin, lessons=1)
    with app.app_context():
        admin = user(cast.admin)
        module = db.session.get(Module, module_id)
        assert module is not None
        authoring.publish_module(admin, module)
        with pytest.raises(AuthoringError, match="unpublish it first"):
            authoring.delete_card(admin, module.lessons[0].cards[0])
        with pytest.raises(AuthoringError, match="unpublish it first"):
            authoring.delete_lesson(admin, module.lessons[0])
        with pytest.raises(AuthoringError, match="Unpublish the module"):
            authoring.delete_module(admin, module)


def test_deleting_a_module_leaves_its_paths_numbered(app, cast):
    ids = [build_module(app, cast.admin, f"M{n}") for n in range(3)]
    with app.app_context():
        admin = user(cast.admin)
        path = authoring.create_path(admin, title="Starter", module_ids=ids)
        authoring.delete_module(admin, authoring.get_module(admin, ids[1]))
        db.session.commit()
        assert [(s.module_id, s.position) for s in path.steps] == [(ids[0], 0), (ids[2], 1)]
        assert db.session.get(Module, ids[1]) is None


def test_duplicate_makes_a_deep_draft_copy(app, cast):
    module_id = build_module(app, cast.leader, "Blue basics", tags="x, y")
    with app.app_context():
        leader = user(cast.leader)
        original = authoring.get_module(leader, module_id)
        authoring.publish_module(leader, original)
        copy = authoring.duplicate_module(leader, original)
        again = authoring.duplicate_module(leader, original)
        db.session.commit()
        assert copy.slug == "blue-basics-copy" and again.slug == "blue-basics-copy-2"
        assert copy.title == "Blue basics (copy)" and copy.status == Status.DRAFT
        assert copy.published_at is None and copy.owner_team_id == cast.blue.id
        assert [t.id for t in copy.teams] == [cast.blue.id] and copy.tags == ["x", "y"]

        def shape(m: Module) -> list[object]:
            return [
                (
                    lesson.title,
                    [c.body for c in lesson.cards],
                    [
                        (q.prompt, [(o.text, o.correct) for o in q.options])
                        for q in lesson.questions
                    ],
                )
                for lesson in m.lessons
            ]

        assert shape(copy) == shape(original)
        assert {lesson.id for lesson in copy.lessons}.isdisjoint(
            {lesson.id for lesson in original.lessons}
        )


# --- learning paths ----------------------------------------------------------------------


def test_paths_are_for_admins(app_ctx, cast):
    with pytest.raises(PermissionDenied):
        authoring.create_path(user(cast.leader), title="Mine")
    with pytest.raises(PermissionDenied):
        authoring.list_paths(user(cast.leader))


def test_paths_order_their_modules_and_publish_only_published_modules(app, cast):
    ids = [build_module(app, cast.admin, f"M{n}") for n in range(3)]
    with app.app_context():
        admin = user(cast.admin)
        path = authoring.create_path(admin, title="Social media starter", module_ids=ids[:2])
        assert path.slug == "social-media-starter" and path.status == Status.DRAFT
        authoring.add_path_module(admin, path, ids[2])
        authoring.move_path_module(admin, path, ids[2], "up")
        assert [s.module_id for s in path.steps] == [ids[0], ids[2], ids[1]]
        authoring.set_path_modules(admin, path, [ids[1], ids[0], ids[2]])
        assert [(s.module_id, s.position) for s in path.steps] == [
            (ids[1], 0),
            (ids[0], 1),
            (ids[2], 2),
        ]
        with pytest.raises(AuthoringError, match="only once"):
            authoring.add_path_module(admin, path, ids[0])
        with pytest.raises(AuthoringError, match="from the list"):
            authoring.add_path_module(admin, path, 999_999)
        authoring.remove_path_module(admin, path, ids[1])
        with pytest.raises(NotFound):
            authoring.remove_path_module(admin, path, ids[1])
        with pytest.raises(AuthoringError, match="Publish these modules first: M0, M2"):
            authoring.publish_path(admin, path)
        for module_id in ids:
            authoring.publish_module(admin, authoring.get_module(admin, module_id))
        authoring.publish_path(admin, path)
        db.session.commit()
        assert path.status == Status.PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(PathModule)) == 2


# --- pages -------------------------------------------------------------------------------


def test_the_module_list_shows_what_each_author_may_edit(app, client, auth, cast):
    build_module(app, cast.leader, "Blue module")
    build_module(app, cast.other_leader, "Green module")
    auth.login(cast.leader.email)
    page = client.get("/author/").get_data(as_text=True)
    assert "Blue module" in page and "Green module" not in page and "site-header" in page
    auth.logout()
    auth.login(cast.admin.email)
    page = client.get("/author/").get_data(as_text=True)
    assert "Blue module" in page and "Green module" in page and "Learning paths" in page
    auth.logout()
    auth.login(cast.loner.email)
    assert "Ask an admin to add you to a team" in client.get("/author/").get_data(as_text=True)


def test_creating_a_module_redirects_to_it_and_errors_rerender_the_form(app, client, auth, cast):
    auth.login(cast.admin.email)
    assert client.get("/author/modules/new").status_code == 200
    bad = client.post(
        "/author/modules/new",
        data={"title": "Brand", "minutes": "10", "cover_image": "javascript:alert(1)"},
    )
    assert bad.status_code == 200
    assert "Use an http(s):// address" in bad.get_data(as_text=True)
    missing = client.post("/author/modules/new", data={"title": "", "minutes": "10"}, headers=HTMX)
    assert missing.status_code == 200 and "<html" not in missing.get_data(as_text=True)
    assert "Please correct the fields" in missing.get_data(as_text=True)
    response = client.post(
        "/author/modules/new",
        data={
            "title": "Brand",
            "minutes": "12",
            "tags": "a, b",
            "audience": "teams",
            "teams": [str(cast.green.id)],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "brand"))
        assert module is not None and module.minutes == 12 and module.tags == ["a", "b"]
        assert not module.for_everyone and [t.name for t in module.teams] == ["Green"]
        assert response.headers["Location"] == f"/author/modules/{module.id}"


def test_a_leader_cannot_widen_the_audience_through_the_form(app, client, auth, cast):
    auth.login(cast.leader.email)
    form = client.get("/author/modules/new").get_data(as_text=True)
    assert 'name="audience"' not in form and "for <strong>Blue</strong> only" in form
    assert (
        client.post("/author/modules/new", data={"title": "Ours", "minutes": "5"}).status_code
        == 303
    )
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "ours"))
        assert module is not None
        module_id = module.id
    tampered = client.post(
        f"/author/modules/{module_id}",
        data={"title": "Ours", "slug": "ours", "minutes": "5", "audience": "everyone"},
    )
    assert tampered.status_code == 403
    other_team = client.post(
        f"/author/modules/{module_id}",
        data={
            "title": "Ours",
            "slug": "ours",
            "minutes": "5",
            "audience": "teams",
            "teams": [str(cast.green.id)],
        },
    )
    assert other_team.status_code == 403
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None and not module.for_everyone
        assert [t.name for t in module.teams] == ["Blue"]


def test_another_teams_module_is_not_found_for_a_leader(app, client, auth, cast):
    module_id = build_module(app, cast.other_leader, "Green module")
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None
        lesson = module.lessons[0]
        lesson_id, card_id, question_id = lesson.id, lesson.cards[0].id, lesson.questions[0].id
    auth.login(cast.leader.email)
    for url in (
        f"/author/modules/{module_id}",
        f"/author/modules/{module_id}/export.md",
        f"/author/lessons/{lesson_id}",
        f"/author/lessons/{lesson_id}/preview",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/author/modules/{module_id}",
        f"/author/modules/{module_id}/publish",
        f"/author/modules/{module_id}/duplicate",
        f"/author/modules/{module_id}/delete",
        f"/author/lessons/{lesson_id}/move",
        f"/author/cards/{card_id}",
        f"/author/questions/{question_id}/delete",
    ):
        assert client.post(url, data={"title": "Mine now", "body": "x"}).status_code == 404, url
    with app.app_context():
        assert db.session.get(Module, module_id).title == "Green module"  # type: ignore[union-attr]
        assert db.session.scalar(select(func.count()).select_from(Module)) == 1


def test_the_edit_page_and_its_details_fragment(app, client, auth, cast):
    module_id = build_module(
        app, cast.admin, "Brand", tags="a, b c", for_everyone=False, team_ids=[cast.green.id]
    )
    auth.login(cast.admin.email)
    page = client.get(f"/author/modules/{module_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "site-header" in html
    assert 'value="a, b c"' in html and 'value="brand"' in html
    assert re.search(rf'<input checked[^>]*value="{cast.green.id}"', html)
    assert not re.search(rf'<input checked[^>]*value="{cast.blue.id}"', html)
    assert re.search(r'<input checked[^>]*value="teams"', html)
    for text in ("Lesson 1", "Publish", "Export .md", "Export .json", "Duplicate", 'id="lessons"'):
        assert text in html
    fragment = client.post(
        f"/author/modules/{module_id}",
        data={"title": "Brand 2", "slug": "brand-2", "minutes": "7", "audience": "everyone"},
        headers=HTMX,
    )
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="module-form"' in text
    assert "toast" in fragment.headers["HX-Trigger"]
    invalid = client.post(
        f"/author/modules/{module_id}",
        data={"title": "Brand 3", "slug": "Not A Slug", "minutes": "7"},
        headers=HTMX,
    )
    assert invalid.status_code == 200 and "Use lower-case letters" in invalid.get_data(as_text=True)
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None and (module.title, module.slug, module.minutes) == (
            "Brand 2",
            "brand-2",
            7,
        )


def test_reordering_lessons_answers_with_the_list_fragment(app, client, auth, cast):
    module_id = build_module(app, cast.leader, "Blue", lessons=3)
    with app.app_context():
        lesson_ids = [lesson.id for lesson in db.session.get(Module, module_id).lessons]  # type: ignore[union-attr]
    auth.login(cast.leader.email)
    fragment = client.post(
        f"/author/lessons/{lesson_ids[2]}/move", data={"direction": "up"}, headers=HTMX
    )
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="lessons"' in text
    assert re.findall(r"\d\. Lesson (\d)", text) == ["1", "3", "2"]
    plain = client.post(f"/author/lessons/{lesson_ids[0]}/move", data={"direction": "down"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#lessons")
    with app.app_context():
        titles = [lesson.title for lesson in db.session.get(Module, module_id).lessons]  # type: ignore[union-attr]
    assert titles == ["Lesson 3", "Lesson 1", "Lesson 2"]


def test_publishing_refusal_and_success_through_the_page(app, client, auth, cast):
    auth.login(cast.admin.email)
    client.post("/author/modules/new", data={"title": "Empty", "minutes": "5"})
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "empty"))
    refused = client.post(f"/author/modules/{module_id}/publish")
    assert refused.status_code == 303
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Not published yet" in page and "Add at least one lesson." in page
    fragment = client.post(f"/author/modules/{module_id}/publish", headers=HTMX)
    assert fragment.status_code == 200 and 'id="module-status"' in fragment.get_data(as_text=True)
    assert "Add at least one lesson." in fragment.get_data(as_text=True)
    assert "error" in fragment.headers["HX-Trigger"]
    ready = build_module(app, cast.admin, "Ready")
    published = client.post(f"/author/modules/{ready}/publish", headers=HTMX)
    assert "Unpublish" in published.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Module, ready).status == Status.PUBLISHED  # type: ignore[union-attr]
        assert db.session.get(Module, module_id).status == Status.DRAFT  # type: ignore[union-attr]


def test_duplicate_and_delete_through_the_page(app, client, auth, cast):
    module_id = build_module(app, cast.leader, "Blue")
    auth.login(cast.leader.email)
    response = client.post(f"/author/modules/{module_id}/duplicate")
    assert response.status_code == 303
    with app.app_context():
        copy = db.session.scalar(select(Module).where(Module.slug == "blue-copy"))
        assert copy is not None and copy.owner_team_id == cast.blue.id
        copy_id = copy.id
    assert response.headers["Location"] == f"/author/modules/{copy_id}"
    assert client.post(f"/author/modules/{copy_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Module, copy_id) is None


def test_the_lesson_editor_cards_and_live_preview(app, client, auth, cast):
    module_id = build_module(app, cast.admin, "Brand", lessons=1)
    with app.app_context():
        lesson = db.session.get(Module, module_id).lessons[0]  # type: ignore[union-attr]
        lesson_id, card_id = lesson.id, lesson.cards[0].id
    auth.login(cast.admin.email)
    page = client.get(f"/author/lessons/{lesson_id}").get_data(as_text=True)
    assert 'hx-trigger="keyup changed delay:300ms' in page
    assert 'hx-post="/author/preview"' in page and "<strong>this</strong>" in page
    saved = client.post(
        f"/author/cards/{card_id}", data={"body": "## New\n\n*fresh*"}, headers=HTMX
    )
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in text and f'id="card-{card_id}"' in text
    assert "<em>fresh</em>" in text
    refused = client.post(
        f"/author/cards/{card_id}", data={"body": "a\n<!-- card -->\nb"}, headers=HTMX
    )
    assert "cannot contain a lesson or card marker" in refused.get_data(as_text=True)
    added = client.post(f"/author/lessons/{lesson_id}/cards", headers=HTMX)
    assert added.get_data(as_text=True).count('class="card" id="card-') == 2
    with app.app_context():
        cards = db.session.get(Lesson, lesson_id).cards  # type: ignore[union-attr]
        assert [c.body for c in cards] == ["## New\n\n*fresh*", ""]
        new_card = cards[1].id
    moved = client.post(f"/author/cards/{new_card}/move", data={"direction": "up"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"#card-{new_card}")
    assert client.post(f"/author/cards/{new_card}/delete").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Card)) == 1
    preview = client.get(f"/author/lessons/{lesson_id}/preview").get_data(as_text=True)
    assert "<h2>New</h2>" in preview and "Question 1?" in preview


def test_the_questions_editor(app, client, auth, cast):
    module_id = build_module(app, cast.admin, "Brand", lessons=1, questions=False)
    with app.app_context():
        lesson_id = db.session.get(Module, module_id).lessons[0].id  # type: ignore[union-attr]
    auth.login(cast.admin.email)
    url = f"/author/lessons/{lesson_id}/questions"
    bad = client.post(
        url,
        data={
            "qnew-prompt": "Which?",
            "qnew-kind": "single",
            "qnew-options-0-text": "A",
            "qnew-options-0-correct": "y",
            "qnew-options-1-text": "B",
            "qnew-options-1-correct": "y",
        },
        headers=HTMX,
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "<html" not in text and 'id="questions"' in text
    assert "exactly one correct option" in text and 'value="Which?"' not in text
    good = client.post(
        url,
        data={
            "qnew-prompt": "Which?",
            "qnew-kind": "single",
            "qnew-options-0-text": "A",
            "qnew-options-0-correct": "y",
            "qnew-options-0-explanation": "Because.",
            "qnew-options-1-text": "B",
        },
    )
    assert good.status_code == 303
    with app.app_context():
        question = db.session.scalar(select(Question))
        assert question is not None and [o.text for o in question.options] == ["A", "B"]
        qid = question.id
    prefix = f"q{qid}"
    updated = client.post(
        f"/author/questions/{qid}",
        data={
            f"{prefix}-prompt": "Which ones?",
            f"{prefix}-kind": "multiple",
            f"{prefix}-options-0-text": "A",
            f"{prefix}-options-0-correct": "y",
            f"{prefix}-options-1-text": "B",
            f"{prefix}-options-1-correct": "y",
            f"{prefix}-options-2-text": "C",
        },
        headers=HTMX,
    )
    text = updated.get_data(as_text=True)
    assert updated.status_code == 200 and f'id="question-{qid}"' in text and "<html" not in text
    with app.app_context():
        question = db.session.get(Question, qid)
        assert question is not None and question.kind == QuestionKind.MULTIPLE
        assert [(o.text, o.correct) for o in question.options] == [
            ("A", True),
            ("B", True),
            ("C", False),
        ]
    second = client.post(
        url,
        data={
            "qnew-prompt": "Second?",
            "qnew-options-0-text": "Yes",
            "qnew-options-0-correct": "y",
            "qnew-options-1-text": "No",
        },
    )
    assert second.status_code == 303
    moved = client.post(f"/author/questions/{qid}/move", data={"direction": "down"}, headers=HTMX)
    assert moved.get_data(as_text=True).index("Second?") < moved.get_data(as_text=True).index(
        "Which ones?"
    )
    assert client.post(f"/author/questions/{qid}/delete").status_code == 303
    with app.app_context():
        assert [q.prompt for q in db.session.scalars(select(Question))] == ["Second?"]


def test_lesson_settings_and_lessons_added_through_the_page(app, client, auth, cast):
    module_id = build_module(app, cast.admin, "Brand", lessons=1)
    auth.login(cast.admin.email)
    added = client.post(f"/author/modules/{module_id}/lessons", data={"new-lesson-title": "Two"})
    assert added.status_code == 303
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Two"))
        assert lesson is not None and lesson.position == 1
        lesson_id = lesson.id
    assert added.headers["Location"] == f"/author/lessons/{lesson_id}"
    blank = client.post(f"/author/modules/{module_id}/lessons", data={"new-lesson-title": " "})
    assert blank.status_code == 200 and "Give the lesson a title." in blank.get_data(as_text=True)
    fragment = client.post(
        f"/author/lessons/{lesson_id}", data={"title": "Two!", "pass_mark": "80"}, headers=HTMX
    )
    assert fragment.status_code == 200 and 'id="lesson-form"' in fragment.get_data(as_text=True)
    bad = client.post(f"/author/lessons/{lesson_id}", data={"title": "Two", "pass_mark": "120"})
    assert bad.status_code == 200 and "Please correct" in bad.get_data(as_text=True)
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson is not None and (lesson.title, lesson.pass_mark) == ("Two!", 80)
    assert client.post(f"/author/lessons/{lesson_id}/delete", headers=HTMX).status_code == 200
    with app.app_context():
        assert db.session.get(Lesson, lesson_id) is None


def test_learning_paths_pages(app, client, auth, cast):
    ids = [build_module(app, cast.admin, f"M{n}") for n in range(2)]
    auth.login(cast.admin.email)
    assert client.get("/author/paths").status_code == 200
    assert client.post("/author/paths", data={"title": ""}).status_code == 200
    created = client.post("/author/paths", data={"title": "Starter", "summary": "First steps"})
    assert created.status_code == 303
    with app.app_context():
        path_id = db.session.scalar(select(LearningPath.id))
    for module_id in ids:
        client.post(f"/author/paths/{path_id}/modules", data={"module_id": str(module_id)})
    fragment = client.post(
        f"/author/paths/{path_id}/modules/{ids[1]}/move", data={"direction": "up"}, headers=HTMX
    )
    text = fragment.get_data(as_text=True)
    assert 'id="path-modules"' in text and text.index("M1") < text.index("M0")
    refused = client.post(f"/author/paths/{path_id}/publish")
    assert refused.status_code == 303
    assert "Publish these modules first" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    for module_id in ids:
        client.post(f"/author/modules/{module_id}/publish")
    client.post(f"/author/paths/{path_id}/publish")
    with app.app_context():
        path = db.session.get(LearningPath, path_id)
        assert path is not None and path.status == Status.PUBLISHED
        assert [s.module_id for s in path.steps] == [ids[1], ids[0]]
    client.post(f"/author/paths/{path_id}/modules/{ids[0]}/remove")
    assert client.post(f"/author/paths/{path_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(LearningPath, path_id) is None
        assert db.session.scalar(select(func.count()).select_from(Module)) == 2
    auth.logout()
    auth.login(cast.leader.email)
    assert client.get("/author/paths").status_code == 403
