"""Forms of the bulletins pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.forms import options
from portal.bulletins.models import Category, Network
from portal.bulletins.services import (
    MAX_ACTION_ITEM,
    MAX_ACTION_ITEMS,
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
)

CATEGORY_CHOICES = options([(c.value, c.label) for c in Category])
NETWORK_CHOICES = options([(n.value, n.label) for n in Network])
AUDIENCE_CHOICES = options([("everyone", "Everyone"), ("teams", "Only the teams ticked below")])
WHEN_CHOICES = options([("now", "Publish now"), ("later", "Schedule it for a time")])
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the template lays them out)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BulletinForm(FlaskForm):
    """A bulletin's content, audience and publication time.

    The audience and time fields are left out of the page once it is published.
    """

    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField(
        "Summary",
        validators=[DataRequired(), Length(max=MAX_SUMMARY)],
        description="One or two sentences. Shown in the archive, notifications and digests.",
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        "Details",
        validators=[Length(max=MAX_BODY)],
        description="Markdown: **bold**, lists, links, ## headings.",
        render_kw={"rows": 10},
    )
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    networks = CheckboxesField(
        "Networks it concerns", choices=NETWORK_CHOICES, validate_choice=False
    )
    action_items = TextAreaField(
        "Action items",
        validators=[Length(max=MAX_ACTION_ITEMS * (MAX_ACTION_ITEM + 2))],
        description=f"What people should do, one per line (at most {MAX_ACTION_ITEMS}).",
        render_kw={"rows": 4},
    )
    lesson_id = SelectField(
        "Lesson that teaches it", coerce=int, choices=[], validate_choice=False, default=0
    )
    audience = RadioField("Who it is for", choices=AUDIENCE_CHOICES, default="everyone")
    teams = CheckboxesField("Teams", coerce=int, choices=[], validate_choice=False)
    pinned = BooleanField("Pin it to the top of the archive")
    when = RadioField("When", choices=WHEN_CHOICES, default="now")
    publish_at = DateTimeLocalField(
        "Date and time", format=DATETIME_FORMATS, validators=[Optional()]
    )
