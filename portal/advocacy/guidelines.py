"""Posting guidelines: versions, acknowledgements, caption rules and the caption checker.

Admins draft a new version in Markdown and publish it; published versions are
read-only and kept. A person must acknowledge the current (latest published)
version before sharing, and again whenever a newer one is published.

`check_caption` applies the admin's caption rules to a caption before it is
shared: blocked terms and length limits are blocking problems; a missing
disclosure and a caption identical to colleagues' are hints, with a one-click
fix for the disclosure.

Functions flush; the caller commits. Admin-only functions raise
`PermissionDenied`; bad input raises `GuidelinesError`.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.accounts.services import require_admin
from portal.advocacy.guideline_events import GuidelinesAcknowledged
from portal.advocacy.guideline_models import (
    CaptionRules,
    GuidelineAcknowledgement,
    GuidelineVersion,
)
from portal.db import db, insert_ignore, utcnow
from portal.events import publish
from portal.notifications.reminders import notice_kind
from portal.notifications.services import notify

# Networks the caption checker knows, with their labels.
NETWORKS: dict[str, str] = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}
_ALIASES = {"twitter": "x", "x.com": "x", "fb": "facebook", "li": "linkedin"}

# Default length limits, used until an admin saves the caption rules.
# X: 280, every link counted as 23 (t.co). LinkedIn posts: 3,000.
# Facebook: 63,206 characters, the platform's own post limit. Admins may lower it.
DEFAULT_LIMITS: dict[str, int] = {"x": 280, "linkedin": 3000, "facebook": 63206}
MAX_LIMIT = 100_000
X_LINK_LENGTH = 23

TITLE_MAX = 120
SUMMARY_MAX = 300
BODY_MAX = 50_000
DISCLOSURE_MAX = 200
TERMS_MAX = 200  # blocked terms at most
TERM_MAX = 80  # characters per blocked term

# An http(s) URL as X's t.co sees one: up to whitespace, minus trailing punctuation.
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\u2019\u201d"


class GuidelinesError(ValueError):
    """Input the guidelines cannot accept; `field` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- versions


def current_version() -> GuidelineVersion | None:
    """The published version with the highest number, or None before the first publication."""
    return db.session.scalars(
        select(GuidelineVersion)
        .where(GuidelineVersion.published_at.is_not(None))
        .order_by(GuidelineVersion.number.desc())
        .limit(1)
    ).first()


def published_versions() -> list[GuidelineVersion]:
    """Every published version, newest first (they stay readable, never editable)."""
    return list(
        db.session.scalars(
            select(GuidelineVersion)
            .where(GuidelineVersion.published_at.is_not(None))
            .order_by(GuidelineVersion.number.desc())
        )
    )


def get_published(number: int) -> GuidelineVersion:
    """A published version by number; NotFound for drafts and unknown numbers."""
    version = db.session.scalars(
        select(GuidelineVersion).where(
            GuidelineVersion.number == number, GuidelineVersion.published_at.is_not(None)
        )
    ).first()
    if version is None:
        raise NotFound()
    return version


def current_draft() -> GuidelineVersion | None:
    """The unpublished draft, if an admin started one."""
    return db.session.scalars(
        select(GuidelineVersion).where(GuidelineVersion.published_at.is_(None)).limit(1)
    ).first()


def acknowledged_version_ids(user: User, version_ids: Iterable[int]) -> set[int]:
    """Which of these versions `user` has acknowledged."""
    ids = list(version_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(GuidelineAcknowledgement.version_id).where(
                GuidelineAcknowledgement.user_id == user.id,
                GuidelineAcknowledgement.version_id.in_(ids),
            )
        )
    )


def needs_acknowledgement(user: User) -> bool:
    """True when a published version exists that `user` has not acknowledged yet.

    False while no guidelines have been published, so sharing works before an
    admin writes any.
    """
    version = current_version()
    if version is None:
        return False
    return not acknowledged_version_ids(user, [version.id])


