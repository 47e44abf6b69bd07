"""What each domain wants to remind people of, and what goes in their digests.

Domains register providers at import time; the reminder sweep and the digest
job (jobs/notifications.py) call every provider and deliver what they return,
once per person, kind, subject and period (see `notify`). A provider must
answer for everyone at once in a bounded number of queries: never one query
per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Due:
    """One reminder for one person."""

    user_id: int
    subject: str  # what it is about: "assignment:12"
    title: str
    url: str  # a path inside Beacon
    period: str  # what makes it new again: "2026-11-25" (daily), "" (once ever)
    body: str = ""


@dataclass(frozen=True)
class DigestItem:
    """One line of a person's digest."""

    title: str
    url: str
    detail: str = ""


ReminderProvider = Callable[[datetime], Iterable[Due]]
DigestProvider = Callable[[list[int], datetime, datetime], dict[int, list[DigestItem]]]


@dataclass(frozen=True)
class Reminder:
    kind: str
    label: str  # what people see in their preferences: "Assignments due soon"
    provider: ReminderProvider
    # An email that quiet hours would hold longer than this is not sent (the in-app
    # notification still is): "your streak ends tonight" is no use the next morning.
    stale_after: timedelta | None = None


@dataclass(frozen=True)
class DigestSection:
    name: str
    heading: str  # "New bulletins"
    provider: DigestProvider  # (user_ids, since, now) -> items per user id


REMINDERS: dict[str, Reminder] = {}
DIGEST_SECTIONS: dict[str, DigestSection] = {}
# Kinds of one-off notices (not swept reminders) that people can switch on and off by
# name in their preferences; any other kind counts as "other news".
NOTICE_KINDS: dict[str, str] = {}
# How long an email of a kind may wait for quiet hours to end, for kinds whose
# providers did not say (see Reminder.stale_after).
STALE_AFTER: dict[str, timedelta] = {"board_session": timedelta(hours=1)}


def reminder(
    kind: str, label: str, *, stale_after: timedelta | None = None
) -> Callable[[ReminderProvider], ReminderProvider]:
    """Register a provider of reminders of `kind`: called with the sweep's time (UTC)."""

    def decorator(func: ReminderProvider) -> ReminderProvider:
        REMINDERS[kind] = Reminder(kind, label, func, stale_after)
        return func

    return decorator


def notice_kind(kind: str, label: str) -> None:
    """Name a kind of notice sent with `notify`, so people can choose its channels by name."""
    NOTICE_KINDS[kind] = label


def stale_after(kind: str) -> timedelta | None:
    """How long an email of `kind` may be held by quiet hours; None: as long as it takes."""
    registered = REMINDERS.get(kind)
    if registered is not None and registered.stale_after is not None:
        return registered.stale_after
    return STALE_AFTER.get(kind)


def digest_section(name: str, heading: str) -> Callable[[DigestProvider], DigestProvider]:
    """Register a digest section: called with the recipients, the period's start and now."""

    def decorator(func: DigestProvider) -> DigestProvider:
        DIGEST_SECTIONS[name] = DigestSection(name, heading, func)
        return func

    return decorator
