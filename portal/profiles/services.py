"""Personal-brand profiles: editing one's own, showing colleagues', potential reach.

Profiles are company-internal: any logged-in colleague may read an active
person's profile; only the person edits it. Social links are normalised to
https URLs on the network's own domain (a bare handle becomes one). Bad input
raises `ProfileError` naming the field; functions flush and the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.profiles.models import AppearanceKind, BrandProfile, SpeakingEntry

NETWORKS: dict[str, str] = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}

HEADLINE_MAX = 120
BIO_MAX = 2000
TAG_MAX = 40
TAGS_MAX = 12
URL_MAX = 300
FOLLOWERS_MAX = 1_000_000_000
TITLE_MAX = 200
EVENT_MAX = 200
LINK_MAX = 500
SPEAKING_MAX = 200  # entries per person

# The network's own domains (subdomains such as www. and de. are accepted too).
_DOMAINS: dict[str, tuple[str, ...]] = {
    "linkedin": ("linkedin.com",),
    "x": ("x.com", "twitter.com"),
    "facebook": ("facebook.com", "fb.com"),
}
_HANDLES: dict[str, re.Pattern[str]] = {
    # LinkedIn public profile URLs: 3-100 letters, digits or hyphens (accents allowed).
    "linkedin": re.compile(r"[\w\-%]{3,100}"),
    # X: 1-15 letters, digits or underscores.
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    # Facebook usernames: 5-50 letters, digits and dots.
    "facebook": re.compile(r"[A-Za-z0-9.]{5,50}"),
}
_EXAMPLES = {
    "linkedin": "https://www.linkedin.com/in/your-name or your-name",
    "x": "https://x.com/yourhandle or @yourhandle",
    "facebook": "https://www.facebook.com/your.name or your.name",
}
# Paths on x.com that are pages, not people.
_X_RESERVED = {"home", "i", "intent", "share", "search", "explore", "settings", "messages",
               "notifications", "login", "signup", "tos", "privacy", "hashtag"}  # fmt: skip


class ProfileError(ValueError):
    """Input a profile cannot accept; `field` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- input


def _on_domain(host: str, network: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in _DOMAINS[network])


def clean_social(network: str, raw: str) -> str:
    """A social profile as a canonical https URL on the network's domain ("" if empty).

    Accepts the profile's URL (https only; "linkedin.com/in/sam" without a
    scheme is fine) or a bare handle ("@sam", "sam"), which becomes the URL.
    Raises ProfileError otherwise.
    """
    field = f"{network}_url"
    label = NETWORKS[network]
    value = raw.strip()
    if not value:
        return ""
    if len(value) > URL_MAX:
        raise ProfileError(f"Keep the {label} address under {URL_MAX} characters.", field)
    looks_like_url = "/" in value or any(d in value.lower() for d in _DOMAINS[network])
    if not looks_like_url:
        handle = value.removeprefix("@")
        if not _HANDLES[network].fullmatch(handle):
            raise ProfileError(
                f"That is not a {label} handle or address. Use {_EXAMPLES[network]}.", field
            )
        return _canonical(network, handle)

    if "://" not in value:
        value = "https://" + value.lstrip("/")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ProfileError(f"That is not a valid {label} address.", field) from None
    if parts.scheme.lower() != "https":
        raise ProfileError(f"Use the secure https:// address of your {label} profile.", field)
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or port is not None or not _on_domain(host, network):
        raise ProfileError(
            f"Use an address on {' or '.join(_DOMAINS[network])}: {_EXAMPLES[network]}.", field
        )
    segments = [s for s in parts.path.split("/") if s]
    if network == "linkedin":
        if (
            len(segments) == 2
            and segments[0].lower() == "in"
            and _HANDLES["linkedin"].fullmatch(segments[1])
        ):
            return _canonical(network, segments[1])
    elif network == "x":
        if len(segments) == 1 and segments[0].lower() not in _X_RESERVED:
            handle = segments[0].removeprefix("@")
            if _HANDLES["x"].fullmatch(handle):
                return _canonical(network, handle)
    else:
        if segments == ["profile.php"]:
            ids = parse_qs(parts.query).get("id", [])
            if len(ids) == 1 and ids[0].isdigit() and len(ids[0]) <= 20:
                return f"https://www.facebook.com/profile.php?id={ids[0]}"
        elif len(segments) == 1 and _HANDLES["facebook"].fullmatch(segments[0]):
            return _canonical(network, segments[0])
    raise ProfileError(
        f"That does not look like a personal {label} profile. Use {_EXAMPLES[network]}.", field
    )


def _canonical(network: str, handle: str) -> str:
    return {
        "linkedin": f"https://www.linkedin.com/in/{handle}",
        "x": f"https://x.com/{handle}",
        "facebook": f"https://www.facebook.com/{handle}",
    }[network]


def parse_expertise(raw: str | Iterable[str]) -> list[str]:
    """Areas of expertise from "a, b\\nc" (or a list): trimmed, de-duplicated, at most 12."""
    items = re.split(r"[,\n]", raw) if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = " ".join(item.split()).lstrip("#")
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > TAG_MAX:
            raise ProfileError(f"Keep each area under {TAG_MAX} characters.", "expertise")
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ProfileError(f"Choose at most {TAGS_MAX} areas of expertise.", "expertise")
    return tags


