"""Boards, their ideas, the votes and comments on those ideas."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Team, User
from portal.db import Model, UTCDateTime, utcnow


def _enum(enum_type: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(
        enum_type, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class BoardPhase(enum.StrEnum):
    """Where a board is: taking ideas (and votes), only votes, or finished."""

    COLLECTING = "collecting"
    VOTING = "voting"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"collecting": "Collecting ideas", "voting": "Voting", "closed": "Closed"}[
            self.value
        ]


class VoteMode(enum.StrEnum):
    """One vote per person per idea, or a budget of dot-votes per person per board."""

    SINGLE = "single"
    DOTS = "dots"

    @property
    def label(self) -> str:
        return {"single": "One vote per idea", "dots": "Dot-votes (a budget per person)"}[
            self.value
        ]


class IdeaStatus(enum.StrEnum):
    """The owner's verdict on an idea; `merged` is set only by merging it into another."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return {
            "new": "New",
            "under_review": "Under review",
            "accepted": "Accepted",
            "implemented": "Implemented",
            "declined": "Declined",
            "merged": "Merged",
        }[self.value]


class Board(Model):
    """A prompt people answer with ideas, for the whole company or one team.

    `version` goes up with every change anyone makes on the board (an idea,
    a vote, a comment, a status), so open pages can ask "anything new since
    version N?" cheaply.
    """

    __tablename__ = "boards"
    __table_args__ = (
        Index("ix_boards_team_phase", "team_id", "phase"),
        Index("ix_boards_session_at", "session_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # None: company-wide
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    phase: Mapped[BoardPhase] = mapped_column(_enum(BoardPhase), default=BoardPhase.COLLECTING)
    session_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_minutes: Mapped[int] = mapped_column(default=60)
    newcomers_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    vote_mode: Mapped[VoteMode] = mapped_column(_enum(VoteMode), default=VoteMode.SINGLE)
    dot_budget: Mapped[int] = mapped_column(default=5)
    hide_counts: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team | None] = relationship()
    owner: Mapped[User] = relationship()

    @property
    def session_ends_at(self) -> datetime | None:
        if self.session_at is None:
            return None
        return self.session_at + timedelta(minutes=self.session_minutes)

    def session_live(self, now: datetime) -> bool:
        """True while the live session runs (and the board is not closed)."""
        ends = self.session_ends_at
        return (
            self.phase != BoardPhase.CLOSED
            and self.session_at is not None
            and ends is not None
            and self.session_at <= now < ends
        )

    @property
    def is_open(self) -> bool:
        return self.phase != BoardPhase.CLOSED

    def __repr__(self) -> str:
        return f"<Board {self.id} {self.prompt[:30]!r}>"


class Idea(Model):
    """One idea on a board. Anonymous ideas hide the author from colleagues, never from admins."""

    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_board_created", "board_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[IdeaStatus] = mapped_column(_enum(IdeaStatus), default=IdeaStatus.NEW)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    board: Mapped[Board] = relationship()
    author: Mapped[User] = relationship()
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id])

    @property
    def is_merged(self) -> bool:
        return self.status == IdeaStatus.MERGED

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.title[:30]!r}>"


class IdeaVote(Model):
    """A person's vote on an idea; in dot-vote mode `dots` says how many of their dots it got.

    (idea, person) is unique, so no race can give a person two votes on one idea.
    """

    __tablename__ = "idea_votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_idea_votes_board_user", "board_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dots: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaComment(Model):
    """A comment on an idea, or a reply to one (one level deep: replies have no replies)."""

    __tablename__ = "idea_comments"
    __table_args__ = (Index("ix_idea_comments_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea_comments.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()
