"""Forms of the posting guidelines (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.accounts.forms import options
from portal.advocacy.guidelines import (
    BODY_MAX,
    DISCLOSURE_MAX,
    MAX_LIMIT,
    NETWORKS,
    SUMMARY_MAX,
    TITLE_MAX,
)

NETWORK_CHOICES = options(list(NETWORKS.items()))
CAPTION_MAX = 10_000


class AcknowledgeForm(FlaskForm):
    """ "I have read these guidelines", for one version, with where to go next."""

    version_id = HiddenField()
    next = HiddenField()


class DraftForm(FlaskForm):
    """The draft of the next guidelines version."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    summary = StringField(
        "What changed",
        validators=[Length(max=SUMMARY_MAX)],
        description="One line for the notification everyone gets when you publish.",
    )
    body = TextAreaField(
        "Guidelines (Markdown)",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="The preview follows as you type. Raw HTML is not rendered.",
    )


def _limit_field(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(1, MAX_LIMIT)],
        description=description,
    )


class CaptionRulesForm(FlaskForm):
    """The caption rules every share is checked against."""

    disclosure = StringField(
        "Required disclosure",
        validators=[Length(max=DISCLOSURE_MAX)],
        description='For example "#employee" or "I work at Acme". Leave empty to require none.',
    )
    blocked_terms = TextAreaField(
        "Blocked terms",
        render_kw={"rows": 6},
        description=(
            "One per line: confidential project names and the like. Whole words, "
            "any capitalisation."
        ),
    )
    limit_x = _limit_field("X", "Characters; every link counts as 23. Empty: no limit.")
    limit_linkedin = _limit_field("LinkedIn", "Characters. Empty: no limit.")
    limit_facebook = _limit_field(
        "Facebook", "Characters (Facebook allows 63,206). Empty: no limit."
    )


class CaptionCheckForm(FlaskForm):
    """A caption to try against the rules, outside any content item (no colleagues' captions)."""

    caption = TextAreaField("Caption", validators=[Length(max=CAPTION_MAX)])
    network = SelectField("Network", choices=NETWORK_CHOICES, default="linkedin")
