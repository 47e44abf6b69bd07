"""Accounts: passwords, sessions, people and teams.

Every function takes the acting person explicitly; none reads the request.
Functions flush; the caller commits. Permission failures raise
`PermissionDenied` (a 403), broken business rules raise `AccountError` with a
message meant for the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, or_, select, update
from werkzeug.exceptions import Forbidden

from portal.accounts.models import Role, Team, User
from portal.db import db, utcnow


class PermissionDenied(Forbidden):
    """The acting person may not do this."""


class AccountError(ValueError):
    """A request that breaks a rule of accounts; the message is shown to the person."""


MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Return an argon2id hash of `password`."""
    return _hasher().hash(password)


def check_password_rules(password: str) -> None:
    """Raise AccountError when `password` is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")


_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    key = repr(_hasher())
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    return _DUMMY_HASH[key]


def authenticate(email: str, password: str) -> User | None:
    """Return the active person with this email and password, else None.

    Unknown emails cost one hash verification too, so timing does not tell
    whether an address has an account.
    """
    user = get_user_by_email(email)
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    hasher = _hasher()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def get_user_by_email(email: str) -> User | None:
    """The person with this email (any case), if any."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(user_id: int) -> User | None:
    """The person with this id, if any."""
    return db.session.get(User, user_id)


def load_session_user(session_id: str) -> User | None:
    """Resolve Flask-Login's "<id>:<session version>" to an active person, else None."""
    user_part, _, version_part = session_id.partition(":")
    if not (user_part.isdigit() and version_part.isdigit()):
        return None
    user = db.session.get(User, int(user_part))
    if user is None or not user.active or user.session_version != int(version_part):
        return None
    return user


def local_date(user: User, moment: datetime | None = None) -> date:
    """The calendar date of `moment` (default: now) in the person's own time zone."""
    return (moment or utcnow()).astimezone(ZoneInfo(user.timezone)).date()


def lock_person(user_id: int) -> None:
    """Serialise one person's writes that count what came before (caps, completions).

    A row lock on PostgreSQL; SQLite already runs writers one at a time.
    """
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie this person has."""
    # One UPDATE, not read-modify-write: two bumps at once still end every session.
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.refresh(user)


def set_password(user: User, password: str) -> None:
    """Set a new password and end every existing session; raise AccountError if too weak."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; raise AccountError on a mismatch."""
    if not user.password_hash:
        raise AccountError("Your account has no password yet.")
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("That is not your current password.") from None
    set_password(user, new)


def password_fingerprint(user: User) -> str:
    """A short digest of the stored hash: reset links die once the password changes."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def is_valid_timezone(name: str) -> bool:
    """True when `name` is an IANA time zone this machine knows."""
    return name in available_timezones()


def clean_display_name(name: str) -> str:
    """A display name, trimmed; raise AccountError if it is empty or has control characters."""
    name = name.strip()
    if not name:
        raise AccountError("Enter your name.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise AccountError("Use letters, spaces and punctuation only.")
    return name


def update_profile(
    user: User, display_name: str, timezone: str, hide_from_boards: bool | None = None
) -> None:
    """Change a person's own name, time zone and board privacy; raise AccountError on bad input."""
    display_name = clean_display_name(display_name)
    if not is_valid_timezone(timezone):
        raise AccountError("Choose a time zone from the list.")
    user.display_name = display_name
    user.timezone = timezone
    if hide_from_boards is not None:
        user.hide_from_boards = hide_from_boards
    db.session.flush()


def create_user(
    email: str,
    display_name: str,
    password: str | None,
    role: Role = Role.EMPLOYEE,
    team: Team | None = None,
    timezone: str | None = None,
) -> User:
    """Create a person; raise AccountError if the email is taken or the password too weak."""
    if get_user_by_email(email) is not None:
        raise AccountError("Someone already uses that email address.")
    if password is not None:
        check_password_rules(password)
    user = User(
        email=normalize_email(email),
        display_name=clean_display_name(display_name),
        password_hash=hash_password(password) if password else None,
        role=role,
        team=team,
        timezone=timezone or current_app.config["DEFAULT_TIMEZONE"],
    )
    db.session.add(user)
    db.session.flush()
    return user


