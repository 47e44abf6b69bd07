"""Commands: demo data (idempotent) and create-admin."""

from __future__ import annotations

from portal.accounts import services as accounts
from portal.accounts.models import Role, Team, User
from portal.db import db
from portal.demo import DEMO_PASSWORD


def test_demo_data_loads_once_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    added = int(first.output.split("Demo data: ")[1].split(" rows added")[0])
    # 2 teams, 4 people, 7 modules, 3 paths, and each domain's examples on top.
    assert added > 16
    assert "admin@example.com" in first.output and DEMO_PASSWORD in first.output
    second = runner.invoke(args=["demo-data"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.query(User).count() == 4
        assert db.session.query(Team).count() == 2
        roles = sorted(u.role.value for u in db.session.query(User))
        assert roles == ["admin", "employee", "employee", "leader"]
        assert accounts.authenticate("leader@example.com", DEMO_PASSWORD) is not None


def test_demo_data_leaves_changed_people_alone(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo-data"])
    with app.app_context():
        sam = accounts.get_user_by_email("sam@example.com")
        sam.display_name = "Samantha"
        db.session.commit()
    runner.invoke(args=["demo-data"])
    with app.app_context():
        assert accounts.get_user_by_email("sam@example.com").display_name == "Samantha"


def test_create_admin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--name",
            "The Boss",
            "--password",
            "a long passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        boss = accounts.authenticate("boss@example.com", "a long passphrase")
        assert boss is not None and boss.role == Role.ADMIN


def test_create_admin_refuses_a_weak_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "b@example.com", "--name", "B", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_sweep_outbox_command(app):
    result = app.test_cli_runner().invoke(args=["sweep-outbox"])
    assert result.exit_code == 0
    assert "Pushed 0 jobs." in result.output
