"""What each person wants to hear about, how, and when: defaults that do not spam.

In the app: everything. By email: assignments only, plus a weekly digest.
Quiet hours 21:00-08:00 in the person's own time zone hold emails back (the
in-app notification still arrives at once). People change all of this on
/settings/notifications; a person who never did has no row and gets the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.db import db
from portal.notifications.models import NotificationPreference
from portal.notifications.reminders import NOTICE_KINDS, REMINDERS

IN_APP, EMAIL = "in_app", "email"
DIGEST_CHOICES = {"daily": "Daily", "weekly": "Weekly (Monday)", "never": "Never"}
DEFAULT_DIGEST = "weekly"
DEFAULT_QUIET = (21, 8)
EMAIL_BY_DEFAULT = frozenset({"assignment_due", "assignment_overdue"})
NUDGE = "nudge"
OTHER = "other"  # every kind of notice nobody named
DIGEST = "digest"
ALL = "all"  # every email (an unsubscribe scope)
IN_CHUNKS = 900  # ids per IN (...) list: under SQLite's old 999-variable limit


@dataclass(frozen=True)
class Prefs:
    """One person's effective preferences (their row, or the defaults)."""

    channels: dict[str, dict[str, bool]]
    digest: str = DEFAULT_DIGEST
    quiet_hours: bool = True
    quiet_from: int = DEFAULT_QUIET[0]
    quiet_to: int = DEFAULT_QUIET[1]

    def wants(self, kind: str, channel: str) -> bool:
        """Whether this person wants notices of `kind` on `channel`."""
        topic = topic_of(kind)
        chosen = self.channels.get(topic, {}).get(channel)
        if chosen is not None:
            return bool(chosen)
        return default_channel(topic, channel)

    def emails_allowed_at(self, moment: datetime, timezone: str) -> datetime:
        """`moment`, or the end of the quiet hours it falls in (UTC)."""
        if not self.quiet_hours:
            return moment
        return after_quiet_hours(moment, timezone, self.quiet_from, self.quiet_to)


DEFAULTS = Prefs(channels={})


def topic_of(kind: str) -> str:
    """The preference a kind of notification falls under: itself if named, else "other"."""
    if kind in REMINDERS or kind in NOTICE_KINDS or kind == NUDGE:
        return kind
    return OTHER


def default_channel(topic: str, channel: str) -> bool:
    """The default: in the app for everything, email for assignments only."""
    if channel == IN_APP:
        return True
    return topic in EMAIL_BY_DEFAULT


def topic_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The preferences form's rows: reminders, then news and nudges, each (topic, label)."""
    reminders = sorted(((kind, r.label) for kind, r in REMINDERS.items()), key=lambda t: t[1])
    news = sorted(NOTICE_KINDS.items(), key=lambda item: item[1])
    news.append((NUDGE, "Nudges from your leader"))
    news.append((OTHER, "Anything else Beacon tells you"))
    return [("Reminders", reminders), ("News and nudges", news)]


def topics() -> list[tuple[str, str]]:
    """(topic, label) of every topic people can choose channels for."""
    return [topic for _, group in topic_groups() for topic in group]


def from_row(row: NotificationPreference) -> Prefs:
    """Effective preferences from a stored row."""
    return Prefs(
        channels=dict(row.channels or {}),
        digest=row.digest if row.digest in DIGEST_CHOICES else DEFAULT_DIGEST,
        quiet_hours=row.quiet_hours,
        quiet_from=row.quiet_from,
        quiet_to=row.quiet_to,
    )


def prefs_for(user_id: int) -> Prefs:
    """One person's preferences."""
    row = db.session.get(NotificationPreference, user_id)
    return DEFAULTS if row is None else from_row(row)