# --- who may manage whom -------------------------------------------------------------


def can_manage_people(actor: User) -> bool:
    """Admins manage everyone; leaders see their own team."""
    return actor.active and actor.role in (Role.ADMIN, Role.LEADER)


def require_admin(actor: User) -> None:
    """Raise PermissionDenied unless `actor` is an active admin."""
    if not (actor.active and actor.role == Role.ADMIN):
        raise PermissionDenied("Only an admin may do that.")


def require_manager_of(actor: User, person: User) -> None:
    """Raise PermissionDenied unless `actor` is an admin or leads `person`'s team."""
    if actor.active and actor.role == Role.ADMIN:
        return
    if (
        actor.active
        and actor.role == Role.LEADER
        and actor.team_id is not None
        and actor.team_id == person.team_id
    ):
        return
    raise PermissionDenied("You can only manage people in your own team.")


@dataclass
class PeoplePage:
    """One page of a people search."""

    people: list[User]
    page: int
    pages: int
    total: int
    query: str


def search_people(
    actor: User, query: str = "", page: int = 1, per_page: int = 25, own_team: bool = False
) -> PeoplePage:
    """People `actor` may see, searched by name or email.

    Leaders see their own team; `own_team` narrows an admin to theirs too.
    Raises PermissionDenied for employees.
    """
    if not can_manage_people(actor):
        raise PermissionDenied("Only admins and leaders can see the people list.")
    stmt = select(User)
    if own_team or actor.role != Role.ADMIN:
        if actor.team_id is None:
            return PeoplePage([], 1, 1, 0, query)
        stmt = stmt.where(User.team_id == actor.team_id)
    query = query.strip()
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                func.lower(User.email).like(like, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    people = db.session.scalars(
        stmt.order_by(func.lower(User.display_name), User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return PeoplePage(list(people), page, pages, total, query)


def _other_active_admins(person: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != person.id)
        )
        or 0
    )


def change_role(actor: User, person: User, role: Role) -> None:
    """Give `person` a new role (admins only); nobody removes their own or the last admin role."""
    require_admin(actor)
    if person.id == actor.id and role != Role.ADMIN:
        raise AccountError("You cannot remove your own admin role.")
    if person.role == Role.ADMIN and role != Role.ADMIN and _other_active_admins(person) == 0:
        raise AccountError("Beacon needs at least one admin.")
    person.role = role
    db.session.flush()


def change_team(actor: User, person: User, team: Team | None) -> None:
    """Move `person` to another team (admins only)."""
    require_admin(actor)
    person.team = team
    db.session.flush()


def deactivate(actor: User, person: User) -> None:
    """Stop `person` from logging in and end their sessions; nothing of theirs is deleted."""
    require_admin(actor)
    if person.id == actor.id:
        raise AccountError("You cannot deactivate yourself.")
    if person.role == Role.ADMIN and _other_active_admins(person) == 0:
        raise AccountError("Beacon needs at least one admin.")
    person.active = False
    end_all_sessions(person)


def reactivate(actor: User, person: User) -> None:
    """Let a deactivated person log in again (admins only)."""
    require_admin(actor)
    person.active = True
    db.session.flush()


# --- teams ---------------------------------------------------------------------------


def list_teams() -> list[Team]:
    """All teams, by name."""
    return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))).all())


def get_team(team_id: int) -> Team | None:
    """The team with this id, if any."""
    return db.session.get(Team, team_id)


def create_team(actor: User, name: str) -> Team:
    """Create a team (admins only); raise AccountError if the name is empty or taken."""
    require_admin(actor)
    name = name.strip()
    if not name:
        raise AccountError("Enter a team name.")
    exists = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if exists is not None:
        raise AccountError("A team with that name exists already.")
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    return team


def team_member_counts() -> dict[int, int]:
    """How many active people each team has, by team id."""
    rows = db.session.execute(
        select(User.team_id, func.count())
        .where(User.active.is_(True), User.team_id.is_not(None))
        .group_by(User.team_id)
    ).all()
    return {team_id: count for team_id, count in rows if team_id is not None}
