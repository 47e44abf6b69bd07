"""The admin's side of points: editing the rules that pay them, and the adjustments' audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import require_admin
from portal.db import db
from portal.gamification.models import PointAward, PointRule

ADJUSTMENT = "adjustment"


def list_rules() -> list[PointRule]:
    """Every point rule, in the order they are shown to admins."""
    return list(db.session.scalars(select(PointRule).order_by(PointRule.label)))


def get_rule(rule_id: int) -> PointRule | None:
    """One rule by id, or None."""
    return db.session.get(PointRule, rule_id)


def rule_labels() -> dict[str, str]:
    """Action name -> the label people see, for the history page."""
    labels = {rule.action: rule.label for rule in list_rules()}
    labels.setdefault(ADJUSTMENT, "Adjustment by an admin")
    return labels


def update_rule(
    actor: User,
    rule: PointRule,
    points: int,
    daily_cap: int | None,
    cooldown_seconds: int,
    active: bool,
) -> None:
    """Change what a rule pays and how often; the next award uses it.

    Raises PermissionDenied unless `actor` is an admin, ValueError outside the
    allowed ranges (points 0..1000, cap None or 1..1000, cooldown 0..86400 s).
    """
    require_admin(actor)
    if not 0 <= points <= 1000:
        raise ValueError("Points must be between 0 and 1000.")
    if daily_cap is not None and not 1 <= daily_cap <= 1000:
        raise ValueError("The daily cap must be empty or between 1 and 1000.")
    if not 0 <= cooldown_seconds <= 86400:
        raise ValueError("The cooldown must be between 0 and 86400 seconds.")
    rule.points = points
    rule.daily_cap = daily_cap
    rule.cooldown_seconds = cooldown_seconds
    rule.active = active
    db.session.flush()


def recent_adjustments(limit: int = 50) -> list[PointAward]:
    """The latest admin adjustments, newest first, with who made them and for whom."""
    return list(
        db.session.scalars(
            select(PointAward)
            .where(PointAward.action == ADJUSTMENT)
            .options(selectinload(PointAward.user), selectinload(PointAward.awarded_by))
            .order_by(PointAward.awarded_at.desc(), PointAward.id.desc())
            .limit(limit)
        )
    )