def clean_followers(network: str, value: int | None) -> int:
    """A declared follower count: a whole number from 0 (empty means 0)."""
    if value is None:
        return 0
    if value < 0:
        raise ProfileError("Follower counts cannot be negative.", f"followers_{network}")
    if value > FOLLOWERS_MAX:
        raise ProfileError("That is more followers than we can count.", f"followers_{network}")
    return value


def clean_link(raw: str, field: str = "link") -> str:
    """An optional https link (for the speaking log); "" if empty."""
    value = raw.strip()
    if not value:
        return ""
    if len(value) > LINK_MAX:
        raise ProfileError(f"Keep the link under {LINK_MAX} characters.", field)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ProfileError("That is not a valid link.", field) from None
    if parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname:
        raise ProfileError("Use a full https:// link.", field)
    if parts.username or parts.password or (port is not None and port != 443):
        raise ProfileError("Use a plain https:// link.", field)
    return value


# --------------------------------------------------------------------------- reading


def visible_person(viewer: User, person_id: int) -> User:
    """The person whose profile `viewer` asks for; NotFound if unknown or deactivated."""
    person = db.session.get(User, person_id)
    if person is None or not person.active or not viewer.active:
        raise NotFound()
    return person


def get_profile(user: User) -> BrandProfile | None:
    """The person's saved profile, or None before they first save it."""
    return db.session.get(BrandProfile, user.id)


def blank_profile(user: User) -> BrandProfile:
    """An unsaved, empty profile for someone who has not written one yet."""
    return BrandProfile(
        user_id=user.id,
        headline="",
        bio="",
        expertise=[],
        linkedin_url="",
        x_url="",
        facebook_url="",
        followers_linkedin=0,
        followers_x=0,
        followers_facebook=0,
        public=False,
        public_slug=None,
        public_followers=False,
        public_indexable=False,
    )


def speaking_log(user: User) -> list[SpeakingEntry]:
    """The person's speaking log, newest first."""
    return list(
        db.session.scalars(
            select(SpeakingEntry)
            .where(SpeakingEntry.user_id == user.id)
            .order_by(SpeakingEntry.happened_on.desc(), SpeakingEntry.id.desc())
            .limit(SPEAKING_MAX)
        )
    )


@dataclass(frozen=True)
class CompletenessItem:
    """One thing a complete profile has; `anchor` is where on the edit page to do it."""

    key: str
    label: str
    done: bool
    anchor: str


@dataclass(frozen=True)
class Completeness:
    """How complete a profile is: six things, each done or not."""

    items: list[CompletenessItem]

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total)

    @property
    def missing(self) -> list[CompletenessItem]:
        return [item for item in self.items if not item.done]


def completeness(profile: BrandProfile, speaking_count: int) -> Completeness:
    """The completeness meter: headline, bio, expertise, a social link, followers, a talk.

    Each item names the edit-page field (or section) where it is done, so the
    meter's "what to do next" links straight to it.
    """
    return Completeness(
        [
            CompletenessItem("headline", "Write a headline", bool(profile.headline), "headline"),
            CompletenessItem("bio", "Add a short bio", bool(profile.bio), "bio"),
            CompletenessItem(
                "expertise", "List your areas of expertise", bool(profile.expertise), "expertise"
            ),
            CompletenessItem(
                "social",
                "Link a social profile",
                any(profile.url_for_network(n) for n in NETWORKS),
                "linkedin_url",
            ),
            CompletenessItem(
                "followers",
                "Declare your follower counts",
                any(profile.followers_on(n) for n in NETWORKS),
                "followers_linkedin",
            ),
            CompletenessItem(
                "speaking", "Log a talk, podcast or article", speaking_count > 0, "speaking"
            ),
        ]
    )


@dataclass(frozen=True)
class ProfileBadge:
    """An earned badge as the profile shows it, with its public page."""

    badge_id: int
    uid: str
    name: str
    description: str
    issued_at: datetime
    url: str  # the badge's public (verifiable) page
    linkedin_url: str | None  # LinkedIn's "add to profile" link, for the owner


def earned_badges(user: User, *, with_linkedin: bool = False) -> list[ProfileBadge]:
    """The person's earned (not revoked) badges, newest first, with their public pages.

    The hook into the badges domain (portal.gamification.badges); empty while
    it is absent. `with_linkedin` adds LinkedIn's "add to profile" links.
    """
    try:
        from portal.gamification import badges
    except ImportError:  # pragma: no cover - the badges domain ships with Beacon
        return []
    page: str = getattr(badges, "EARNED_PAGE", "/badges/earned/{uid}")
    linkedin = _linkedin_link if with_linkedin else None
    return [
        ProfileBadge(
            badge_id=a.badge_id,
            uid=a.uid,
            name=a.badge.name,
            description=a.badge.description,
            issued_at=a.issued_at,
            url=page.format(uid=a.uid),
            linkedin_url=linkedin(a) if linkedin else None,
        )
        for a in badges.earned_badges(user)
        if a.revoked_at is None
    ]


