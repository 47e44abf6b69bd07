"""People, teams and invitations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, TimestampMixin, UTCDateTime, db, utcnow


class Role(enum.StrEnum):
    """What a person may do: employees learn and share, leaders run a team, admins run Beacon."""

    EMPLOYEE = "employee"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"employee": "Employee", "leader": "Advocacy leader", "admin": "Admin"}[self.value]


class Team(TimestampMixin, Model):
    """A group of people, run by one or more leaders."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.display_name")

    @property
    def leaders(self) -> list[User]:
        return [m for m in self.members if m.role == Role.LEADER and m.active]

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, TimestampMixin, Model):
    """A person with a login. Deactivated people keep everything they made."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (services normalise it), so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.EMPLOYEE,
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    joined_on: Mapped[date] = mapped_column(Date, default=lambda: utcnow().date())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, deactivation and password change: every session carrying
    # an older version stops working (Flask's session is a client-side cookie).
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Shown as "Anonymous" on public leaderboards and leagues; still earns and ranks.
    hide_from_boards: Mapped[bool] = mapped_column(Boolean, default=False)

    team: Mapped[Team | None] = relationship(back_populates="members")

    def get_id(self) -> str:
        """Flask-Login's id: the user id with the session version, so old cookies stop matching."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def public_name(self, viewer: User | None) -> str:
        """The name public boards show to `viewer`: "Anonymous" if hidden (except to themselves)."""
        if self.hide_from_boards and (viewer is None or viewer.id != self.id):
            return "Anonymous"
        return self.display_name

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_leader(self) -> bool:
        return self.role == Role.LEADER

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Invitation(TimestampMixin, Model):
    """An emailed, expiring, single-use invitation to join Beacon."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.EMPLOYEE,
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nonce: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