def acknowledgement_of(user: User, version: GuidelineVersion) -> GuidelineAcknowledgement | None:
    """The person's acknowledgement of `version`, if any."""
    return db.session.scalars(
        select(GuidelineAcknowledgement).where(
            GuidelineAcknowledgement.user_id == user.id,
            GuidelineAcknowledgement.version_id == version.id,
        )
    ).first()


def acknowledge(user: User, version_id: int, *, now: datetime | None = None) -> bool:
    """Record that `user` read the current version; True if this is the first time.

    Only the current version can be acknowledged (an old tab posting an older
    id gets a GuidelinesError: read the new one first). Acknowledging twice
    records once; the event (and its points) fires only the first time.
    """
    version = current_version()
    if version is None or version.id != version_id:
        raise GuidelinesError("These guidelines have been replaced: please read the current ones.")
    now = now or utcnow()
    new = insert_ignore(
        GuidelineAcknowledgement, user_id=user.id, version_id=version.id, acknowledged_at=now
    )
    if new is None:
        return False
    publish(
        GuidelinesAcknowledged(
            user_id=user.id, occurred_at=now, version_id=version.id, version_number=version.number
        )
    )
    return True


def acknowledgement_counts(version_ids: Iterable[int]) -> dict[int, int]:
    """How many people acknowledged each version (one query)."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(GuidelineAcknowledgement.version_id, func.count())
        .where(GuidelineAcknowledgement.version_id.in_(ids))
        .group_by(GuidelineAcknowledgement.version_id)
    )
    return {version_id: count for version_id, count in rows}


def _check_version_input(title: str, body: str, summary: str) -> tuple[str, str, str]:
    title = " ".join(title.split())
    if not title:
        raise GuidelinesError("Give the guidelines a title.", "title")
    if len(title) > TITLE_MAX:
        raise GuidelinesError(f"Keep the title under {TITLE_MAX} characters.", "title")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise GuidelinesError("Write the guidelines.", "body")
    if len(body) > BODY_MAX:
        raise GuidelinesError(f"Keep the guidelines under {BODY_MAX:,} characters.", "body")
    summary = " ".join(summary.split())
    if len(summary) > SUMMARY_MAX:
        raise GuidelinesError(f"Keep the summary under {SUMMARY_MAX} characters.", "summary")
    return title, body, summary


def save_draft(actor: User, *, title: str, body: str, summary: str = "") -> GuidelineVersion:
    """Create or update the one draft (admins only); it gets the next version number."""
    require_admin(actor)
    title, body, summary = _check_version_input(title, body, summary)
    draft = current_draft()
    if draft is None:
        highest = db.session.scalar(select(func.max(GuidelineVersion.number))) or 0
        draft = GuidelineVersion(number=highest + 1, created_by_id=actor.id)
        db.session.add(draft)
    draft.title, draft.body, draft.summary = title, body, summary
    db.session.flush()
    return draft


def discard_draft(actor: User) -> bool:
    """Delete the unpublished draft (admins only); True if there was one."""
    require_admin(actor)
    draft = current_draft()
    if draft is None:
        return False
    db.session.delete(draft)
    db.session.flush()
    return True


# People notified per publication, at most: the whole company in one bounded batch.
NOTIFY_BATCH = 5000
PUBLISHED_KIND = "guidelines_published"
notice_kind(PUBLISHED_KIND, "New posting guidelines")


def publish_draft(actor: User, draft_id: int, *, now: datetime | None = None) -> GuidelineVersion:
    """Publish the draft (admins only): it becomes current and everyone must acknowledge it.

    Every active person is notified once (one bounded batch).
    """
    require_admin(actor)
    draft = current_draft()
    if draft is None or draft.id != draft_id:
        raise GuidelinesError("That draft no longer exists: it was published or discarded.")
    now = now or utcnow()
    draft.published_at = now
    draft.published_by_id = actor.id
    db.session.flush()

    people = db.session.scalars(
        select(User.id).where(User.active.is_(True)).order_by(User.id).limit(NOTIFY_BATCH)
    )
    notify(
        list(people),
        PUBLISHED_KIND,
        f"New posting guidelines: {draft.title} (version {draft.number})",
        "/guidelines",
        subject=f"guidelines:{draft.number}",
        body=draft.summary or "Please read and acknowledge them before your next share.",
        now=now,
    )
    return draft


# --------------------------------------------------------------------------- caption rules


def caption_rules() -> CaptionRules:
    """The saved caption rules, or an unsaved default (no disclosure, no terms, default limits)."""
    rules = db.session.get(CaptionRules, 1)
    if rules is None:
        rules = CaptionRules(
            id=1,
            disclosure="",
            blocked_terms="",
            limit_x=DEFAULT_LIMITS["x"],
            limit_linkedin=DEFAULT_LIMITS["linkedin"],
            limit_facebook=DEFAULT_LIMITS["facebook"],
        )
    return rules


def _check_limit(value: int | None, network: str) -> int | None:
    if value is None:
        return None
    if value < 1 or value > MAX_LIMIT:
        raise GuidelinesError(
            f"Choose a limit between 1 and {MAX_LIMIT:,}, or leave it empty for none.",
            f"limit_{network}",
        )
    return value


def update_caption_rules(
    actor: User,
    *,
    disclosure: str,
    blocked_terms: str,
    limits: dict[str, int | None],
    now: datetime | None = None,
) -> CaptionRules:
    """Save the caption rules (admins only)."""
    require_admin(actor)
    disclosure = " ".join(disclosure.split())
    if len(disclosure) > DISCLOSURE_MAX:
        raise GuidelinesError(
            f"Keep the disclosure under {DISCLOSURE_MAX} characters.", "disclosure"
        )
    terms = [" ".join(line.split()) for line in blocked_terms.splitlines()]
    terms = [t for t in terms if t]
    if len(terms) > TERMS_MAX:
        raise GuidelinesError(f"At most {TERMS_MAX} blocked terms.", "blocked_terms")
    if any(len(t) > TERM_MAX for t in terms):
        raise GuidelinesError(
            f"Keep each blocked term under {TERM_MAX} characters.", "blocked_terms"
        )
    if disclosure and any(_matches(t, disclosure) for t in terms):
        raise GuidelinesError("The disclosure contains a blocked term.", "disclosure")
    checked = {net: _check_limit(limits.get(net), net) for net in NETWORKS}
    rules = db.session.get(CaptionRules, 1)
    if rules is None:
        rules = CaptionRules(id=1)
        db.session.add(rules)
    rules.disclosure = disclosure
    rules.blocked_terms = "\n".join(terms)
    rules.limit_x = checked["x"]
    rules.limit_linkedin = checked["linkedin"]
    rules.limit_facebook = checked["facebook"]
    rules.updated_at = now or utcnow()
    rules.updated_by_id = actor.id
    db.session.flush()
    return rules


def limit_for(rules: CaptionRules, network: str) -> int | None:
    """The length limit for a network, None if it has none (or is unknown)."""
    return {
        "x": rules.limit_x,
        "linkedin": rules.limit_linkedin,
        "facebook": rules.limit_facebook,
    }.get(normalise_network(network))


# --------------------------------------------------------------------------- caption checker


@dataclass
class CaptionCheck:
    """What the checker found: blocking `problems`, non-blocking `hints` and a one-click fix."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    length: int = 0
    limit: int | None = None
    disclosure_missing: bool = False
    suggested_caption: str | None = None
    blocked_terms: list[str] = field(default_factory=list)
    identical_count: int = 0


