"""Personal data: each person's download of everything about them, and account deletion.

`RETENTION` decides, for every column in Beacon that points at a person,
what deleting that person does to the rows: delete them (profiles,
notifications, anything that only makes sense for them), keep them for the
counts (activity, completions, points: they then belong to an anonymous
"Deleted person"), or keep them with their personal text scrubbed (share
captions, adjustment reasons, visitor hashes). A test fails when a table
appears that `RETENTION` does not know, so its owner decides.

The download walks the same columns: every row that is the person's own
(`export=True`), as JSON, minus secrets (password hash, tokens, salts).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import String, Table, cast, delete, func, or_, select, update

from portal.accounts.models import Role, User
from portal.accounts.services import AccountError, end_all_sessions, require_admin
from portal.db import db, utcnow

log = logging.getLogger(__name__)

DELETED_NAME = "Deleted person"


@dataclass(frozen=True)
class Rule:
    """What happens to rows whose column points at a deleted person, and if they are theirs."""

    action: str  # "delete", "keep" or "scrub"
    export: bool  # the person's own data (in their download), or someone else's act
    scrub: dict[str, Any] = field(default_factory=dict)


DELETE_OWN = Rule("delete", True)
KEEP_OWN = Rule("keep", True)  # counted in aggregates; the person becomes anonymous
ACTOR = Rule("keep", False)  # the person acted on someone or something else


def _scrub(**values: Any) -> Rule:
    return Rule("scrub", True, dict(values))


RETENTION: dict[tuple[str, str], Rule] = {
    ("activity_entries", "user_id"): KEEP_OWN,
    ("assignments", "user_id"): KEEP_OWN,
    ("assignments", "assigned_by_id"): ACTOR,
    ("badge_assertions", "user_id"): DELETE_OWN,  # public, with a hash of the email
    ("badge_assertions", "revoked_by_id"): ACTOR,
    ("badges", "created_by_id"): ACTOR,
    ("boards", "owner_id"): KEEP_OWN,
    ("brand_profiles", "user_id"): DELETE_OWN,
    ("bulletin_reads", "user_id"): KEEP_OWN,
    ("bulletins", "created_by_id"): ACTOR,
    ("caption_rules", "updated_by_id"): ACTOR,
    ("challenges", "created_by_id"): ACTOR,
    ("content_items", "created_by_id"): ACTOR,
    ("content_items", "reviewed_by_id"): ACTOR,
    ("content_items", "suggested_by_id"): KEEP_OWN,
    ("content_shares", "user_id"): _scrub(caption=""),
    ("digest_runs", "user_id"): DELETE_OWN,
    ("email_deliveries", "user_id"): DELETE_OWN,
    ("guideline_acknowledgements", "user_id"): KEEP_OWN,
    ("guideline_versions", "created_by_id"): ACTOR,
    ("guideline_versions", "published_by_id"): ACTOR,
    ("idea_comments", "author_id"): KEEP_OWN,  # part of a shared discussion
    ("idea_votes", "user_id"): KEEP_OWN,
    ("ideas", "author_id"): KEEP_OWN,
    ("insights_goals", "created_by_id"): ACTOR,
    ("insights_segment_members", "user_id"): DELETE_OWN,
    ("invitations", "invited_by_id"): ACTOR,
    ("league_memberships", "user_id"): KEEP_OWN,
    ("lesson_completions", "user_id"): KEEP_OWN,
    ("lesson_progress", "user_id"): DELETE_OWN,
    ("module_completions", "user_id"): KEEP_OWN,
    ("modules", "created_by_id"): ACTOR,
    ("notification_preferences", "user_id"): DELETE_OWN,
    ("notifications", "user_id"): DELETE_OWN,
    ("nudges", "user_id"): DELETE_OWN,
    ("nudges", "sender_id"): ACTOR,
    ("path_completions", "user_id"): KEEP_OWN,
    ("point_awards", "user_id"): _scrub(reason=None),  # an admin's words about them
    ("point_awards", "awarded_by_id"): ACTOR,
    ("point_totals", "user_id"): KEEP_OWN,
    ("quiz_attempts", "user_id"): KEEP_OWN,
    ("review_items", "user_id"): DELETE_OWN,
    ("share_reminders", "user_id"): DELETE_OWN,
    ("speaking_entries", "user_id"): DELETE_OWN,
    ("streaks", "user_id"): KEEP_OWN,
    ("tracked_links", "user_id"): _scrub(sharer_visitor=None),  # a hash of their address
    ("xapi_statements", "user_id"): DELETE_OWN,  # statements name the actor and their email
}
# Never in a download: secrets and values that only make sense to the server.
SECRET_COLUMNS: dict[str, set[str]] = {
    "users": {"password_hash", "session_version"},
    "invitations": {"nonce"},
    "email_deliveries": {"claim_token"},
    "badge_assertions": {"salt"},
    "tracked_links": {"sharer_visitor"},
}


def person_columns() -> list[tuple[Table, str]]:
    """Every (table, column) in the schema with a foreign key to users.id, in a stable order."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                found.append((table, column.name))
    return sorted(found, key=lambda item: (item[0].name, item[1]))


