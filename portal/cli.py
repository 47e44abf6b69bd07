"""Flask CLI commands: create-admin, demo-data, worker, scheduler, sweep-outbox."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.db import db


def register_commands(app: Flask) -> None:
    """Attach Beacon's commands to `flask`."""
    for command in (create_admin, demo_data, worker, scheduler, sweep_outbox_command):
        app.cli.add_command(command)


@click.command("create-admin")
@click.option("--email", prompt=True, help="The admin's email address.")
@click.option("--name", prompt="Display name", help="The admin's display name.")
@click.password_option(help="At least 10 characters.")
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account (or make an existing person admin, keeping their password)."""
    from portal.accounts import services as accounts
    from portal.accounts.models import Role

    user = accounts.get_user_by_email(email)
    try:
        if user is None:
            user = accounts.create_user(email, name, password, role=Role.ADMIN)
            click.echo(f"Created admin {user.email}.")
        else:
            user.role = Role.ADMIN
            user.active = True
            click.echo(f"{user.email} is now an admin.")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()


@click.command("demo-data")
@click.option(
    "--force", is_flag=True, help="Load it even in production (it has a public password)."
)
@with_appcontext
def demo_data(force: bool) -> None:
    """Load the demo teams and people (idempotent: a second run changes nothing)."""
    from portal.demo import DEMO_PASSWORD, DEMO_PEOPLE, load_demo_data

    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException(
            "The demo accounts share a published password: refusing in production (use --force)."
        )
    added = load_demo_data()
    db.session.commit()
    click.echo(f"Demo data: {added} rows added." if added else "Demo data: already loaded.")
    for person in DEMO_PEOPLE:
        click.echo(f"  {person.role.label:<16} {person.email:<22} {DEMO_PASSWORD}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker that executes jobs inside the app context."""
    from portal.queue import sweep_outbox
    from portal.worker import make_worker

    logging.getLogger("rq.worker").setLevel(logging.INFO)
    pushed = sweep_outbox(grace_seconds=0)
    if pushed:
        click.echo(f"Pushed {pushed} waiting outbox jobs to the queue.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    make_worker(app).work(burst=burst, with_scheduler=True)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the periodic-job scheduler (RQ cron). Run exactly one."""
    from rq.cron import CronScheduler

    from jobs.cron import PERIODIC_JOBS
    from portal.queue import get_redis

    cron = CronScheduler(connection=get_redis(), logging_level="INFO")
    queue_name = current_app.config["RQ_QUEUE"]
    for func, options in PERIODIC_JOBS:
        cron.register(func, queue_name, **options)
    cron.start()


@click.command("sweep-outbox")
@with_appcontext
def sweep_outbox_command() -> None:
    """Push outbox jobs that are still waiting for Redis."""
    from portal.queue import sweep_outbox

    click.echo(f"Pushed {sweep_outbox(grace_seconds=0)} jobs.")
