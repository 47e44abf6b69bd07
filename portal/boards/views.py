"""Board pages: the list, a board with its live idea list, an idea with its comments.

Views parse, call a service, commit and render. Votes answer htmx with the
updated vote widget (and the dot-vote budget), a plain form post with a 303
back. Open board pages poll `live` for changes: it answers 204 when nothing
changed, else the idea list and the board's status out of band, so the
form someone is typing in is never replaced.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts.forms import options
from portal.accounts.models import Role, User
from portal.boards import listing, services, votes
from portal.boards.forms import COMPANY, BoardForm, CommentForm, EditIdeaForm, IdeaForm
from portal.boards.models import Board, BoardPhase, Idea, IdeaStatus, VoteMode
from portal.boards.services import BoardError, BoardSettings
from portal.db import db, utcnow
from portal.web import manager_required, parse_id, render, toast, wants_fragment
from portal.web.urls import safe_next

bp = Blueprint("boards", __name__, url_prefix="/boards")

INVALID = "Please correct the fields marked below."


def _me() -> User:
    me: User = current_user._get_current_object()
    return me


def local_time(moment: datetime | None, fmt: str = "%a %-d %b, %H:%M") -> str:
    """A time as the viewer reads it: in their own time zone, with its abbreviation."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_user.timezone) if current_user.is_authenticated else UTC
    local = moment.astimezone(zone)
    return f"{local.strftime(fmt)} {local.tzname() or ''}".strip()


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "local_time": local_time,
        "BoardPhase": BoardPhase,
        "IdeaStatus": IdeaStatus,
        "VoteMode": VoteMode,
    }


def see_other(endpoint: str, anchor: str | None = None, **values: Any) -> Response:
    """A 303 to `endpoint`: the answer to a plain form post."""
    return redirect(url_for(endpoint, _anchor=anchor, **values), 303)  # type: ignore[return-value]


def attach_error(form: Any, exc: BoardError) -> str | None:
    """Show a service error on its form field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def _filters(source: Any) -> tuple[str, str, str]:
    return source.get("sort", "top"), source.get("q", ""), source.get("tag", "")


def board_url(view: listing.BoardView) -> str:
    """The board page with the viewer's current sort, search and tag."""
    return url_for(
        "boards.board",
        board_id=view.board.id,
        sort=view.sort if view.sort != "top" else None,
        q=view.query or None,
        tag=view.tag or None,
    )


# --- boards -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> Response:
    """The boards the person may take part in: live sessions first."""
    me = _me()
    return render(
        "boards/index.html",
        summaries=listing.list_boards(me),
        can_create=me.role in (Role.LEADER, Role.ADMIN),
        newcomer=listing.is_newcomer(me),
    )


def _setup_board_form(form: BoardForm, me: User) -> BoardForm:
    teams = services.scope_teams(me)
    form.scope.choices = options(
        [(COMPANY, "Everyone in the company"), *[(str(t.id), f"Team {t.name}") for t in teams]]
    )
    return form


def _settings(form: BoardForm, me: User) -> BoardSettings:
    session_at = form.session_at.data
    if session_at is not None:
        session_at = session_at.replace(tzinfo=ZoneInfo(me.timezone)).astimezone(UTC)
    scope = form.scope.data or COMPANY
    return BoardSettings(
        prompt=form.prompt.data or "",
        details=form.details.data or "",
        team_id=None if scope == COMPANY else parse_id(scope),
        session_at=session_at,
        session_minutes=form.session_minutes.data or 60,
        newcomers_welcome=bool(form.newcomers_welcome.data),
        vote_mode=VoteMode(form.vote_mode.data or VoteMode.SINGLE.value),
        dot_budget=form.dot_budget.data or 5,
        hide_counts=bool(form.hide_counts.data),
    )


def _board_form_page(form: BoardForm, board: Board | None, error: str | None) -> Response:
    return render(
        "boards/board_form.html",
        status=422 if form.is_submitted() else 200,
        form=form,
        board=board,
        error=error,
    )


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new_board() -> Response:
    """Start a board for the company or a team."""
    me = _me()
    services.require_board_maker(me)
    form = _setup_board_form(BoardForm(), me)
    error = None
    if form.validate_on_submit():
        try:
            board = services.create_board(me, _settings(form, me))
        except BoardError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Board created. Share its link, or wait for people to find it under Boards.")
            return see_other("boards.board", board_id=board.id)
    elif form.is_submitted():
        error = INVALID
    return _board_form_page(form, None, error)