def unknown_columns() -> list[tuple[str, str]]:
    """Columns pointing at a person that `RETENTION` has no rule for."""
    return [(t.name, c) for t, c in person_columns() if (t.name, c) not in RETENTION]


# --- the download -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return None
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    hidden = SECRET_COLUMNS.get(table.name, set())
    return {k: _plain(v) for k, v in row._mapping.items() if k not in hidden}


def personal_data(person: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything Beacon holds about `person`, table by table (their own rows only)."""
    users = db.metadata.tables["users"]
    account = db.session.execute(select(users).where(users.c.id == person.id)).one()
    data: dict[str, Any] = {
        "generated_at": (now or utcnow()).isoformat(timespec="seconds"),
        "about": "Everything Beacon stores about you. Counts derived from it (dashboards, "
        "leaderboards) are not listed separately.",
        "account": _row(users, account),
        "tables": {},
    }
    invitations = db.metadata.tables["invitations"]
    invited = db.session.execute(
        select(invitations).where(func.lower(invitations.c.email) == person.email.lower())
    ).all()
    if invited:
        data["tables"]["invitations"] = [_row(invitations, r) for r in invited]
    for table, column in person_columns():
        rule = RETENTION.get((table.name, column), KEEP_OWN)
        if not rule.export:
            continue
        rows = db.session.execute(
            select(table).where(table.c[column] == person.id).order_by(*table.primary_key)
        ).all()
        if rows:
            data["tables"].setdefault(table.name, []).extend(_row(table, r) for r in rows)
    return data


# --- deleting an account ----------------------------------------------------------------------


def _other_active_admins(person: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != person.id)
        )
        or 0
    )


def _replace_name(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(DELETED_NAME, value)
    if isinstance(value, list):
        return [_replace_name(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _replace_name(v, pattern) for k, v in value.items()}
    return value


def _forget_name(name: str) -> int:
    """Replace the person's name in other people's notifications and emails ("X suggested...").

    Whole words only, so a short name does not eat into other words. Returns rows changed.
    """
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    like = "%" + name.replace("%", "_") + "%"  # _ matches any one character, itself too
    changed = 0
    texts = {"notifications": ("title", "body"), "email_deliveries": ("subject", "payload")}
    for table_name, columns in texts.items():
        table = db.metadata.tables[table_name]
        matches = [cast(table.c[c], String).like(like) for c in columns]
        for row in db.session.execute(select(table).where(or_(*matches))).all():
            values = {c: _replace_name(getattr(row, c), pattern) for c in columns}
            if any(values[c] != getattr(row, c) for c in columns):
                db.session.execute(update(table).where(table.c.id == row.id).values(**values))
                changed += 1
    return changed


def delete_account(actor: User, person: User) -> dict[str, int]:
    """Delete `person`'s personal data and anonymise their account (admins only); flushes.

    Their counted activity, completions and points stay, under "Deleted
    person", so aggregates and roll-ups do not change; their name is replaced
    in what others were told about them. Raises
    PermissionDenied for non-admins and AccountError for oneself or the last
    admin. Returns how many rows each table lost or had scrubbed.
    """
    require_admin(actor)
    if person.id == actor.id:
        raise AccountError("You cannot delete your own account.")
    if person.role == Role.ADMIN and person.active and _other_active_admins(person) == 0:
        raise AccountError("Beacon needs at least one admin.")
    if person.email.endswith("@deleted.invalid"):
        raise AccountError("This account was deleted already.")
    changed: dict[str, int] = {}
    invitations = db.metadata.tables["invitations"]
    result = db.session.execute(
        delete(invitations).where(func.lower(invitations.c.email) == person.email.lower())
    )
    changed["invitations"] = result.rowcount or 0  # type: ignore[attr-defined]
    for table, column in person_columns():
        rule = RETENTION.get((table.name, column))
        if rule is None:
            log.warning("no retention rule for %s.%s: rows kept", table.name, column)
            continue
        match = table.c[column] == person.id
        if rule.action == "delete":
            result = db.session.execute(delete(table).where(match))
        elif rule.action == "scrub":
            result = db.session.execute(update(table).where(match).values(**rule.scrub))
        else:
            continue
        changed[table.name] = changed.get(table.name, 0) + (result.rowcount or 0)  # type: ignore[attr-defined]
    changed["mentions"] = _forget_name(person.display_name)
    person.email = f"deleted-{person.id}@deleted.invalid"
    person.display_name = DELETED_NAME
    person.password_hash = None
    person.active = False
    person.role = Role.EMPLOYEE
    person.team_id = None
    person.timezone = "UTC"
    person.last_login_at = None
    person.hide_from_boards = True
    db.session.flush()
    end_all_sessions(person)
    return changed
