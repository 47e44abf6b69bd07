"""Forms of the points admin (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional


class RuleForm(FlaskForm):
    """One rule's points, daily cap, cooldown and on/off switch.

    Several of these share a page under different prefixes, so the form's own
    (prefixed) CSRF field is off: the app-wide CSRFProtect checks `csrf_token`.
    """

    class Meta:
        csrf = False

    points = IntegerField("Points", validators=[InputRequired(), NumberRange(0, 1000)])
    daily_cap = IntegerField(
        "Daily cap",
        validators=[Optional(), NumberRange(1, 1000)],
        description="Awards per person per day; leave empty for no cap.",
    )
    cooldown_seconds = IntegerField(
        "Cooldown (seconds)", validators=[InputRequired(), NumberRange(0, 86400)]
    )
    active = BooleanField("Active")


class AdjustmentForm(FlaskForm):
    """An admin's correction to someone's points, with the reason for the audit trail."""

    email = EmailField("Person's email", validators=[DataRequired(), Email(), Length(max=254)])
    points = IntegerField(
        "Points",
        validators=[InputRequired(), NumberRange(-100_000, 100_000)],
        description="Negative to take points away.",
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message="Give a reason: it is kept in the audit trail."),
                    Length(max=500)],
    )  # fmt: skip
