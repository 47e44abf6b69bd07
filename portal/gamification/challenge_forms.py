"""The form for setting or changing a team challenge (Flask-WTF: CSRF on every post)."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.accounts.forms import options
from portal.accounts.models import Team, User
from portal.gamification.challenges import (
    MAX_DESCRIPTION,
    MAX_REWARD,
    MAX_TARGET,
    MAX_TITLE,
    ChallengeInput,
    badge_choices,
    local_to_utc,
    metric_choices,
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class ChallengeForm(FlaskForm):
    """Title, what is counted, the target, the dates (the creator's own time) and the reward.

    Team fields do not validate their choice: the service names an unknown team.
    """

    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    description = TextAreaField(
        "Description",
        validators=[Length(max=MAX_DESCRIPTION)],
        description="Optional, in Markdown: why it matters and how to take part.",
    )
    metric = SelectField("What counts", choices=[], validate_choice=False)
    target = IntegerField(
        "Target",
        validators=[
            InputRequired(message="Set a target of at least 1."),
            NumberRange(1, MAX_TARGET, message="Set a target of at least 1."),
        ],
        description="The number the team has to reach.",
    )
    starts_at = DateTimeLocalField(
        "Starts", format=LOCAL_FORMAT, validators=[InputRequired(message="Choose when it starts.")]
    )
    ends_at = DateTimeLocalField(
        "Ends", format=LOCAL_FORMAT, validators=[InputRequired(message="Choose when it ends.")]
    )
    team_id = SelectField("Team", coerce=int, choices=[], validate_choice=False)
    opponent_team_id = SelectField(
        "Against", coerce=int, choices=[], validate_choice=False, default=0
    )
    reward_points = IntegerField(
        "Reward (points each)",
        validators=[
            InputRequired(message=f"Reward between 0 and {MAX_REWARD} points."),
            NumberRange(0, MAX_REWARD, message=f"Reward between 0 and {MAX_REWARD} points."),
        ],
        description="Paid once to every active member of the winning team.",
    )
    reward_badge_id = SelectField("Badge", coerce=int, choices=[], validate_choice=False, default=0)

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        # Checked here too (the service has the last word) so it shows with the other errors.
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError("The end must come after the start.")

    def offer(self, own_teams: list[Team], opponents: list[Team]) -> ChallengeForm:
        """Fill the choices: metrics registered now, the actor's teams, opponents and badges."""
        self.metric.choices = options(list(metric_choices().items()))
        self.team_id.choices = options([(t.id, t.name) for t in own_teams])
        opponent: list[tuple[object, str]] = [(0, "Nobody: a target for the team alone")]
        self.opponent_team_id.choices = options(opponent + [(t.id, t.name) for t in opponents])
        badges: list[tuple[object, str]] = [(0, "No badge"), *badge_choices()]
        self.reward_badge_id.choices = options(badges)
        return self

    def to_input(self, creator: User) -> ChallengeInput:
        """What was chosen, with the times read in the creator's time zone and stored in UTC."""

        def utc(moment: datetime | None) -> datetime | None:
            return local_to_utc(moment, creator.timezone) if moment else None

        return ChallengeInput(
            title=self.title.data or "",
            description=self.description.data or "",
            metric=self.metric.data or "",
            target=self.target.data,
            starts_at=utc(self.starts_at.data),
            ends_at=utc(self.ends_at.data),
            team_id=self.team_id.data or None,
            opponent_team_id=self.opponent_team_id.data or None,
            reward_points=self.reward_points.data,
            reward_badge_id=self.reward_badge_id.data or None,
        )
