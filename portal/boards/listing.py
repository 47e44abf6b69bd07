"""What board pages show a person: the boards, the idea cards, one idea with its comments.

Everything about an author passes through `byline` here, so an anonymous
idea's author reaches no template that colleagues receive: cards carry the
words to show, never the author. Admins are told who posted it, marked as
seen by admins only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.boards.models import (
    Board,
    BoardPhase,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaVote,
    VoteMode,
)
from portal.boards.services import can_run, newcomers_since, visible_to
from portal.boards.votes import dots_used
from portal.db import db, utcnow

SORTS = {"top": "Top", "new": "New"}
LIVE_POLL_SECONDS = 3
OPEN_POLL_SECONDS = 15
CLOSED_POLL_SECONDS = 60


@dataclass(frozen=True)
class Byline:
    """Who posted something, as the viewer may see it; `admin_note` only for admins."""

    name: str
    admin_note: str | None = None
    mine: bool = False


def byline(viewer: User, author: User, anonymous: bool, label: str = "Anonymous") -> Byline:
    """The author's name, or `label` for an anonymous post (the author and admins learn more)."""
    if not anonymous:
        return Byline(author.display_name, mine=author.id == viewer.id)
    if author.id == viewer.id:
        return Byline(f"You ({label.lower()})", mine=True)
    if viewer.role == Role.ADMIN:
        return Byline(label, f"Posted by {author.display_name}: only admins see this")
    return Byline(label)


@dataclass
class IdeaCard:
    """One idea as the viewer sees it in a list."""

    idea: Idea
    byline: Byline
    votes: int | None  # None: hidden from this viewer
    my_dots: int
    comments: int

    @property
    def voted(self) -> bool:
        return self.my_dots > 0


@dataclass
class Budget:
    """A person's dot-votes on a board."""

    total: int
    used: int

    @property
    def left(self) -> int:
        return max(self.total - self.used, 0)


@dataclass
class BoardView:
    """The board page (or its live fragment) for one viewer."""

    board: Board
    cards: list[IdeaCard]
    sort: str
    query: str
    tag: str
    counts_visible: bool
    counts_hidden_from_others: bool
    can_run: bool
    budget: Budget | None
    live: bool
    upcoming: bool
    token: str
    poll_seconds: int
    tags: list[str] = field(default_factory=list)
    total_ideas: int = 0

    @property
    def can_post(self) -> bool:
        return self.board.phase == BoardPhase.COLLECTING

    @property
    def can_vote(self) -> bool:
        return self.board.phase != BoardPhase.CLOSED


def counts_hidden(board: Board) -> bool:
    """Vote counts are hidden from participants until the board closes, if the owner chose so."""
    return board.hide_counts and board.phase != BoardPhase.CLOSED


def counts_visible_to(viewer: User, board: Board) -> bool:
    """The owner and admins always see the counts; others unless they are hidden."""
    return not counts_hidden(board) or can_run(viewer, board)


def live_token(board: Board, now: datetime) -> str:
    """Changes whenever the board does, or its live session starts or ends."""
    return f"{board.version}-{int(board.session_live(now))}"


def poll_seconds(board: Board, now: datetime) -> int:
    """How often open pages ask for changes: often during a live session."""
    if board.session_live(now):
        return LIVE_POLL_SECONDS
    return OPEN_POLL_SECONDS if board.is_open else CLOSED_POLL_SECONDS


