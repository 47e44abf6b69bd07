"""Playing a whole lesson with its quiz in Chromium, by keyboard and pointer, on a phone and a desk."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.learning.factories import build_module


def _start_first_lesson(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Learn", exact=True).click()
    page.get_by_role("link", name="Browse all modules").click()
    page.get_by_label("Search modules").fill("Personal brand basics")
    page.get_by_role("link", name="Personal brand basics").first.click()
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal brand basics lesson 1")


def test_play_a_lesson_fail_the_quiz_retry_and_finish(app, demo, new_context, console_errors):
    build_module(app, lessons=2, cards=2, questions=2)
    page = new_context().new_page()
    log_in(page, "sam@example.com", DEMO_PASSWORD)
    _start_first_lesson(page)
    marker = page.evaluate("() => (window.__sameDocument = Math.random())")

    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    page.get_by_role("button", name="Take the quiz").click()
    expect(page.get_by_role("heading", name="Quiz")).to_be_visible()

    # Answer both questions wrongly: feedback at once, then the failed result.
    for number in (1, 2):
        question = page.locator(".question").filter(has_text=f"Question {number} of lesson 1?")
        question.get_by_label("Wrong A").check()
        question.get_by_role("button", name="Check answer").click()
        expect(question.get_by_text("Not quite.")).to_be_visible()
        if number == 1:  # focus moves to the verdict, not back to the top of the page
            expect(question.locator(".question__verdict")).to_be_focused()
        expect(question.get_by_text("Because.")).to_be_visible()  # the right option's explanation
    expect(page.get_by_text("0%: not quite there yet.")).to_be_visible()
    expect(page.locator("#quiz-result")).to_be_focused()  # the last answer: focus on the result

    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("attempt 2")).to_be_visible()
    for number in (1, 2):
        question = page.locator(".question").filter(has_text=f"Question {number} of lesson 1?")
        question.get_by_label(f"Right {number}").check()
        question.get_by_role("button", name="Check answer").click()
        expect(question.get_by_text("Right.", exact=True)).to_be_visible()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    # Everything so far happened without a full page load.
    assert page.evaluate("() => window.__sameDocument") == marker

    page.get_by_role("link", name="See what you earned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson complete!")
    expect(page.get_by_text("1 of 2 lessons done").first).to_be_visible()
    expect(
        page.get_by_role("link", name="Next lesson: Personal brand basics lesson 2")
    ).to_be_visible()
    assert console_errors == []


def test_resume_on_another_device_and_play_by_keyboard_on_a_phone(
    app, demo, new_context, console_errors
):
    build_module(app, lessons=1, cards=3, questions=1)
    laptop = new_context().new_page()
    log_in(laptop, "jordan@example.com", DEMO_PASSWORD)
    _start_first_lesson(laptop)
    laptop.get_by_role("button", name="Next").click()
    expect(laptop.get_by_text("Step 2 of 4")).to_be_visible()

    phone = new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    log_in(phone, "jordan@example.com", DEMO_PASSWORD)
    phone.goto(laptop.url)
    expect(phone.get_by_text("Step 2 of 4")).to_be_visible()  # resumed where the laptop left off
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390

    # Keyboard only: focus lands on the lesson heading after each step.
    phone.get_by_role("button", name="Next").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("Step 3 of 4")).to_be_visible()
    expect(phone.locator("#lesson-title")).to_be_focused()
    phone.get_by_role("button", name="Take the quiz").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Quiz")).to_be_visible()
    expect(phone.locator("#lesson-title")).to_be_focused()  # the swap has settled
    radio = phone.get_by_label("Right 1")
    radio.focus()
    phone.keyboard.press("Space")
    expect(radio).to_be_checked()
    phone.get_by_role("button", name="Check answer").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("You passed with 100%.")).to_be_visible()
    assert console_errors == []
