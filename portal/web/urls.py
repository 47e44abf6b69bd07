"""URLs: absolute links for emails and jobs, and the only redirects we follow."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on `BASE_URL`, usable from jobs and the CLI as well as requests."""
    base = current_app.config["BASE_URL"]
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/", base_url=base):
        return base + url_for(endpoint, **values)


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a local path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target
