"""Forms of the boards domain (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.accounts.forms import options
from portal.boards.models import VoteMode
from portal.boards.services import (
    MAX_BODY,
    MAX_COMMENT,
    MAX_DETAILS,
    MAX_DOT_BUDGET,
    MAX_PROMPT,
    MAX_TITLE,
)

COMPANY = "company"


class BoardForm(FlaskForm):
    """A board's prompt, audience, live session and voting rules."""

    prompt = StringField(
        "Prompt",
        validators=[DataRequired(message="Write the prompt people will answer."),
                    Length(max=MAX_PROMPT)],
        description="The question people answer with ideas: “How could we share what we learn?”",
    )  # fmt: skip
    details = TextAreaField(
        "Details",
        validators=[Optional(), Length(max=MAX_DETAILS)],
        description="Optional. Context, constraints, what happens next. Markdown works.",
    )
    scope = SelectField("Who takes part", choices=[], default=COMPANY)
    session_at = DateTimeLocalField(
        "Starts at",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
        description="Optional. In your time zone. The board updates live while it runs.",
    )
    session_minutes = IntegerField(
        "Session length (minutes)", default=60, validators=[InputRequired(), NumberRange(15, 480)]
    )
    newcomers_welcome = BooleanField(
        "Newcomers welcome: invite everyone who joined in the last 60 days"
    )
    vote_mode = SelectField(
        "Voting",
        choices=options([(m.value, m.label) for m in VoteMode]),
        default=VoteMode.SINGLE.value,
    )
    dot_budget = IntegerField(
        "Dot-votes per person",
        default=5,
        validators=[InputRequired(), NumberRange(1, MAX_DOT_BUDGET)],
        description="Only for dot-voting: how many votes each person spreads over the ideas.",
    )
    hide_counts = BooleanField("Hide vote counts from participants until the board closes")


class EditIdeaForm(FlaskForm):
    """An idea's words (changed by its author while the board collects ideas)."""

    title = StringField(
        "Your idea",
        validators=[DataRequired(message="Give your idea a title."), Length(max=MAX_TITLE)],
    )
    body = TextAreaField(
        "Details",
        validators=[Optional(), Length(max=MAX_BODY)],
        description="Optional. Markdown works.",
    )
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=200)],
        description="Optional, comma-separated: “events, video”.",
    )


class IdeaForm(EditIdeaForm):
    """A new idea."""

    anonymous = BooleanField("Post anonymously (colleagues won't see your name; admins can)")


class CommentForm(FlaskForm):
    """A comment or a reply. Several share the idea page (under prefixes), so the form's
    own CSRF field is off: the app-wide CSRFProtect checks `csrf_token` on every post."""

    class Meta:
        csrf = False

    body = TextAreaField(
        "Comment",
        validators=[DataRequired(message="Write a comment first."), Length(max=MAX_COMMENT)],
    )
