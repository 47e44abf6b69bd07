"""Learning for everyone: my learning, the catalogue, playing lessons, review sessions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learn")