def like_pattern(query: str) -> str:
    """A case-insensitive LIKE pattern for `query`, its wildcards escaped (escape char `\\`)."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _vote_totals(idea_ids: list[int]) -> dict[int, int]:
    if not idea_ids:
        return {}
    rows = db.session.execute(
        select(IdeaVote.idea_id, func.sum(IdeaVote.dots))
        .where(IdeaVote.idea_id.in_(idea_ids))
        .group_by(IdeaVote.idea_id)
    )
    return {idea_id: int(total or 0) for idea_id, total in rows}


def _my_votes(viewer: User, idea_ids: list[int]) -> dict[int, int]:
    if not idea_ids:
        return {}
    rows = db.session.execute(
        select(IdeaVote.idea_id, IdeaVote.dots).where(
            IdeaVote.idea_id.in_(idea_ids), IdeaVote.user_id == viewer.id
        )
    )
    return {idea_id: dots for idea_id, dots in rows}


def _comment_counts(idea_ids: list[int]) -> dict[int, int]:
    if not idea_ids:
        return {}
    rows = db.session.execute(
        select(IdeaComment.idea_id, func.count())
        .where(IdeaComment.idea_id.in_(idea_ids))
        .group_by(IdeaComment.idea_id)
    )
    return {idea_id: int(count) for idea_id, count in rows}


def cards_for(viewer: User, board: Board, ideas: list[Idea]) -> list[IdeaCard]:
    """Idea cards with vote totals, the viewer's own votes and comment counts (four queries)."""
    ids = [i.id for i in ideas]
    totals, mine, comments = _vote_totals(ids), _my_votes(viewer, ids), _comment_counts(ids)
    visible = counts_visible_to(viewer, board)
    return [
        IdeaCard(
            idea=i,
            byline=byline(viewer, i.author, i.anonymous),
            votes=totals.get(i.id, 0) if visible else None,
            my_dots=mine.get(i.id, 0),
            comments=comments.get(i.id, 0),
        )
        for i in ideas
    ]


def budget_for(viewer: User, board: Board) -> Budget | None:
    """The viewer's dot-votes on a dot-vote board (None on a one-vote-per-idea board)."""
    if board.vote_mode != VoteMode.DOTS:
        return None
    return Budget(board.dot_budget, dots_used(viewer.id, board.id))


def board_view(
    viewer: User,
    board: Board,
    sort: str = "top",
    query: str = "",
    tag: str = "",
    now: datetime | None = None,
) -> BoardView:
    """The ideas on a board (merged ones folded into their target), searched and sorted.

    Sorting by top is only offered to people who may see the counts: the
    order would give hidden counts away.
    """
    now = now or utcnow()
    visible = counts_visible_to(viewer, board)
    sort = sort if sort in SORTS else "top"
    if sort == "top" and not visible:
        sort = "new"
    query = " ".join(query.split())[:100]
    stmt = (
        select(Idea)
        .where(Idea.board_id == board.id, Idea.status != IdeaStatus.MERGED)
        .options(selectinload(Idea.author))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
    )
    all_ideas = list(db.session.scalars(stmt))
    tags = sorted({t for i in all_ideas for t in i.tags}, key=str.lower)
    if query:
        pattern = like_pattern(query)
        found = set(
            db.session.scalars(
                select(Idea.id).where(
                    Idea.board_id == board.id,
                    or_(
                        func.lower(Idea.title).like(pattern, escape="\\"),
                        func.lower(Idea.body).like(pattern, escape="\\"),
                    ),
                )
            )
        )
        ideas = [i for i in all_ideas if i.id in found]
    else:
        ideas = all_ideas
    if tag:
        ideas = [i for i in ideas if tag.lower() in (t.lower() for t in i.tags)]
    cards = cards_for(viewer, board, ideas)
    if sort == "top":
        totals = {c.idea.id: c.votes or 0 for c in cards}
        cards.sort(key=lambda c: totals[c.idea.id], reverse=True)  # stable: newest first on ties
    return BoardView(
        board=board,
        cards=cards,
        sort=sort,
        query=query,
        tag=tag,
        counts_visible=visible,
        counts_hidden_from_others=counts_hidden(board),
        can_run=can_run(viewer, board),
        budget=budget_for(viewer, board),
        live=board.session_live(now),
        upcoming=board.is_open and board.session_at is not None and board.session_at > now,
        token=live_token(board, now),
        poll_seconds=poll_seconds(board, now),
        tags=tags,
        total_ideas=len(all_ideas),
    )


def card_for(viewer: User, idea: Idea) -> IdeaCard:
    """One idea's card (after a vote)."""
    return cards_for(viewer, idea.board, [idea])[0]


# --- one idea ---------------------------------------------------------------------------


@dataclass
class Thread:
    """A comment, how its author shows, and its replies."""

    comment: IdeaComment
    byline: Byline
    replies: list[tuple[IdeaComment, Byline]] = field(default_factory=list)


