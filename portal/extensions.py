"""Flask extensions, created unbound and bound in `create_app()`."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

from portal.db import db

migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address)

__all__ = ["csrf", "db", "htmx", "limiter", "login_manager", "migrate", "request"]
