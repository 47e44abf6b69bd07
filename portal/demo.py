"""Demo data for a first look: two teams, four people and the starter curriculum."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import Role, Team
from portal.db import db

DEMO_PASSWORD = "beacon-demo-password"  # noqa: S105 - printed for the demo logins on purpose


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    team: str


DEMO_PEOPLE = [
    DemoPerson("admin@example.com", "Alex Morgan", Role.ADMIN, "Marketing"),
    DemoPerson("leader@example.com", "Priya Shah", Role.LEADER, "Marketing"),
    DemoPerson("sam@example.com", "Sam Carter", Role.EMPLOYEE, "Marketing"),
    DemoPerson("jordan@example.com", "Jordan Lee", Role.EMPLOYEE, "Engineering"),
]
DEMO_TEAMS = ["Marketing", "Engineering"]


def load_demo_data() -> int:
    """Create whatever of the demo data is missing; return how many rows were added.

    Running it again changes nothing: existing people and teams are left as they are.
    """
    added = 0
    teams: dict[str, Team] = {}
    for name in DEMO_TEAMS:
        team = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
        if team is None:
            team = Team(name=name)
            db.session.add(team)
            added += 1
        teams[name] = team
    db.session.flush()
    for person in DEMO_PEOPLE:
        if accounts.get_user_by_email(person.email) is None:
            accounts.create_user(
                person.email, person.name, DEMO_PASSWORD, role=person.role, team=teams[person.team]
            )
            added += 1
    # The starter curriculum (portal/learning/curriculum/): modules and paths not yet there.
    from portal.learning.transfer import load_curriculum

    curriculum = load_curriculum()
    added += len(curriculum.modules_added) + len(curriculum.paths_added)
    from portal.gamification.badge_admin import load_demo_badges

    added += load_demo_badges()
    from portal.gamification.challenges import load_demo_challenge

    added += load_demo_challenge()
    from portal.bulletins.demo import load_demo_bulletins

    added += load_demo_bulletins()
    from portal.advocacy.demo import load_demo_content

    added += load_demo_content()
    from portal.boards.demo import load_board_demo

    added += load_board_demo()
    from portal.profiles.demo import load_guidelines_and_profiles_demo

    added += load_guidelines_and_profiles_demo()
    from portal.notifications.demo import load_notifications_demo

    added += load_notifications_demo()
    # Last: its figures include what the demos above did today.
    from portal.insights.demo import load_insights_demo

    added += load_insights_demo()
    return added