def _linkedin_link(assertion: Any) -> str | None:
    try:
        from portal.gamification.openbadges import linkedin_url
    except ImportError:  # pragma: no cover
        return None
    try:
        return linkedin_url(assertion)
    except BuildError:  # the badges pages are not registered (yet)
        return None


def potential_reach(team_id: int | None = None) -> dict[str, int]:
    """Declared followers of active people per network (one team's, or everyone's): one query."""
    query = select(
        func.coalesce(func.sum(BrandProfile.followers_linkedin), 0),
        func.coalesce(func.sum(BrandProfile.followers_x), 0),
        func.coalesce(func.sum(BrandProfile.followers_facebook), 0),
    ).join(User, User.id == BrandProfile.user_id)
    query = query.where(User.active.is_(True))
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    linkedin, x, facebook = db.session.execute(query).one()
    return {"linkedin": int(linkedin), "x": int(x), "facebook": int(facebook)}


# --------------------------------------------------------------------------- writing


def update_profile(
    actor: User,
    *,
    headline: str,
    bio: str,
    expertise: str | Iterable[str],
    links: dict[str, str],
    followers: dict[str, int | None],
    now: datetime | None = None,
) -> BrandProfile:
    """Save the actor's own profile (created on first save). Raises ProfileError.

    A follower count that differs from the saved one gets `now` as its
    update date; an unchanged count keeps its date.
    """
    if not actor.active:
        raise NotFound()
    headline = " ".join(headline.split())
    if len(headline) > HEADLINE_MAX:
        raise ProfileError(f"Keep the headline under {HEADLINE_MAX} characters.", "headline")
    bio = bio.replace("\r\n", "\n").strip()
    if len(bio) > BIO_MAX:
        raise ProfileError(f"Keep the bio under {BIO_MAX:,} characters.", "bio")
    tags = parse_expertise(expertise)
    urls = {n: clean_social(n, links.get(n, "")) for n in NETWORKS}
    counts = {n: clean_followers(n, followers.get(n)) for n in NETWORKS}

    now = now or utcnow()
    profile = get_profile(actor)
    if profile is None:
        profile = blank_profile(actor)
        db.session.add(profile)
    profile.headline, profile.bio, profile.expertise = headline, bio, tags
    profile.linkedin_url, profile.x_url, profile.facebook_url = (
        urls["linkedin"],
        urls["x"],
        urls["facebook"],
    )
    for network, count in counts.items():
        # The date beside a count says when it last changed, not when the form was saved.
        if count != profile.followers_on(network):
            setattr(profile, f"followers_{network}", count)
            setattr(profile, f"followers_{network}_updated_at", now)
    profile.updated_at = now
    db.session.flush()
    return profile


def add_speaking(
    actor: User,
    *,
    kind: str,
    title: str,
    event: str,
    happened_on: date | None,
    link: str = "",
) -> SpeakingEntry:
    """Add an entry to the actor's speaking log. Raises ProfileError."""
    try:
        appearance = AppearanceKind(kind)
    except ValueError:
        raise ProfileError("Choose what kind of appearance it was.", "kind") from None
    title = " ".join(title.split())
    if not title:
        raise ProfileError("Give the title of the talk, episode or article.", "title")
    if len(title) > TITLE_MAX:
        raise ProfileError(f"Keep the title under {TITLE_MAX} characters.", "title")
    event = " ".join(event.split())
    if len(event) > EVENT_MAX:
        raise ProfileError(f"Keep the event under {EVENT_MAX} characters.", "event")
    if happened_on is None:
        raise ProfileError("Give the date.", "happened_on")
    if not date(1970, 1, 1) <= happened_on <= date(2100, 12, 31):
        raise ProfileError("Give a date between 1970 and 2100.", "happened_on")
    count = db.session.scalar(select(func.count()).where(SpeakingEntry.user_id == actor.id))
    if (count or 0) >= SPEAKING_MAX:
        raise ProfileError(f"Your speaking log is full ({SPEAKING_MAX} entries).", "title")
    entry = SpeakingEntry(
        user_id=actor.id,
        kind=appearance,
        title=title,
        event=event,
        happened_on=happened_on,
        link=clean_link(link),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def delete_speaking(actor: User, entry_id: int) -> None:
    """Remove one of the actor's own entries; NotFound for anyone else's or unknown ids."""
    entry = db.session.get(SpeakingEntry, entry_id)
    if entry is None or entry.user_id != actor.id:
        raise NotFound()
    db.session.delete(entry)
    db.session.flush()


def profile_context(viewer: User, person: User) -> dict[str, Any]:
    """Everything the profile page shows about `person`."""
    profile = get_profile(person) or blank_profile(person)
    talks = speaking_log(person)
    return {
        "person": person,
        "profile": profile,
        "talks": talks,
        "badges": earned_badges(person, with_linkedin=viewer.id == person.id),
        "completeness": completeness(profile, len(talks)),
        "networks": NETWORKS,
        "reach": sum(profile.followers_on(n) for n in NETWORKS),
        "is_me": viewer.id == person.id,
    }
