"""Learning pages through the client: full pages, htmx fragments, audiences and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.learning.models import Status
from portal.learning.records import Assignment, LessonCompletion, QuizAnswer, ReviewItem
from tests.conftest import HTMX
from tests.learning.factories import build_module, build_path


@pytest.fixture
def learner(client, auth, people):  # type: ignore[no-untyped-def]
    person = people.person(name="Lee Learner")
    auth.login(person.email)
    return person


def test_lesson_page_and_stepping_with_htmx(app, client, learner):
    built = build_module(app, lessons=1, cards=2, questions=1)
    lesson_url = f"/learn/lessons/{built.lesson_ids[0]}"
    page = client.get(lesson_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Step 1 of 3" in html and "<strong>this</strong>" in html

    fragment = client.post(f"{lesson_url}/step", data={"step": "1"}, headers=HTMX)
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "Step 2 of 3" in text and "Take the quiz" in text

    # Resuming on another device (a new client, same person) lands on step 2.
    assert "Step 2 of 3" in client.get(lesson_url).get_data(as_text=True)
    without_js = client.post(f"{lesson_url}/step", data={"step": "2"})
    assert without_js.status_code == 303
    assert "Quiz" in client.get(lesson_url).get_data(as_text=True)
    assert client.post(f"{lesson_url}/step", data={"step": "x"}).status_code == 400


def test_answering_returns_the_feedback_fragment(app, client, learner):
    built = build_module(app, lessons=1, questions=2)
    lesson_id = built.lesson_ids[0]
    q1, q2 = built.question_ids[0]
    right, wrong = built.options[q1]
    response = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q1}", data={"option": wrong[:1]}, headers=HTMX
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<div class="question question--wrong"')
    assert "Not quite." in text and "Because." in text and "Not this." in text
    assert "<html" not in text

    # The last answer closes the attempt: the whole player comes back with the result.
    last = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q2}",
        data={"option": built.options[q2][0]},
        headers=HTMX,
    )
    body = last.get_data(as_text=True)
    assert "You passed with 50%." in body and 'id="quiz-result"' in body
    assert last.headers["HX-Retarget"] == "#player" and last.headers["HX-Reswap"] == "innerHTML"
    with app.app_context():
        assert db.session.query(LessonCompletion).count() == 1


def test_a_rejected_answer_rerenders_the_question_with_the_reason(app, client, learner):
    built = build_module(app, lessons=1, questions=2)
    lesson_id = built.lesson_ids[0]
    q1, q2 = built.question_ids[0]
    other = built.options[q2][0]
    response = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q1}", data={"option": other}, headers=HTMX
    )
    assert response.status_code == 422
    assert b"That answer does not belong to this question." in response.data
    assert b'aria-invalid="true"' in response.data
    missing = client.post(f"/learn/lessons/{lesson_id}/questions/{q1}", data={}, headers=HTMX)
    assert missing.status_code == 422 and b"Choose an answer first." in missing.data
    assert (
        client.post(f"/learn/lessons/{lesson_id}/questions/{q1}", data={"option": "x"}).status_code
        == 400
    )
    with app.app_context():
        assert db.session.query(QuizAnswer).count() == 0


def test_failed_quiz_can_be_retried(app, client, learner):
    built = build_module(app, lessons=1, questions=1)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    failed = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][1][:1]},
        headers=HTMX,
    )
    assert b"not quite there yet" in failed.data and b"Try again" in failed.data
    retry = client.post(f"/learn/lessons/{lesson_id}/retry", headers=HTMX)
    assert retry.status_code == 200
    assert b"attempt 2" in retry.data and b"Check answer" in retry.data
    passed = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][0]},
        headers=HTMX,
    )
    assert b"You passed with 100%." in passed.data
    done = client.get(f"/learn/lessons/{lesson_id}/done")
    assert done.status_code == 200
    assert b"Module complete!" in done.data and b"on attempt 2" in done.data
    # 2 for the right answer, 10 for passing, 20 for the lesson, 50 for the module.
    assert b"+82" in done.data and b"82 in all" in done.data


def test_a_lesson_without_a_quiz_completes_from_its_last_card(app, client, learner):
    built = build_module(app, lessons=2, cards=1, questions=0)
    lesson_id = built.lesson_ids[0]
    assert b"Complete lesson" in client.get(f"/learn/lessons/{lesson_id}").data
    assert client.get(f"/learn/lessons/{lesson_id}/done").status_code == 303  # not yet
    response = client.post(f"/learn/lessons/{lesson_id}/complete")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/learn/lessons/{lesson_id}/done"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lesson complete!" in page and "1 of 2 lessons done" in page and "Next lesson" in page
    client.post(f"/learn/lessons/{lesson_id}/complete")  # a double click
    with app.app_context():
        assert db.session.query(LessonCompletion).count() == 1


def test_a_quiz_lesson_cannot_be_completed_without_passing(app, client, learner):
    built = build_module(app, lessons=1, questions=1)
    response = client.post(f"/learn/lessons/{built.lesson_ids[0]}/complete")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(LessonCompletion).count() == 0


@pytest.mark.parametrize("case", ["draft", "other team"])
def test_content_outside_the_audience_is_a_404(app, client, people, auth, case):
    mine, other = people.team("Mine"), people.team("Other")
    person = people.person(team=mine)
    auth.login(person.email)
    if case == "draft":
        built = build_module(app, status=Status.DRAFT)
    else:
        built = build_module(app, teams=[other])
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    assert client.get(f"/learn/modules/{built.module_id}").status_code == 404
    assert client.get(f"/learn/lessons/{lesson_id}").status_code == 404
    assert client.post(f"/learn/lessons/{lesson_id}/step", data={"step": "1"}).status_code == 404
    assert (
        client.post(f"/learn/lessons/{lesson_id}/questions/{q}", data={"option": "1"}).status_code
        == 404
    )
    assert client.post(f"/learn/lessons/{lesson_id}/complete").status_code == 404
    assert b"All about" not in client.get("/learn/catalogue").data


def test_a_team_module_is_visible_to_that_team(app, client, people, auth):
    team = people.team("Sales")
    person = people.person(team=team)
    auth.login(person.email)
    built = build_module(app, title="Sales only", teams=[team])
    assert client.get(f"/learn/modules/{built.module_id}").status_code == 200


def test_catalogue_search_and_tag_filter(app, client, learner):
    build_module(app, title="Personal brand basics", tags=["personal brand"])
    build_module(app, title="Feeds and algorithms", tags=["algorithms"])
    full = client.get("/learn/catalogue").get_data(as_text=True)
    assert "Personal brand basics" in full and "Feeds and algorithms" in full and "<html" in full
    fragment = client.get("/learn/catalogue?q=feeds", headers=HTMX).get_data(as_text=True)
    assert "Feeds and algorithms" in fragment and "Personal brand basics" not in fragment
    assert "<html" not in fragment
    tagged = client.get("/learn/catalogue?tag=personal+brand", headers=HTMX).get_data(as_text=True)
    assert "Personal brand basics" in tagged and "Feeds and algorithms" not in tagged


def test_my_learning_shows_progress_assignments_and_reviews(app, client, learner):
    started = build_module(app, title="Started one", lessons=2, questions=1)
    build_module(app, title="Fresh one", lessons=1, questions=0)
    lesson_id, q = started.lesson_ids[0], started.question_ids[0][0]
    client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}", data={"option": started.options[q][1][:1]}
    )
    with app.app_context():
        db.session.add(
            Assignment(
                user_id=learner.id,
                module_id=started.module_id,
                due_on=date.today() - timedelta(days=1),
            )
        )
        item = db.session.query(ReviewItem).one()
        item.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get("/learn/").get_data(as_text=True)
    assert "Time for a quick review" in page
    assert "Assigned to you" in page and "Overdue" in page
    assert "Keep going" in page and "Started one" in page
    assert "Fresh one" in page


def test_review_session_page_and_answer_fragment(app, client, learner):
    built = build_module(app, lessons=1, questions=1)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}", data={"option": built.options[q][1][:1]}
    )
    assert b"Nothing to review right now." in client.get("/learn/review/").data
    with app.app_context():
        item = db.session.query(ReviewItem).one()
        item.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        item_id = item.id
    page = client.get("/learn/review/").get_data(as_text=True)
    assert "Question 1 of lesson 1?" in page and "<html" in page
    wrong_question = client.post(
        f"/learn/review/{item_id}", data={"option": "999999"}, headers=HTMX
    )
    assert wrong_question.status_code == 422
    answered = client.post(
        f"/learn/review/{item_id}", data={"option": built.options[q][0]}, headers=HTMX
    )
    text = answered.get_data(as_text=True)
    assert answered.status_code == 200 and "Right." in text and "It comes back on" in text
    assert "<html" not in text
    again = client.post(
        f"/learn/review/{item_id}", data={"option": built.options[q][0]}, headers=HTMX
    )
    assert again.status_code == 422  # no longer due: a double submit changes nothing


def test_leader_assigns_to_their_team_and_sees_lateness(app, client, auth, people):
    team, other = people.team("Blue"), people.team("Green")
    leader = people.person(role=Role.LEADER, team=team)
    member = people.person(team=team, name="Mo Member")
    outsider = people.person(team=other, name="Otto Outsider")
    built = build_module(app, title="Guidelines", lessons=1, questions=0)
    path_id = build_path(app, "Starter", [built.module_id])
    auth.login(leader.email)
    page = client.get("/learn/assignments/").get_data(as_text=True)
    assert "Mo Member" in page and "Otto Outsider" not in page
    due = (date.today() + timedelta(days=7)).isoformat()
    ok = client.post(
        "/learn/assignments/",
        data={"subject": f"module:{built.module_id}", "due_on": due, "everyone": "y"},
    )
    assert ok.status_code == 303
    refused = client.post(
        "/learn/assignments/", data={"subject": f"path:{path_id}", "people": [str(outsider.id)]}
    )
    assert refused.status_code == 403
    past = client.post(
        "/learn/assignments/",
        data={
            "subject": f"module:{built.module_id}",
            "due_on": "2001-01-01",
            "people": [str(member.id)],
        },
    )
    assert b"The due date is in the past." in past.data
    nobody = client.post("/learn/assignments/", data={"subject": f"module:{built.module_id}"})
    assert b"Choose at least one person." in nobody.data
    with app.app_context():
        rows = db.session.query(Assignment).all()
        assert sorted(a.user_id for a in rows) == sorted([leader.id, member.id])
        late = db.session.query(Assignment).filter_by(user_id=member.id).one()
        late.due_on = date.today() - timedelta(days=3)
        late.completed_at = utcnow()
        db.session.commit()
    report = client.get("/learn/assignments/").get_data(as_text=True)
    assert "Done late" in report and "Open" in report


def test_employees_cannot_assign(client, learner):
    assert client.get("/learn/assignments/").status_code == 403


def test_answer_fragment_size(app, client, learner):
    """Not a timing: the fragment must stay small (the closing note reports its size)."""
    built = build_module(app, lessons=1, questions=2)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    response = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][0]},
        headers=HTMX,
    )
    assert len(response.data) < 4000
    with app.app_context():
        assert db.session.get(User, learner.id) is not None


def test_home_page_offers_the_review_when_something_is_due(app, client, learner):
    built = build_module(app, lessons=1, questions=1)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    home = client.get("/").get_data(as_text=True)
    assert "Start learning" in home and "Start review" not in home
    client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}", data={"option": built.options[q][1][:1]}
    )
    with app.app_context():
        item = db.session.query(ReviewItem).one()
        item.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Start review" in home and "1 question you missed is due again" in home
    assert "Keep learning" in home


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '"><script>alert(1)</script>',
    "![x](javascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "[vb](vbscript:msgbox(1))",
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_card_markdown_is_sanitised_in_the_player(app, client, learner, payload):
    from portal.learning.models import Card, Lesson

    built = build_module(app, lessons=1, cards=1, questions=0)
    with app.app_context():
        lesson = db.session.get(Lesson, built.lesson_ids[0])
        card = db.session.query(Card).filter_by(lesson_id=lesson.id).one()
        card.body = f"Before {payload} after, and a [safe link](https://example.com)."
        db.session.commit()
    html = client.get(f"/learn/lessons/{built.lesson_ids[0]}").get_data(as_text=True)
    article = html.split('<article class="lesson-card prose"', 1)[1].split("</article>", 1)[0]
    tags = _elements('<article class="lesson-card prose"' + article)
    for tag, attrs in tags:
        assert tag not in {"script", "iframe", "svg", "style", "details", "object", "embed"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert (value or "").split(":", 1)[0].lower() in {"https", "http", "mailto"}, value
    assert (
        "a",
        [
            ("href", "https://example.com"),
            ("target", "_blank"),
            ("rel", "noopener noreferrer nofollow"),
        ],
    ) in tags


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag in `html` with its attributes, as a browser's parser sees them."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_learning_outside_a_persons_audience_cannot_be_assigned_to_them(app, client, auth, people):
    eng, marketing = people.team("Engineering"), people.team("Marketing")
    admin = people.person(role=Role.ADMIN)
    sam = people.person(team=marketing, name="Sam Marketing")
    built = build_module(app, title="Eng secret module", teams=[eng])
    auth.login(admin.email)
    response = client.post(
        "/learn/assignments/",
        data={"subject": f"module:{built.module_id}", "people": [str(sam.id)]},
    )
    assert response.status_code == 200
    assert b"Not published for Sam Marketing" in response.data
    with app.app_context():
        assert db.session.query(Assignment).count() == 0
        # One made earlier, before the module was retargeted, does not show to Sam.
        db.session.add(Assignment(user_id=sam.id, module_id=built.module_id))
        db.session.commit()
    assert b"unavailable" not in client.get("/learn/assignments/").data
    assert b"Not available to them" in client.get("/learn/assignments/").data
    auth.logout()
    auth.login(sam.email)
    assert b"Eng secret module" not in client.get("/learn/").data


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("get", "/learn/lessons/99999999999999999999", None, 404),
        ("get", "/learn/modules/99999999999999999999", None, 404),
        ("post", "/learn/lessons/{lesson}/questions/{question}", {"option": "²"}, 400),
        ("post", "/learn/lessons/{lesson}/questions/{question}", {"option": "9" * 30}, 400),
        ("post", "/learn/lessons/{lesson}/step", {"step": "²"}, 400),
        ("post", "/learn/review/1", {"option": "²"}, 400),
    ],
)
def test_malformed_ids_are_4xx_not_500(app, client, learner, method, path, data, status):
    built = build_module(app, lessons=1, questions=1)
    url = path.format(lesson=built.lesson_ids[0], question=built.question_ids[0][0])
    response = getattr(client, method)(url, data=data) if data else getattr(client, method)(url)
    assert response.status_code == status


def test_malformed_assignment_ids_are_4xx(app, client, auth, people):
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)
    built = build_module(app)
    huge = "9" * 30
    assert (
        client.post(
            "/learn/assignments/", data={"subject": f"module:{huge}", "people": ["1"]}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/learn/assignments/", data={"subject": f"module:{built.module_id}", "people": ["²"]}
        ).status_code
        == 400
    )


def test_answering_a_closed_attempt_keeps_the_feedback_and_says_why(app, client, learner):
    built = build_module(app, lessons=1, questions=1)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}", data={"option": built.options[q][1][:1]}
    )
    again = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][0]},
        headers=HTMX,
    )
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "This attempt is closed" in text and "Not quite." in text
