"""The points history names what each award was for, with a link to it."""

from __future__ import annotations

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification.points import award_points
from portal.gamification.subjects import describe
from tests.learning.factories import build_module, build_path


def test_history_names_lessons_paths_and_questions(app, client, auth, people):
    person = people.person(email="eve@example.com", name="Eve")
    built = build_module(app, title="Finding your following", lessons=1, questions=1)
    path_id = build_path(app, "Starter path", [built.module_id])
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        lesson_id = built.lesson_ids[0]
        question_id = built.question_ids[0][0]
        award_points(user, "lesson_completed", f"lesson:{lesson_id}", utcnow())
        award_points(user, "quiz_answer_correct", f"question:{question_id}", utcnow())
        award_points(user, "path_completed", f"path:{path_id}", utcnow())
        db.session.commit()
    auth.login(person.email)

    html = client.get("/points").get_data(as_text=True)

    assert f'href="/learn/lessons/{lesson_id}"' in html
    assert f'href="/learn/paths/{path_id}">Starter path</a>' in html
    assert "A question in “" in html
    assert f"lesson:{lesson_id}<" not in html  # no raw subject keys where a title is known


def test_unknown_and_malformed_subjects_are_left_out(app):
    with app.app_context():
        assert describe(["lesson:999999", "lesson:abc", "nothing", "by:3", ""]) == {}
