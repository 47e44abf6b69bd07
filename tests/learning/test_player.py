"""Playing lessons: answering, scoring, retrying, completing once, and the events it emits."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.events import subscribe
from portal.learning import player, review
from portal.learning.catalogue import get_lesson
from portal.learning.events import (
    LessonCompleted,
    ModuleCompleted,
    PathCompleted,
    QuizAnswered,
    QuizPassed,
)
from portal.learning.records import (
    Assignment,
    LessonCompletion,
    ModuleCompletion,
    PathCompletion,
    QuizAttempt,
    ReviewItem,
)
from tests.learning.factories import build_module, build_path

SEEN: list[object] = []


@subscribe(QuizAnswered)
@subscribe(QuizPassed)
@subscribe(LessonCompleted)
@subscribe(ModuleCompleted)
@subscribe(PathCompleted)
def _record(event: object) -> None:
    SEEN.append(event)


@pytest.fixture(autouse=True)
def _clear_events():  # type: ignore[no-untyped-def]
    SEEN.clear()
    yield
    SEEN.clear()


def _answer_all(user, lesson, built, right: int) -> player.AnswerResult:  # type: ignore[no-untyped-def]
    """Answer every question of `lesson`, the first `right` of them correctly."""
    result = None
    for i, question in enumerate(lesson.questions):
        good, bad = built.options[question.id]
        result = player.answer(user, lesson, question.id, good if i < right else bad[:1])
    assert result is not None
    return result


def test_passing_the_quiz_completes_the_lesson_once_with_events(app, people):
    built = build_module(app, lessons=2, questions=2)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        result = _answer_all(user, lesson, built, right=2)
        db.session.commit()
        assert result.finished and result.passed and result.score == 100
        assert result.completion is not None and result.completion.lesson_completed
        assert not result.completion.module_completed  # one lesson of two
        assert player.complete_lesson(user, lesson).lesson_completed is False  # again: nothing
        db.session.commit()
        assert db.session.query(LessonCompletion).filter_by(user_id=user.id).count() == 1
    kinds = [type(e).__name__ for e in SEEN]
    assert kinds == ["QuizAnswered", "QuizAnswered", "QuizPassed", "LessonCompleted"]


def test_failing_then_retrying(app, people):
    built = build_module(app, lessons=1, questions=2)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        failed = _answer_all(user, lesson, built, right=0)
        assert failed.finished and not failed.passed and failed.score == 0
        with pytest.raises(player.AnswerRejected, match="closed"):
            player.answer(
                user, lesson, lesson.questions[0].id, built.options[lesson.questions[0].id][0]
            )
        with pytest.raises(player.AnswerRejected, match="Pass the quiz"):
            player.complete_lesson(user, lesson)
        second = player.retry_quiz(user, lesson)
        assert second.number == 2
        passed = _answer_all(user, lesson, built, right=1)  # 50% meets the pass mark of 50
        db.session.commit()
        assert passed.passed and passed.score == 50
        assert passed.completion and passed.completion.module_completed
        with pytest.raises(player.AnswerRejected, match="passed this quiz already"):
            player.retry_quiz(user, lesson)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other question's option", "does not belong"),
        ("no option", "Choose an answer"),
        ("unknown question", "not part of this lesson"),
        ("two options on a single question", "Choose one answer"),
        ("answered twice", "answered this question already"),
    ],
)
def test_bad_answers_are_rejected_and_change_nothing(app, people, case, message):
    built = build_module(app, lessons=2, questions=2)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        q1, q2 = lesson.questions
        other_lesson_q = built.question_ids[1][0]
        if case == "answered twice":
            player.answer(user, lesson, q1.id, built.options[q1.id][0])
            db.session.commit()
        before = (
            db.session.query(QuizAttempt).count(),
            len(player.answered(player.latest_attempt(user, lesson))),
        )
        args = {
            "other question's option": (q1.id, built.options[q2.id][0]),
            "no option": (q1.id, []),
            "unknown question": (other_lesson_q, built.options[other_lesson_q][0]),
            "two options on a single question": (
                q1.id,
                built.options[q1.id][0] + built.options[q1.id][1][:1],
            ),
            "answered twice": (q1.id, built.options[q1.id][1][:1]),
        }[case]
        with pytest.raises(player.AnswerRejected, match=message):
            player.answer(user, lesson, *args)
        db.session.rollback()
        after = (
            db.session.query(QuizAttempt).count(),
            len(player.answered(player.latest_attempt(user, lesson))),
        )
        assert after == before


def test_multiple_choice_needs_every_right_option(app, people):
    built = build_module(app, lessons=1, questions=1, multiple=True)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        q = lesson.questions[0]
        right, _ = built.options[q.id]
        assert len(right) == 2
        result = player.answer(user, lesson, q.id, right[:1])
        assert result.correct is False
        player.retry_quiz(user, lesson)
        assert player.answer(user, lesson, q.id, right).correct is True


def test_finishing_every_lesson_completes_module_path_and_assignment(app, people):
    first = build_module(app, title="First module", lessons=1, questions=1)
    second = build_module(app, title="Second module", lessons=1, questions=0)
    path_id = build_path(app, "Starter", [first.module_id, second.module_id])
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        db.session.add(Assignment(user_id=user.id, path_id=path_id))
        db.session.add(Assignment(user_id=user.id, module_id=second.module_id))
        db.session.commit()
        lesson = get_lesson(user, first.lesson_ids[0])
        _answer_all(user, lesson, first, right=1)
        no_quiz = get_lesson(user, second.lesson_ids[0])
        result = player.complete_lesson(user, no_quiz)
        db.session.commit()
        assert result.module_completed and result.paths_completed == [path_id]
        assert db.session.query(ModuleCompletion).filter_by(user_id=user.id).count() == 2
        assert db.session.query(PathCompletion).filter_by(user_id=user.id).count() == 1
        assert all(a.completed_at is not None for a in db.session.query(Assignment))
    assert [type(e).__name__ for e in SEEN].count("ModuleCompleted") == 2
    assert [type(e).__name__ for e in SEEN].count("PathCompleted") == 1


def test_two_tabs_completing_at_once_record_one_completion(app, people):
    built = build_module(app, lessons=2, questions=0)
    person = people.person()
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def complete() -> None:
        try:
            barrier.wait()
            with app.app_context():
                user = db.session.get(User, person.id)
                lesson = get_lesson(user, built.lesson_ids[0])
                outcomes.append(player.complete_lesson(user, lesson).lesson_completed)
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == [False] * 7 + [True]
    with app.app_context():
        assert db.session.query(LessonCompletion).count() == 1
    assert [type(e).__name__ for e in SEEN] == ["LessonCompleted"]


def test_resume_where_you_left_off(app, people):
    built = build_module(app, lessons=1, cards=3, questions=1)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        assert player.current_step(user, lesson) == 0
        assert player.go_to_step(user, lesson, 2) == 2
        assert player.go_to_step(user, lesson, 99) == 3  # clamped: the quiz step
        assert player.go_to_step(user, lesson, -5) == 0
        player.go_to_step(user, lesson, 1)
        db.session.commit()
    with app.app_context():  # another device: a new session
        user = db.session.get(User, person.id)
        assert player.current_step(user, get_lesson(user, built.lesson_ids[0])) == 1


def test_wrong_answers_come_back_after_1_3_10_30_days(app, people):
    built = build_module(app, lessons=1, questions=1)
    person = people.person()
    start = utcnow()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        q = lesson.questions[0]
        right, wrong = built.options[q.id]
        with time_machine.travel(start, tick=False):
            player.answer(user, lesson, q.id, wrong[:1])
        db.session.commit()
        assert review.due_items(user, start) == []
        item = db.session.query(ReviewItem).one()

        def due_after(days: float) -> bool:
            return bool(review.due_items(user, start + timedelta(days=days)))

        assert not due_after(0.9) and due_after(1)
        expected_gaps = [3, 10, 30]
        moment = start + timedelta(days=1)
        for gap in expected_gaps:
            with time_machine.travel(moment, tick=False):
                outcome = review.answer_review(user, item.id, right, moment)
                db.session.commit()
            assert outcome.correct
            assert outcome.next_due == moment + timedelta(days=gap)
            moment = moment + timedelta(days=gap)
        # The last right answer retires the question.
        outcome = review.answer_review(user, item.id, right, moment)
        db.session.commit()
        assert outcome.next_due is None
        assert review.due_items(user, moment + timedelta(days=400)) == []


def test_a_wrong_review_answer_goes_back_to_the_first_interval(app, people):
    built = build_module(app, lessons=1, questions=1)
    person = people.person()
    start = utcnow()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        q = lesson.questions[0]
        right, wrong = built.options[q.id]
        with time_machine.travel(start, tick=False):
            player.answer(user, lesson, q.id, wrong[:1])
        item = db.session.query(ReviewItem).one()
        day1 = start + timedelta(days=1)
        review.answer_review(user, item.id, right, day1)  # stage 1: +3 days
        day4 = day1 + timedelta(days=3)
        outcome = review.answer_review(user, item.id, wrong[:1], day4)
        assert not outcome.correct
        assert outcome.next_due == day4 + timedelta(days=1)
        with pytest.raises(review.ReviewRejected, match="not due"):
            review.answer_review(user, item.id, right, day4)  # not due again yet


def test_review_rejects_another_persons_item(app, people):
    built = build_module(app, lessons=1, questions=1)
    mine, theirs = people.person(), people.person()
    with app.app_context():
        them = db.session.get(User, theirs.id)
        lesson = get_lesson(them, built.lesson_ids[0])
        q = lesson.questions[0]
        player.answer(them, lesson, q.id, built.options[q.id][1][:1])
        db.session.commit()
        item = db.session.query(ReviewItem).one()
        me = db.session.get(User, mine.id)
        with pytest.raises(review.ReviewRejected):
            review.answer_review(me, item.id, built.options[q.id][0], utcnow() + timedelta(days=2))


def test_an_attempt_left_open_by_a_removed_question_can_still_be_scored(app, people):
    from portal.learning.models import Question

    built = build_module(app, lessons=1, questions=3)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        for q in lesson.questions[:2]:
            player.answer(user, lesson, q.id, built.options[q.id][0])
        db.session.commit()
        db.session.delete(
            db.session.get(Question, built.question_ids[0][2])
        )  # an author removes it
        db.session.commit()
        lesson = get_lesson(user, built.lesson_ids[0])
        attempt = player.retry_quiz(user, lesson)  # "See my result"
        db.session.commit()
        assert attempt.finished_at is not None and attempt.passed and attempt.score == 100
        assert player.is_completed(user, lesson)


def test_two_tabs_finishing_two_lessons_at_once_complete_the_module(app, people):
    built = build_module(app, lessons=2, questions=0)
    person = people.person()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def finish(lesson_id: int) -> None:
        try:
            barrier.wait()
            with app.app_context():
                user = db.session.get(User, person.id)
                player.complete_lesson(user, get_lesson(user, lesson_id))
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(lid,)) for lid in built.lesson_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.query(LessonCompletion).count() == 2
        assert db.session.query(ModuleCompletion).count() == 1