@bp.route("/<int:board_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_board(board_id: int) -> Response:
    """Change a board's prompt, audience, session and voting rules (owner or admin)."""
    me = _me()
    board = services.get_board(me, board_id)
    services.require_runner(me, board)
    if request.method == "POST":
        form = _setup_board_form(BoardForm(), me)
    else:
        session_local = (
            board.session_at.astimezone(ZoneInfo(me.timezone)).replace(tzinfo=None)
            if board.session_at
            else None
        )
        form = _setup_board_form(
            BoardForm(
                formdata=None,
                prompt=board.prompt,
                details=board.details,
                scope=str(board.team_id) if board.team_id else COMPANY,
                session_at=session_local,
                session_minutes=board.session_minutes,
                newcomers_welcome=board.newcomers_welcome,
                vote_mode=board.vote_mode.value,
                dot_budget=board.dot_budget,
                hide_counts=board.hide_counts,
            ),
            me,
        )
    error = None
    if form.validate_on_submit():
        try:
            services.update_board(me, board, _settings(form, me))
        except BoardError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Board settings saved.")
            return see_other("boards.board", board_id=board.id)
    elif form.is_submitted():
        error = INVALID
    return _board_form_page(form, board, error)


def _board_page(
    board: Board, form: IdeaForm | None = None, error: str | None = None, status: int = 200
) -> Response:
    me = _me()
    view = listing.board_view(me, board, *_filters(request.values))
    return render(
        "boards/board.html",
        "boards/_ideas.html",
        status=status,
        view=view,
        board=board,
        form=form or IdeaForm(formdata=None),
        error=error,
        next_url=board_url(view),
        newcomer=listing.is_newcomer(me),
    )


@bp.get("/<int:board_id>")
@login_required
def board(board_id: int) -> Response:
    """A board: its prompt and status, the idea form, and the ideas (searched and sorted).

    An htmx request (the search box, the sort switch) gets just the idea list.
    """
    return _board_page(services.get_board(_me(), board_id))


@bp.get("/<int:board_id>/live")
@login_required
def live(board_id: int) -> Response:
    """What changed since version `v`: 204 if nothing, else the ideas and status out of band.

    When the phase changed since the page was drawn (`phase`), the page reloads instead.
    """
    me = _me()
    board = services.get_board(me, board_id)
    if not wants_fragment():
        return see_other("boards.board", board_id=board.id)
    now = utcnow()
    if request.args.get("v") == listing.live_token(board, now):
        response = make_response("", 204)
    elif request.args.get("phase", board.phase.value) != board.phase.value:
        # The page's layout depends on the phase (the idea form comes and goes): reload it.
        response = make_response("", 204)
        response.headers["HX-Refresh"] = "true"
    else:
        view = listing.board_view(me, board, *_filters(request.args), now=now)
        response = render("boards/_live.html", view=view, board=board, next_url=board_url(view))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:board_id>/phase")
@manager_required
def set_phase(board_id: int) -> Response:
    """Move the board to collecting ideas, voting, or closed (owner or admin)."""
    me = _me()
    board = services.get_board(me, board_id)
    try:
        phase = BoardPhase(request.form.get("phase", ""))
    except ValueError:
        abort(400)
    if services.set_phase(me, board, phase):
        db.session.commit()
        toast(f"The board is now: {phase.label.lower()}.")
    return see_other("boards.board", board_id=board.id)


@bp.post("/<int:board_id>/ideas")
@login_required
def post_idea(board_id: int) -> Response:
    """Post an idea; htmx gets a fresh form with the idea list updated out of band."""
    me = _me()
    board = services.get_board(me, board_id)
    form = IdeaForm()
    error = None
    if form.validate_on_submit():
        anonymous = bool(form.anonymous.data)
        try:
            idea = services.post_idea(
                me, board, form.title.data or "", form.body.data or "", form.tags.data or "",
                anonymous,
            )  # fmt: skip
        except BoardError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Idea posted anonymously." if anonymous else "Idea posted.")
            if not wants_fragment():
                return see_other("boards.board", anchor=f"idea-{idea.id}", board_id=board.id)
            view = listing.board_view(me, board, *_filters(request.form))
            return render(
                "boards/_idea_posted.html",
                view=view,
                board=board,
                form=IdeaForm(formdata=None),
                next_url=board_url(view),
            )
    elif form.is_submitted():
        error = INVALID
    if wants_fragment():
        return render("boards/_idea_form.html", status=422, form=form, board=board, error=error)
    return _board_page(board, form, error, 422)


# --- ideas ------------------------------------------------------------------------------


def _idea_page(
    idea: Idea,
    comment_form: CommentForm | None = None,
    reply_forms: dict[int, CommentForm] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    me = _me()
    return render(
        "boards/idea.html",
        status=status,
        idea_view=listing.idea_page(me, idea),
        idea=idea,
        board=idea.board,
        comment_form=comment_form or CommentForm(formdata=None),
        reply_forms=reply_forms or {},
        error=error,
        next_url=url_for("boards.idea", idea_id=idea.id),
        statuses=[s for s in IdeaStatus if s != IdeaStatus.MERGED],
    )


@bp.get("/ideas/<int:idea_id>")
@login_required
def idea(idea_id: int) -> Response:
    """An idea, its votes and its comments; the owner's status and merge tools."""
    return _idea_page(services.get_idea(_me(), idea_id))


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit_idea(idea_id: int) -> Response:
    """Edit an idea (its author, while the board collects ideas)."""
    me = _me()
    idea = services.get_idea(me, idea_id)
    if idea.author_id != me.id:
        abort(403)
    if idea.board.phase != BoardPhase.COLLECTING or idea.is_merged:
        toast("Ideas can only be edited while the board collects ideas.", "error")
        return see_other("boards.idea", idea_id=idea.id)
    if request.method == "POST":
        form = EditIdeaForm()
    else:
        form = EditIdeaForm(
            formdata=None, title=idea.title, body=idea.body, tags=", ".join(idea.tags)
        )
    error = None
    if form.validate_on_submit():
        try:
            services.edit_idea(
                me, idea, form.title.data or "", form.body.data or "", form.tags.data or ""
            )
        except BoardError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Idea saved.")
            return see_other("boards.idea", idea_id=idea.id)
    elif form.is_submitted():
        error = INVALID
    return render(
        "boards/idea_form.html",
        status=422 if form.is_submitted() else 200,
        form=form,
        idea=idea,
        board=idea.board,
        error=error,
    )


@bp.post("/ideas/<int:idea_id>/vote")
@login_required
def vote(idea_id: int) -> Response:
    """Vote, take a vote back, or toggle; htmx gets the vote widget, a plain post a 303.

    A vote that breaks a rule (twice, a closed board, no dots left) changes
    nothing: the person is told why (409 for htmx, with the widget as it is).
    """
    me = _me()
    idea = services.get_idea(me, idea_id)
    action = request.form.get("action", "toggle")
    if action not in ("vote", "unvote", "toggle"):
        abort(400)
    status = 200
    try:
        if action == "vote":
            votes.cast_vote(me, idea)
        elif action == "unvote":
            votes.withdraw_vote(me, idea)
        else:
            votes.toggle_vote(me, idea)
    except BoardError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        status = 409
    else:
        db.session.commit()
    fallback = url_for("boards.board", board_id=idea.board_id, _anchor=f"idea-{idea.id}")
    next_url = safe_next(request.form.get("next"), fallback)
    if not wants_fragment():
        return redirect(next_url, 303)  # type: ignore[return-value]
    board = idea.board
    return render(
        "boards/_vote_response.html",
        status=status,
        card=listing.card_for(me, idea),
        board=board,
        budget=listing.budget_for(me, board),
        next_url=next_url,
    )


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
def comment(idea_id: int) -> Response:
    """Comment on an idea, or reply to a comment (`parent_id`)."""
    me = _me()
    idea = services.get_idea(me, idea_id)
    raw_parent = request.form.get("parent_id", "")
    parent_id = parse_id(raw_parent) if raw_parent else None
    if raw_parent and parent_id is None:
        abort(400)
    form = CommentForm(prefix=f"reply-{parent_id}" if parent_id else "")
    error = None
    if form.validate_on_submit():
        try:
            made = services.add_comment(me, idea, form.body.data or "", parent_id)
        except BoardError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Reply posted." if parent_id else "Comment posted.")
            return see_other("boards.idea", anchor=f"comment-{made.id}", idea_id=idea.id)
    if parent_id:
        return _idea_page(idea, reply_forms={parent_id: form}, error=error, status=422)
    return _idea_page(idea, comment_form=form, error=error, status=422)


@bp.post("/ideas/<int:idea_id>/status")
@manager_required
def set_status(idea_id: int) -> Response:
    """Set an idea's status (owner or admin); its voters and author are notified."""
    me = _me()
    idea = services.get_idea(me, idea_id)
    try:
        status = IdeaStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    try:
        changed = services.set_status(me, idea, status)
    except BoardError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        if changed:
            toast(f"Marked “{status.label}”. Its author and voters have been told.")
    return see_other("boards.idea", idea_id=idea_id)


@bp.post("/ideas/<int:idea_id>/merge")
@manager_required
def merge(idea_id: int) -> Response:
    """Merge an idea into another on the same board (owner or admin)."""
    me = _me()
    idea = services.get_idea(me, idea_id)
    into_id = parse_id(request.form.get("into"))
    if into_id is None:
        toast("Choose the idea to merge it into.", "error")
        return see_other("boards.idea", idea_id=idea.id)
    into = services.get_idea(me, into_id)
    try:
        target = services.merge_idea(me, idea, into)
    except BoardError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return see_other("boards.idea", idea_id=idea.id)
    db.session.commit()
    toast(f"Merged into “{target.title}”: its votes and comments moved along.")
    return see_other("boards.idea", idea_id=target.id)
