"""Forms of the notifications domain: preferences and nudges (Flask-WTF: CSRF on each)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField
from wtforms.validators import DataRequired

from portal.accounts.forms import options, timezone_choices
from portal.notifications import preferences as prefs

HOURS = options([(h, f"{h:02d}:00") for h in range(24)])


class PreferencesForm(FlaskForm):
    """Digest, quiet hours and time zone; a pair of checkboxes per topic is added per request."""

    digest = RadioField(
        "Digest email",
        choices=options(list(prefs.DIGEST_CHOICES.items())),
        validators=[DataRequired()],
    )
    quiet_hours = BooleanField("Hold emails during quiet hours")
    quiet_from = SelectField("From", coerce=int, choices=HOURS)
    quiet_to = SelectField("Until", coerce=int, choices=HOURS)
    timezone = SelectField("Time zone", validators=[DataRequired()])

    def topic_fields(self) -> list[tuple[str, str, Any, Any]]:
        """(topic, label, in-app field, email field) for each topic, in the form's order."""
        return [
            (topic, label, self[f"{topic}__in_app"], self[f"{topic}__email"])
            for topic, label in prefs.topics()
        ]

    def topic_groups(self) -> list[tuple[str, list[tuple[str, str, Any, Any]]]]:
        """The topic fields under their headings ("Reminders", "News and nudges")."""
        return [
            (
                heading,
                [
                    (topic, label, self[f"{topic}__in_app"], self[f"{topic}__email"])
                    for topic, label in group
                ],
            )
            for heading, group in prefs.topic_groups()
        ]

    def channels(self) -> dict[str, dict[str, bool]]:
        """The checkboxes as {topic: {"in_app": bool, "email": bool}}."""
        return {
            topic: {prefs.IN_APP: bool(in_app.data), prefs.EMAIL: bool(email.data)}
            for topic, _, in_app, email in self.topic_fields()
        }


def preferences_form(
    current: prefs.Prefs | None = None, timezone: str = "UTC", formdata: Any = None
) -> PreferencesForm:
    """A preferences form with one in-app and one email checkbox per topic.

    With `current`, the form shows those preferences; otherwise it reads the
    posted data.
    """

    class Form(PreferencesForm):
        pass

    for topic, label in prefs.topics():
        setattr(Form, f"{topic}__in_app", BooleanField(f"{label}: in the app"))
        setattr(Form, f"{topic}__email", BooleanField(f"{label}: by email"))
    if current is None:
        form = Form() if formdata is None else Form(formdata=formdata)
    else:
        data: dict[str, Any] = {
            "digest": current.digest,
            "quiet_hours": current.quiet_hours,
            "quiet_from": current.quiet_from,
            "quiet_to": current.quiet_to,
            "timezone": timezone,
        }
        for topic, _ in prefs.topics():
            data[f"{topic}__in_app"] = current.wants(topic, prefs.IN_APP)
            data[f"{topic}__email"] = current.wants(topic, prefs.EMAIL)
        form = Form(formdata=None, data=data)
    form.timezone.choices = timezone_choices()
    return form


class NudgeForm(FlaskForm):
    """What to nudge someone about."""

    subject = SelectField("Nudge about", validators=[DataRequired()])
