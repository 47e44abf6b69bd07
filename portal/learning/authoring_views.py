"""Authoring modules, lessons and questions (admins; leaders within their team)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/author")
