"""Learning records (xAPI statements) for admins."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learning_records", __name__, url_prefix="/admin/learning-records")