def prefs_for_many(user_ids: Iterable[int]) -> dict[int, Prefs]:
    """Preferences of many people, in one query per 900 of them (defaults when absent)."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, Prefs] = {}
    for start in range(0, len(ids), IN_CHUNKS):
        chunk = ids[start : start + IN_CHUNKS]
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(chunk))
        ):
            found[row.user_id] = from_row(row)
    return {user_id: found.get(user_id, DEFAULTS) for user_id in ids}


def _row(user_id: int) -> NotificationPreference:
    row = db.session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(
            user_id=user_id,
            channels={},
            digest=DEFAULT_DIGEST,
            quiet_hours=True,
            quiet_from=DEFAULT_QUIET[0],
            quiet_to=DEFAULT_QUIET[1],
        )
        db.session.add(row)
    return row


class PreferencesError(ValueError):
    """Preferences that cannot be saved; the message says why."""


def save_preferences(
    user_id: int,
    channels: dict[str, dict[str, bool]],
    digest: str,
    quiet_hours: bool,
    quiet_from: int,
    quiet_to: int,
) -> None:
    """Save a person's choices (flushes); raises PreferencesError on values out of range.

    Only choices that differ from the defaults are stored, so a default that
    changes later reaches everyone who never chose otherwise.
    """
    if digest not in DIGEST_CHOICES:
        raise PreferencesError("Choose daily, weekly or never for the digest.")
    if not (0 <= quiet_from <= 23 and 0 <= quiet_to <= 23):
        raise PreferencesError("Quiet hours go from one hour of the day to another.")
    if quiet_hours and quiet_from == quiet_to:
        raise PreferencesError("Quiet hours must start and end at different times.")
    known = {topic for topic, _ in topics()}
    overrides: dict[str, dict[str, bool]] = {}
    for topic, chosen in channels.items():
        if topic not in known:
            continue
        differs = {
            channel: bool(value)
            for channel, value in chosen.items()
            if channel in (IN_APP, EMAIL) and bool(value) != default_channel(topic, channel)
        }
        if differs:
            overrides[topic] = differs
    row = _row(user_id)
    row.channels = overrides
    row.digest = digest
    row.quiet_hours = quiet_hours
    row.quiet_from = quiet_from
    row.quiet_to = quiet_to
    db.session.flush()


def unsubscribe(user_id: int, scope: str) -> None:
    """Stop one kind of email ("digest", "all", or a topic) for a person (flushes)."""
    row = _row(user_id)
    if scope in (DIGEST, ALL):
        row.digest = "never"
    channels = {k: dict(v) for k, v in (row.channels or {}).items()}
    scopes = [t for t, _ in topics()] if scope == ALL else [scope] if scope != DIGEST else []
    for topic in scopes:
        channels.setdefault(topic, {})[EMAIL] = False
        if default_channel(topic, EMAIL) is False:
            channels[topic].pop(EMAIL)
            if not channels[topic]:
                channels.pop(topic)
    row.channels = channels
    db.session.flush()


def resubscribe(user_id: int, scope: str) -> None:
    """Undo `unsubscribe` for a scope: back to the defaults for it (flushes)."""
    row = _row(user_id)
    if scope in (DIGEST, ALL) and row.digest == "never":
        row.digest = DEFAULT_DIGEST
    channels = {k: dict(v) for k, v in (row.channels or {}).items()}
    scopes = [t for t, _ in topics()] if scope == ALL else [scope] if scope != DIGEST else []
    for topic in scopes:
        channels.get(topic, {}).pop(EMAIL, None)
        if topic in channels and not channels[topic]:
            channels.pop(topic)
    row.channels = channels
    db.session.flush()


def scope_label(scope: str) -> str:
    """What an unsubscribe scope is called on the page: "the digest", "Assignments due soon"."""
    if scope == DIGEST:
        return "the Beacon digest"
    if scope == ALL:
        return "every Beacon email"
    return dict(topics()).get(scope, "these notifications")


# --- time ---------------------------------------------------------------------------------


@cache
def _zone(timezone: str) -> ZoneInfo:
    # zoneinfo keeps only a few zones strongly cached; a sweep over people in
    # dozens of zones would otherwise read the tz database again and again.
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime, timezone: str) -> datetime:
    """`moment` in the person's time zone (UTC if the zone is unknown)."""
    return moment.astimezone(_zone(timezone))


def at_local(day: date, hour: int, timezone: str) -> datetime:
    """`hour`:00 on `day` in a time zone, as an aware datetime (a DST gap moves it forward)."""
    zone = _zone(timezone)
    wall = datetime.combine(day, time(hour), tzinfo=zone)
    # Round-trip through UTC so a wall time skipped by DST becomes a real instant.
    return wall.astimezone(ZoneInfo("UTC")).astimezone(zone)


def in_quiet_hours(hour: int, quiet_from: int, quiet_to: int) -> bool:
    """Whether a local hour falls in quiet hours [from, to), which may wrap midnight."""
    if quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= hour < quiet_to
    return hour >= quiet_from or hour < quiet_to


def after_quiet_hours(moment: datetime, timezone: str, quiet_from: int, quiet_to: int) -> datetime:
    """`moment` if it is outside quiet hours, else the moment they end (in UTC)."""
    here = local(moment, timezone)
    if not in_quiet_hours(here.hour, quiet_from, quiet_to):
        return moment
    day = here.date()
    if quiet_from > quiet_to and here.hour >= quiet_from:
        day += timedelta(days=1)  # quiet since this evening: it ends tomorrow morning
    return at_local(day, quiet_to, timezone).astimezone(ZoneInfo("UTC"))
