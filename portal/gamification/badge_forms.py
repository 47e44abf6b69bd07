"""Forms of the badge admin (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.accounts.forms import options
from portal.gamification.activity import METRICS
from portal.gamification.badge_art import ICONS, PALETTE
from portal.gamification.badges import KINDS

NEEDS_THRESHOLD = ("metric", "streak", "points", "league")


class BadgeForm(FlaskForm):
    """A badge's words, look and rule. Metric and path choices are read when the form is made:
    other domains register their metrics at import, and paths come and go."""

    name = StringField(
        "Name", validators=[DataRequired(message="Give the badge a name."), Length(max=80)]
    )
    description = TextAreaField(
        "Description",
        validators=[DataRequired(message="Say what the badge stands for."), Length(max=500)],
        description="One or two sentences: what holding this badge says about someone.",
    )
    criteria_text = TextAreaField(
        "Criteria",
        validators=[Optional(), Length(max=1000)],
        description="How to earn it, in words (Markdown). Leave empty to use the rule in words.",
    )
    icon = RadioField("Icon", choices=options(list(ICONS.items())), default="star")
    colour = RadioField(
        "Colour", choices=options([(k, v[0]) for k, v in PALETTE.items()]), default="amber"
    )
    kind = SelectField("Earned for", choices=options(list(KINDS.items())), default="metric")
    metric = SelectField(
        "What is counted", choices=[], validate_choice=False, default="lessons_completed"
    )
    path_id = SelectField("Learning path", choices=[], validate_choice=False)
    threshold = IntegerField(
        "Number (N)",
        validators=[Optional(), NumberRange(1, 1_000_000)],
        default=1,
        description="Times, days, points, or the rank to reach or beat (1 = first place).",
    )

    def __init__(self, *args: Any, paths: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.metric.choices = options(sorted(METRICS.items(), key=lambda kv: kv[1]))
        self.path_id.choices = options([("", "Choose a path"), *(paths or [])])

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then what the chosen kind of rule needs."""
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind in NEEDS_THRESHOLD and self.threshold.data is None and not self.threshold.errors:
            self.threshold.errors = [*self.threshold.errors, "Give a number from 1 up."]
            ok = False
        if kind == "metric" and self.metric.data not in METRICS:
            self.metric.errors = [*self.metric.errors, "Pick what is counted."]
            ok = False
        if kind == "path" and not (self.path_id.data or "").isdigit():
            self.path_id.errors = [*self.path_id.errors, "Pick a learning path."]
            ok = False
        return ok


class RevokeForm(FlaskForm):
    """Why an issued badge is taken back (published in its assertion)."""

    reason = StringField(
        "Reason",
        validators=[
            DataRequired(message="Give a reason: it is published with the badge."),
            Length(max=500),
        ],
    )
