"""Forms of the insights pages, and reading the date range from a query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from portal.accounts.forms import options
from portal.insights.goals import GOAL_METRICS, MAX_TARGET
from portal.insights.models import GoalPeriod
from portal.insights.scopes import Period

PRESETS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "365": "Last 12 months"}
DEFAULT_PRESET = "30"
MAX_DAYS = 731  # two years
EARLIEST = date(2000, 1, 1)
DATE = {"type": "date"}  # a date picker, read as ISO text
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "INR"]


@dataclass(frozen=True)
class RangeChoice:
    """The range a dashboard shows, the preset it came from ("custom" if none), and any error."""

    period: Period
    preset: str
    error: str | None = None

    @property
    def args(self) -> dict[str, str]:
        """Query arguments that give this range again."""
        if self.preset != "custom":
            return {"days": self.preset}
        return {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}


def _day(value: str | None) -> date | None:
    if not value or len(value) > 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def preset_period(preset: str, today: date) -> Period:
    return Period(today - timedelta(days=int(preset) - 1), today)


def read_range(args: Mapping[str, str], today: date) -> RangeChoice:
    """The range from `days` (a preset) or `start` and `end`; never fails, says what it fixed.

    `days=custom` (or no `days`) with both dates gives those dates, clamped to
    today and to two years; anything unreadable falls back to the last 30 days.
    """
    preset = args.get("days") or ("custom" if args.get("start") or args.get("end") else "")
    if preset in PRESETS:
        return RangeChoice(preset_period(preset, today), preset)
    if preset != "custom":
        return RangeChoice(preset_period(DEFAULT_PRESET, today), DEFAULT_PRESET)
    start, end = _day(args.get("start")), _day(args.get("end"))
    if start is None or end is None:
        return RangeChoice(
            preset_period(DEFAULT_PRESET, today),
            DEFAULT_PRESET,
            "Enter both dates (from and to): showing the last 30 days.",
        )
    error = None
    if start > end:
        start, end = end, start
        error = "The dates were the wrong way round: swapped them."
    if end > today:
        end = today
        error = "Figures stop at today."
    start = max(EARLIEST, min(start, end))
    if (end - start).days + 1 > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
        error = "At most two years at a time: showing the two years up to the end date."
    return RangeChoice(Period(start, end), "custom", error)


class GoalForm(FlaskForm):
    """A goal: what it counts, how often it starts again, the target, and whose it is."""

    metric = SelectField(
        "What counts", choices=options(list((k, m.label) for k, m in GOAL_METRICS.items()))
    )
    period = SelectField("Period", choices=options([(p.value, p.label) for p in GoalPeriod]))
    target = IntegerField(
        "Target",
        validators=[
            InputRequired(message="Set a target of at least 1."),
            NumberRange(1, MAX_TARGET, message="Set a target of at least 1."),
        ],
        description="Percentages up to 100; earned media value in whole currency units.",
    )
    team_id = SelectField("For", coerce=int, choices=[], validate_choice=False)


class SettingsForm(FlaskForm):
    """What a click is worth, in which currency, and which path the emerging are given."""

    click_value = StringField(
        "Value of one click",
        validators=[
            DataRequired(message="Enter an amount such as 1.50."),
            Length(max=12),
            Regexp(r"^\d{1,7}([.,]\d{1,2})?$", message="Enter an amount such as 1.50."),
        ],
        description="Earned media value is clicks times this amount.",
    )
    currency = SelectField("Currency", choices=options([(c, c) for c in CURRENCIES]))
    starter_path_id = SelectField(
        "Starter path for the emerging", coerce=int, choices=[], validate_choice=False
    )


class DeleteAccountForm(FlaskForm):
    """Deleting an account needs the person's email typed again."""

    confirm_email = StringField(
        "Type the person's email address to confirm",
        validators=[DataRequired(message="Type the email address to confirm."), Length(max=254)],
    )


def cents(value: str) -> int:
    """An amount typed as "1.5", "1,50" or "2" in cents."""
    whole, _, fraction = value.replace(",", ".").partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


class RecomputeForm(FlaskForm):
    """Rebuild the roll-ups of a range of days now (admins)."""

    start = StringField("From", [DataRequired(message="Choose the first day.")], render_kw=DATE)
    end = StringField("To", [DataRequired(message="Choose the last day.")], render_kw=DATE)

    def days(self, today: date) -> tuple[date, date] | None:
        """The two dates, checked (in order, not after today, at most two years); else None."""
        start, end = _day(self.start.data), _day(self.end.data)
        if start is None or end is None:
            self.start.errors = [*self.start.errors, "Enter both dates."]
            return None
        if start > end or end > today or (end - start).days + 1 > MAX_DAYS or start < EARLIEST:
            self.end.errors = [
                *self.end.errors,
                "The first day must come before the last, no later than today, "
                "at most two years apart.",
            ]
            return None
        return start, end
