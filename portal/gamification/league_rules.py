"""The rules of the weekly leagues, as pure functions: tiers, weeks, zones and outcomes.

A league week is the ISO week in UTC: it starts on Monday at 00:00 UTC and
ends a week later, whatever a person's own time zone (the page shows the end
in theirs). Within a cohort the best `MOVE` move up a tier and the last
`MOVE` move down when the week rolls over; small cohorts move fewer people,
so the two zones never overlap and nobody is promoted without beating anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

COHORT_SIZE = 30
MOVE = 5  # promoted and demoted per full cohort
NEWCOMER_DAYS = 14  # people who joined Beacon this recently start among newcomers

PROMOTED, STAYED, DEMOTED = "promoted", "stayed", "demoted"
PROMOTION, DEMOTION = "promotion", "demotion"


@dataclass(frozen=True)
class Tier:
    """A league tier: its number (1 = the lowest), name and the slug its colours hang on."""

    number: int
    name: str
    slug: str


TIERS: tuple[Tier, ...] = (
    Tier(1, "Bronze", "bronze"),
    Tier(2, "Silver", "silver"),
    Tier(3, "Gold", "gold"),
    Tier(4, "Sapphire", "sapphire"),
    Tier(5, "Diamond", "diamond"),
)
TOP_TIER = len(TIERS)


def tier(number: int) -> Tier:
    """The tier with this number (clamped to the tiers that exist)."""
    return TIERS[min(max(number, 1), TOP_TIER) - 1]


def week_of(moment: datetime) -> str:
    """The league week a moment falls in: its ISO week in UTC, "2026-W48"."""
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> datetime:
    """When a league week starts: Monday 00:00 UTC."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def week_end(week: str) -> datetime:
    """When a league week ends (the next Monday 00:00 UTC, exclusive)."""
    return week_start(week) + timedelta(days=7)


def previous_week(week: str) -> str:
    """The league week before `week`."""
    return week_of(week_start(week) - timedelta(days=1))


def zone_sizes(size: int) -> tuple[int, int]:
    """How many of a cohort of `size` move up and how many move down.

    `MOVE` each from 15 people on; a third each in smaller cohorts, so the
    zones never overlap. Two people: the better one moves up, nobody down;
    one person alone moves nowhere.
    """
    down = min(MOVE, size // 3)
    up = min(MOVE, max(down, 1 if size >= 2 else 0))
    return up, down


def zone(tier_number: int, rank: int, size: int) -> str | None:
    """Whether `rank` (1 = best) of a cohort of `size` is in the promotion or demotion zone.

    The top tier has no promotion zone and the lowest no demotion zone.
    """
    up, down = zone_sizes(size)
    if rank <= up and tier_number < TOP_TIER:
        return PROMOTION
    if rank > size - down and tier_number > 1:
        return DEMOTION
    return None


@dataclass(frozen=True)
class Result:
    """A person's end of a league week: final rank, what happened, and their next tier."""

    membership_id: int
    user_id: int
    rank: int
    outcome: str
    next_tier: int
    xp: int
    size: int


def results(tier_number: int, ranked: Sequence[tuple[int, int, int]]) -> list[Result]:
    """The results of a cohort of `tier_number` from its members in rank order.

    `ranked` holds (membership id, user id, xp), best first (ties already broken
    by who reached the XP first).
    """
    size = len(ranked)
    found: list[Result] = []
    for position, (membership_id, user_id, xp) in enumerate(ranked, start=1):
        where = zone(tier_number, position, size)
        if where == PROMOTION:
            outcome, next_tier = PROMOTED, tier_number + 1
        elif where == DEMOTION:
            outcome, next_tier = DEMOTED, tier_number - 1
        else:
            outcome, next_tier = STAYED, tier_number
        found.append(Result(membership_id, user_id, position, outcome, next_tier, xp, size))
    return found


def is_newcomer(joined_on: date, moment: datetime, has_played: bool) -> bool:
    """Newcomers: in their first league week, or joined Beacon within `NEWCOMER_DAYS`."""
    return not has_played or (moment.astimezone(UTC).date() - joined_on).days < NEWCOMER_DAYS


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st ..."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
