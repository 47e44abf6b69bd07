"""Opt-in public profile pages: what anyone on the web may see of a person's profile.

Off by default. A person who opts in gets a page at /p/<slug>, the slug made
at random on the first opt-in (never derived from the name or id), kept if
they opt out and back in. Anonymous visitors see only what `PublicProfile`
carries: name, headline, bio, expertise, social links, the speaking log and
earned badges; follower counts and potential reach only if the person chose
to show them. Never the email address, role or team. A page whose person opted
out, was deactivated or does not exist is a 404.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.db import db
from portal.profiles.models import BrandProfile, SpeakingEntry
from portal.profiles.services import (
    NETWORKS,
    ProfileBadge,
    blank_profile,
    earned_badges,
    get_profile,
    speaking_log,
)

SLUG_BYTES = 16  # 22 url-safe characters: unguessable
_SLUG = re.compile(r"[A-Za-z0-9_-]{16,32}")


def set_public(
    actor: User, *, public: bool, show_followers: bool = False, indexable: bool = False
) -> BrandProfile:
    """Turn the actor's public page on or off, with its two extra choices; flushes.

    The slug is made on the first opt-in and kept, so a shared address works
    again when the person opts back in.
    """
    if not actor.active:
        raise NotFound()
    profile = get_profile(actor)
    if profile is None:
        profile = blank_profile(actor)
        db.session.add(profile)
    profile.public = public
    profile.public_followers = show_followers
    profile.public_indexable = indexable
    if public and not profile.public_slug:
        profile.public_slug = secrets.token_urlsafe(SLUG_BYTES)
    db.session.flush()
    return profile


@dataclass(frozen=True)
class SocialLink:
    """A linked social profile as the public page shows it."""

    network: str
    label: str
    url: str
    handle: str
    followers: int | None  # None unless the person shows their counts


@dataclass(frozen=True)
class PublicProfile:
    """Everything a public profile page may show: nothing else reaches the template."""

    name: str
    initials: str
    headline: str
    bio: str  # Markdown, rendered sanitised
    expertise: list[str]
    links: list[SocialLink]
    talks: list[SpeakingEntry]
    badges: list[ProfileBadge]
    reach: int | None  # None unless the person shows their counts
    indexable: bool


def public_profile(slug: str) -> PublicProfile:
    """The public page behind `slug`; NotFound unless it exists, is on and its person is active."""
    if not _SLUG.fullmatch(slug):
        raise NotFound()
    found = db.session.execute(
        select(BrandProfile, User)
        .join(User, User.id == BrandProfile.user_id)
        .where(BrandProfile.public_slug == slug)
    ).first()
    if found is None:
        raise NotFound()
    profile, person = found
    if not profile.public or not person.active:
        raise NotFound()
    counts = profile.public_followers
    links = [
        SocialLink(
            network=n,
            label=label,
            url=profile.url_for_network(n),
            handle=profile.handle_on(n),
            followers=profile.followers_on(n) if counts else None,
        )
        for n, label in NETWORKS.items()
        if profile.url_for_network(n)
    ]
    return PublicProfile(
        name=person.display_name,
        initials=person.initials,
        headline=profile.headline,
        bio=profile.bio,
        expertise=list(profile.expertise),
        links=links,
        talks=speaking_log(person),
        badges=earned_badges(person),
        reach=sum(profile.followers_on(n) for n in NETWORKS) if counts else None,
        indexable=profile.public_indexable,
    )
