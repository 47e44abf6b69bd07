"""Beacon: a self-hosted, gamified learning and employee-advocacy portal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, config_for


class ConfigurationError(RuntimeError):
    """Beacon cannot start with this configuration."""


def create_app(config_name: str | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app for `config_name` (default: `BEACON_ENV`), with optional overrides."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_for(config_name)())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY is not set: Beacon refuses to start without one.")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
    _configure_engine(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _register_web_hooks(app)

    from portal.cli import register_commands

    register_commands(app)
    return app


def _configure_engine(app: Flask) -> None:
    """PostgreSQL connections give up after DATABASE_CONNECT_TIMEOUT seconds, not psycopg's 130."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])  # a copy: the class's dict is shared
    connect_args = dict(options.get("connect_args", {}))
    connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    import portal.advocacy.notices  # noqa: F401 - share-later reminders, content digest section
    import portal.boards.reminders  # noqa: F401 - board session and newcomer reminders
    import portal.bulletins.notices  # noqa: F401 - bulletin reminders and digest section
    import portal.gamification.advocacy_subscribers  # noqa: F401 - points for shares and clicks
    import portal.gamification.badge_subscribers  # noqa: F401 - badges for what people do
    import portal.gamification.board_subscribers  # noqa: F401 - points for ideas and votes
    import portal.gamification.bulletin_subscribers  # noqa: F401 - points for bulletins
    import portal.gamification.challenge_settlement  # noqa: F401 - challenge rewards, reminder
    import portal.gamification.guideline_subscribers  # noqa: F401 - points for guidelines
    import portal.gamification.league_subscribers  # noqa: F401 - league XP for points earned
    import portal.gamification.streak_subscribers  # noqa: F401 - streaks for learning events
    import portal.gamification.subscribers  # noqa: F401 - points for learning events
    import portal.learning.subjects  # noqa: F401 - names lessons and paths in points history
    import portal.learning.xapi  # noqa: F401 - records learning events as xAPI statements
    import portal.models  # noqa: F401 - every table, for the app and for Alembic
    import portal.notifications.providers  # noqa: F401 - assignment, streak, points reminders
    from portal import queue
    from portal.accounts.services import load_session_user
    from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    queue.init_app(app)

    login_manager.init_app(app)
    # "basic": Flask-Login's "strong" mode ignores permanent sessions and throws away
    # remember-me cookies whenever the client's IP changes (mobile networks, VPNs).
    # Revocation is handled by the per-person session version instead.
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        from portal.web import hx_redirect, wants_fragment
        from portal.web.urls import safe_next

        # Come back here after logging in, but only to a page (a form post would 405).
        if request.method in ("GET", "HEAD") and not wants_fragment():
            target = safe_next(request.full_path.rstrip("?"), "/")
        else:
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            page = current.path + (f"?{current.query}" if current.query else "")
            target = safe_next(page or None, "/")
        login_url = url_for("auth.login", next=target if target != "/" else None)
        if request.headers.get("HX-Request") == "true" or wants_fragment():
            return hx_redirect(login_url)
        return redirect(login_url, 303)  # type: ignore[return-value]


def _register_blueprints(app: Flask) -> None:
    from portal.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    # Exports, settings, privacy, goals and segments add their routes to the insights blueprint.
    import portal.insights.data_views  # noqa: F401
    import portal.insights.manage_views  # noqa: F401

    # The lesson and path views add their routes to the authoring blueprint.
    import portal.learning.authoring_lesson_views  # noqa: F401
    import portal.learning.authoring_path_views  # noqa: F401
    from portal.accounts.admin_views import bp as people_bp
    from portal.accounts.views import bp as auth_bp
    from portal.accounts.views import settings_bp
    from portal.advocacy.guideline_views import bp as guidelines_bp
    from portal.advocacy.links import bp as links_bp
    from portal.advocacy.manage_views import bp as library_bp
    from portal.advocacy.views import bp as content_bp
    from portal.boards.views import bp as boards_bp
    from portal.bulletins.views import bp as bulletins_bp
    from portal.gamification.badge_views import bp as badges_bp
    from portal.gamification.challenge_views import bp as challenges_bp
    from portal.gamification.league_views import bp as leagues_bp
    from portal.gamification.views import bp as gamification_bp
    from portal.home.views import bp as home_bp
    from portal.insights.views import bp as insights_bp
    from portal.learning.assignment_views import bp as assignments_bp
    from portal.learning.authoring_views import bp as authoring_bp
    from portal.learning.records_views import bp as learning_records_bp
    from portal.learning.review_views import bp as review_bp
    from portal.learning.views import bp as learning_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.profiles.views import bp as profiles_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(gamification_bp)
    app.register_blueprint(leagues_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(learning_records_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(guidelines_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(content_bp)
    app.register_blueprint(library_bp)
    app.register_blueprint(links_bp)  # /s/<code>: public, GET only
    app.register_blueprint(bulletins_bp)
    app.register_blueprint(boards_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(insights_bp)


def _register_web_hooks(app: Flask) -> None:
    from portal.web import flashes_to_hx_trigger
    from portal.web.errors import register_error_handlers
    from portal.web.navigation import register_navigation
    from portal.web.security import register_input_guard, register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_input_guard(app)
    register_navigation(app)
    from portal.markdown import render_markdown

    app.add_template_filter(render_markdown, "markdown")
    app.after_request(flashes_to_hx_trigger)
    # Registered after, so it runs before: its toasts travel in the same HX-Trigger.
    from portal.gamification.toasts import register_point_toasts

    register_point_toasts(app)

    from flask import g

    from portal.db import reset_write_intent, set_write_intent

    @app.before_request
    def _transaction_intent() -> None:
        # Safe methods only read: let their SQLite transactions begin deferred.
        g.write_intent_token = set_write_intent(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _reset_transaction_intent(exc: BaseException | None) -> None:
        token = g.pop("write_intent_token", None)
        if token is not None:
            reset_write_intent(token)