@dataclass
class IdeaPage:
    """An idea with its comments, the ideas merged into it and what the owner may merge it into."""

    card: IdeaCard
    threads: list[Thread]
    merged_from: list[Idea]
    merge_targets: list[Idea]
    can_run: bool
    can_edit: bool
    budget: Budget | None


def _comment_byline(viewer: User, idea: Idea, comment: IdeaComment) -> Byline:
    # The anonymous author commenting on their own idea stays anonymous there too.
    same_author = idea.anonymous and comment.author_id == idea.author_id
    return byline(viewer, comment.author, same_author, "Anonymous (the idea's author)")


def idea_page(viewer: User, idea: Idea) -> IdeaPage:
    """Everything the idea page shows `viewer`."""
    board = idea.board
    comments = list(
        db.session.scalars(
            select(IdeaComment)
            .where(IdeaComment.idea_id == idea.id)
            .options(selectinload(IdeaComment.author))
            .order_by(IdeaComment.created_at, IdeaComment.id)
        )
    )
    merged_from = list(
        db.session.scalars(
            select(Idea).where(Idea.merged_into_id == idea.id).order_by(Idea.created_at)
        )
    )
    # Comments of merged ideas keep their author rule: match them to their original idea.
    origin = {i.author_id: i for i in merged_from if i.anonymous}
    threads: dict[int, Thread] = {}
    replies: dict[int, list[IdeaComment]] = defaultdict(list)
    for c in comments:
        if c.parent_id is None:
            threads[c.id] = Thread(c, _comment_byline(viewer, origin.get(c.author_id, idea), c))
        else:
            replies[c.parent_id].append(c)
    for parent_id, items in replies.items():
        if parent_id in threads:
            threads[parent_id].replies = [
                (r, _comment_byline(viewer, origin.get(r.author_id, idea), r)) for r in items
            ]
    runs = can_run(viewer, board)
    targets: list[Idea] = []
    if runs and not idea.is_merged:
        targets = list(
            db.session.scalars(
                select(Idea)
                .where(
                    Idea.board_id == board.id,
                    Idea.id != idea.id,
                    Idea.status != IdeaStatus.MERGED,
                )
                .order_by(Idea.title)
            )
        )
    return IdeaPage(
        card=card_for(viewer, idea),
        threads=list(threads.values()),
        merged_from=merged_from,
        merge_targets=targets,
        can_run=runs,
        can_edit=(
            idea.author_id == viewer.id
            and board.phase == BoardPhase.COLLECTING
            and not idea.is_merged
        ),
        budget=budget_for(viewer, board),
    )


# --- the list of boards -----------------------------------------------------------------


@dataclass
class BoardSummary:
    """A board in the list: how many ideas it has, and whether its session is live."""

    board: Board
    ideas: int
    live: bool
    upcoming: bool


def list_boards(viewer: User, now: datetime | None = None) -> list[BoardSummary]:
    """The boards `viewer` may see: live sessions first, then open boards, then closed ones."""
    now = now or utcnow()
    boards = list(
        db.session.scalars(
            select(Board)
            .where(visible_to(viewer))
            .options(selectinload(Board.team), selectinload(Board.owner))
            .order_by(Board.created_at.desc(), Board.id.desc())
        )
    )
    counts: dict[int, int] = {}
    if boards:
        rows = db.session.execute(
            select(Idea.board_id, func.count())
            .where(Idea.board_id.in_([b.id for b in boards]), Idea.status != IdeaStatus.MERGED)
            .group_by(Idea.board_id)
        )
        counts = {board_id: int(n) for board_id, n in rows}
    summaries = [
        BoardSummary(
            b,
            counts.get(b.id, 0),
            b.session_live(now),
            b.is_open and b.session_at is not None and b.session_at > now,
        )
        for b in boards
    ]

    def order(s: BoardSummary) -> tuple[int, float]:
        b = s.board
        if s.live:
            return (0, 0.0)
        if s.upcoming and b.session_at is not None:
            return (1, b.session_at.timestamp())  # upcoming sessions, soonest first
        return (2 if b.is_open else 3, 0.0)

    return sorted(summaries, key=order)


def is_newcomer(user: User, now: datetime | None = None) -> bool:
    """True for people who joined within the last 60 days."""
    return user.joined_on >= newcomers_since(now or utcnow()).date()
