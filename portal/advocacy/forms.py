"""Forms of the content library and sharing (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.forms import options
from portal.advocacy.services import (
    MAX_CAMPAIGN,
    MAX_CAPTION,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_URL,
)
from portal.advocacy.sharing import REMIND_CHOICES
from portal.learning.authoring_forms import CheckboxesField

AUDIENCE_CHOICES = options([("everyone", "Everyone"), ("teams", "Only the teams ticked below")])
DECISION_CHOICES = options([("approve", "Approve and publish"), ("reject", "Reject")])


def local_start(day: date | None, zone: str) -> datetime | None:
    """The start of `day` in the time zone `zone`, as a UTC-aware datetime."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def local_end(day: date | None, zone: str) -> datetime | None:
    """The end of `day` (midnight after it) in `zone`: an item expiring on a day is live all day."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))


class ItemForm(FlaskForm):
    """A library item; the audience fields are shown to admins only (a leader's is their team)."""

    url = URLField(
        "Link to share",
        validators=[DataRequired(), Length(max=MAX_URL)],
        description="The page people share: a full https:// address.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField(
        "Summary",
        validators=[Length(max=MAX_SUMMARY)],
        description="Why it is worth sharing, in a sentence or two.",
        render_kw={"rows": 3},
    )
    image_url = URLField(
        "Image",
        validators=[Length(max=MAX_URL)],
        description="Optional: an https:// address of a picture for the card.",
    )
    tags = StringField(
        "Tags", validators=[Length(max=400)], description="Separated by commas: hiring, product"
    )
    campaign = StringField(
        "Campaign",
        validators=[Length(max=MAX_CAMPAIGN)],
        description="Groups items in reports; it becomes the link's utm_campaign.",
    )
    caption_linkedin = TextAreaField(
        "Suggested caption for LinkedIn", [Length(max=MAX_CAPTION)], render_kw={"rows": 4}
    )
    caption_x = TextAreaField(
        "Suggested caption for X", [Length(max=MAX_CAPTION)], render_kw={"rows": 4}
    )
    caption_facebook = TextAreaField(
        "Suggested caption for Facebook", [Length(max=MAX_CAPTION)], render_kw={"rows": 4}
    )
    starts_on = DateField("Show from", validators=[Optional()], description="Optional.")
    expires_on = DateField(
        "Expires after", validators=[Optional()], description="Optional: the last day to share it."
    )
    audience = RadioField("Who can share it", choices=AUDIENCE_CHOICES, validate_choice=False)
    teams = CheckboxesField("Teams", coerce=int, choices=[], validate_choice=False)


class SuggestForm(FlaskForm):
    """An employee's suggestion for the library."""

    url = URLField(
        "Link",
        validators=[DataRequired(), Length(max=MAX_URL)],
        description="A full https:// address of the article, post or page.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField(
        "Why share it?",
        validators=[Length(max=MAX_SUMMARY)],
        description="Optional: a sentence for the reviewer and for colleagues.",
    )
    caption = TextAreaField(
        "Suggested caption",
        validators=[Length(max=MAX_CAPTION)],
        description="Optional: what you would write when sharing it.",
        render_kw={"rows": 4},
    )


class ReviewForm(FlaskForm):
    """A leader's or admin's decision on a suggestion."""

    decision = RadioField("Decision", choices=DECISION_CHOICES, validators=[DataRequired()])
    note = TextAreaField(
        "Note to the person",
        validators=[Length(max=MAX_NOTE)],
        description="Required when rejecting: say why.",
    )
    everyone = BooleanField("Publish for everyone (not only their team)")


class ShareForm(FlaskForm):
    """The caption a person shares, and the network."""

    network = HiddenField("Network")
    caption = TextAreaField("Your caption", validators=[Length(max=MAX_CAPTION)])


class RemindForm(FlaskForm):
    """Share later: when to be reminded."""

    when = SelectField(
        "Remind me", choices=options(list(REMIND_CHOICES.items())), default="tomorrow"
    )
