"""Forms of the accounts domain (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.accounts.models import Role
from portal.accounts.services import MIN_PASSWORD_LENGTH


def options(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = options([(r.value, r.label) for r in Role])


def timezone_choices() -> list[SelectChoice]:
    """Every IANA time zone, sorted, as select options."""
    return options([(tz, tz.replace("_", " ")) for tz in sorted(available_timezones())])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me logged in on this device")


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A short sentence works well.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=80)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])


class ProfileForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    timezone = SelectField("Time zone", choices=[], validate_choice=False)
    hide_from_boards = BooleanField("Show me as “Anonymous” on leaderboards and leagues")

    def validate_timezone(self, field: SelectField) -> None:
        if field.data not in available_timezones():
            raise ValidationError("Choose a time zone from the list.")


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.EMPLOYEE.value)
    team_id = SelectField("Team", coerce=int, choices=[])


class PersonForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    team_id = SelectField("Team", coerce=int, choices=[])


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=80)])
