"""Forms of the personal-brand profile (Flask-WTF: CSRF on every one).

The social-link and expertise validators call the same cleaning functions as
the services, so every field's problem is shown at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.accounts.forms import options
from portal.profiles.models import AppearanceKind
from portal.profiles.services import (
    BIO_MAX,
    EVENT_MAX,
    FOLLOWERS_MAX,
    HEADLINE_MAX,
    LINK_MAX,
    TITLE_MAX,
    URL_MAX,
    ProfileError,
    clean_link,
    clean_social,
    parse_expertise,
)

KIND_CHOICES = options([(k.value, k.label) for k in AppearanceKind])


def _checked_by(clean: Callable[[str], Any]) -> Callable[[Any, Field], None]:
    def validate(form: Any, field: Field) -> None:
        try:
            clean(field.data or "")
        except ProfileError as exc:
            raise ValidationError(str(exc)) from None

    return validate


def _social(network: str, label: str) -> StringField:
    return StringField(
        label,
        validators=[Length(max=URL_MAX), _checked_by(lambda v: clean_social(network, v))],
    )


def _followers(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(0, FOLLOWERS_MAX, message="Use a whole number from 0."),
        ],
    )


class ProfileForm(FlaskForm):
    """The person's own profile."""

    headline = StringField(
        "Headline",
        validators=[Length(max=HEADLINE_MAX)],
        description='One line colleagues see first, e.g. "Cloud architect for retailers".',
    )
    bio = TextAreaField(
        "Short bio",
        render_kw={"rows": 5},
        validators=[Length(max=BIO_MAX)],
        description="A few sentences in Markdown. Raw HTML is not rendered.",
    )
    expertise = StringField(
        "Areas of expertise",
        validators=[_checked_by(parse_expertise)],
        description="Separated by commas, e.g. Kubernetes, retail analytics, public speaking.",
    )
    linkedin_url = _social("linkedin", "LinkedIn")
    x_url = _social("x", "X")
    facebook_url = _social("facebook", "Facebook")
    followers_linkedin = _followers("LinkedIn followers")
    followers_x = _followers("X followers")
    followers_facebook = _followers("Facebook friends or followers")
    public = BooleanField("Make my profile public")
    public_followers = BooleanField("Also show my follower counts and potential reach")
    public_indexable = BooleanField("Let search engines list my public page")


class SpeakingForm(FlaskForm):
    """One talk, podcast, article, panel or webinar for the speaking log."""

    kind = SelectField("Kind", choices=KIND_CHOICES, default=AppearanceKind.TALK.value)
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    event = StringField(
        "Event or publication",
        validators=[Length(max=EVENT_MAX)],
        description="Conference, podcast or where it was published.",
    )
    happened_on = DateField(
        "Date", validators=[DataRequired(message="Give the date (YYYY-MM-DD).")]
    )
    link = URLField(
        "Link",
        validators=[Optional(), Length(max=LINK_MAX), _checked_by(clean_link)],
        description="Optional: the recording, slides or article (https).",
    )