def normalise_network(network: str) -> str:
    """ "LinkedIn", "twitter", " X " -> "linkedin", "x", "x"."""
    key = network.strip().lower()
    return _ALIASES.get(key, key)


def _fold(text: str) -> str:
    """Compatibility-normalised and case-folded, for case-insensitive Unicode matching."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=512)
def _term_pattern(term: str) -> re.Pattern[str]:
    """A term as a whole-word pattern: any run of whitespace between its words.

    Boundaries are Unicode-aware lookarounds (not `\\b`), so a term that starts
    or ends with a symbol ("#employee", "C++") still matches as a whole token.
    """
    words = [re.escape(w) for w in _fold(term).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def _matches(term: str, text: str) -> bool:
    return bool(term.strip()) and _term_pattern(term).search(_fold(text)) is not None


def find_blocked_terms(caption: str, terms: Iterable[str]) -> list[str]:
    """The blocked terms that occur in the caption as whole words, ignoring case."""
    folded = _fold(caption)
    return [t for t in terms if t.strip() and _term_pattern(t).search(folded)]


def _urls(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def caption_length(caption: str, network: str) -> int:
    """The caption's length as the network counts it.

    Characters are counted as Unicode code points after NFC normalisation. On X
    every http(s) URL counts as 23 characters, whatever its real length, as
    its t.co link shortener does.
    """
    text = unicodedata.normalize("NFC", caption)
    if normalise_network(network) != "x":
        return len(text)
    spans = _urls(text)
    return len(text) - sum(end - start for start, end in spans) + X_LINK_LENGTH * len(spans)


def normalise_caption(caption: str) -> str:
    """A caption reduced for "is this the same text?": no URLs, case or extra whitespace."""
    text = unicodedata.normalize("NFC", caption)
    for start, end in reversed(_urls(text)):
        text = text[:start] + " " + text[end:]
    return " ".join(_fold(text).split())


def add_disclosure(caption: str, disclosure: str) -> str:
    """The caption with the disclosure appended (on its own line for multi-line captions)."""
    body = caption.rstrip()
    if not body:
        return disclosure
    separator = "\n\n" if "\n" in body else " "
    return f"{body}{separator}{disclosure}"


def _colleague_captions(item_id: int | None, network: str) -> list[str]:
    """Captions colleagues already posted for this item on this network (none if unknown)."""
    if item_id is None:
        return []
    try:
        services = importlib.import_module("portal.advocacy.services")
    except ImportError:
        return []
    recent_captions = getattr(services, "recent_captions", None)
    if recent_captions is None:
        return []
    return [str(c) for c in recent_captions(item_id, network) if c]


def check_caption(caption: str, network: str, item_id: int | None) -> CaptionCheck:
    """Check a caption against the caption rules before it is shared on `network`."""
    rules = caption_rules()
    net = normalise_network(network)
    limit = limit_for(rules, net)
    length = caption_length(caption, net)
    problems: list[str] = []
    hints: list[str] = []

    blocked = find_blocked_terms(caption, rules.terms)
    for term in blocked:
        problems.append(f"Remove “{term}”: it must not be mentioned in public posts.")
    if limit is not None and length > limit:
        label = NETWORKS.get(net, network)
        note = " (each link counts as 23)" if net == "x" else ""
        problems.append(
            f"Too long for {label}: {length:,} of {limit:,} characters{note}. "
            f"Shorten it by {length - limit:,}."
        )

    disclosure_missing = bool(rules.disclosure) and not _matches(rules.disclosure, caption)
    suggested = None
    if disclosure_missing:
        suggested = add_disclosure(caption, rules.disclosure)
        hints.append(f"Add “{rules.disclosure}” so readers know you work here.")

    identical = 0
    mine = normalise_caption(caption)
    if mine:
        identical = sum(
            1 for other in _colleague_captions(item_id, net) if normalise_caption(other) == mine
        )
        if identical:
            people = "colleague has" if identical == 1 else "colleagues have"
            hints.append(
                f"{identical} {people} already posted this exact caption: "
                "personalise it in your own words to get more reach."
            )

    return CaptionCheck(
        ok=not problems,
        problems=problems,
        hints=hints,
        length=length,
        limit=limit,
        disclosure_missing=disclosure_missing,
        suggested_caption=suggested,
        blocked_terms=blocked,
        identical_count=identical,
    )
