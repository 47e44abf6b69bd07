"""What a ledger row was for, in words: "lesson:12" -> the lesson's title and page.

Awards store a short subject ("lesson:12", "idea:7"). Each domain registers a
resolver for its prefixes; the points history asks for all its subjects at
once, one query per prefix, never per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Subject:
    """A subject's title and, if it has one, the page it lives on (an endpoint and its args)."""

    title: str
    endpoint: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


Resolver = Callable[[list[int]], dict[int, Subject]]
RESOLVERS: dict[str, Resolver] = {}


def subject_resolver(prefix: str) -> Callable[[Resolver], Resolver]:
    """Register the function that describes subjects "<prefix>:<id>" (ids in, Subjects out)."""

    def decorator(func: Resolver) -> Resolver:
        RESOLVERS[prefix] = func
        return func

    return decorator


def describe(subjects: Iterable[str]) -> dict[str, Subject]:
    """Describe each subject a resolver knows; unknown or malformed ones are left out."""
    ids: dict[str, list[int]] = defaultdict(list)
    for subject in set(subjects):
        prefix, _, raw = subject.partition(":")
        if prefix in RESOLVERS and raw.isdigit():
            ids[prefix].append(int(raw))
    found: dict[str, Subject] = {}
    for prefix, numbers in ids.items():
        for number, described in RESOLVERS[prefix](numbers).items():
            found[f"{prefix}:{number}"] = described
    return found
