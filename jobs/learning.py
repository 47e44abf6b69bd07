"""Jobs of the learning domain: forwarding xAPI statements to the learning record store."""

from __future__ import annotations

import json
import logging

import httpx
from flask import current_app

from portal.db import db
from portal.learning import xapi

log = logging.getLogger(__name__)

LRS_TIMEOUT = 10.0  # seconds, for connecting and for each read


def forward_xapi_statements(batch_size: int = 100) -> int:
    """POST unforwarded statements to `XAPI_ENDPOINT`, oldest first; return how many it marked.

    A no-op without an endpoint. Each accepted batch is marked forwarded and
    committed before the next is sent. Raises `httpx.HTTPError` on a network
    error or an answer other than 2xx (409 aside), leaving that batch unforwarded
    for RQ's retry or the periodic run; sending a statement twice is harmless,
    since an LRS keeps one statement per id.
    """
    config = current_app.config
    endpoint = (config.get("XAPI_ENDPOINT") or "").rstrip("/")
    if not endpoint:
        return 0
    username, password = config.get("XAPI_USERNAME", ""), config.get("XAPI_PASSWORD", "")
    auth = httpx.BasicAuth(username, password) if username or password else None
    headers = {"X-Experience-API-Version": xapi.XAPI_VERSION, "Content-Type": "application/json"}
    marked = 0
    with httpx.Client(auth=auth, headers=headers, timeout=LRS_TIMEOUT) as client:
        while True:
            batch = xapi.unforwarded_statements(batch_size)
            # End the read before waiting on the network: on SQLite every transaction
            # begins IMMEDIATE and would keep other writers out meanwhile.
            db.session.rollback()
            if not batch:
                break
            _post(client, f"{endpoint}/statements", batch)
            marked += xapi.mark_forwarded([s["id"] for s in batch])
            db.session.commit()
            if len(batch) < batch_size:
                break
    if marked:
        log.info("forwarded %d xAPI statements to %s", marked, endpoint)
    return marked


def _post(client: httpx.Client, url: str, statements: list[xapi.Statement]) -> None:
    """Send statements to the LRS; raises `httpx.HTTPError` unless they are all stored.

    409 Conflict means the LRS already holds a statement with one of these ids:
    ours, sent before by a run that could not mark it. Many LRSs then refuse the
    whole batch, so a batch is re-sent one statement at a time, and a 409 for a
    single statement counts as delivered.
    """
    response = client.post(url, content=json.dumps(statements).encode())
    if response.status_code == httpx.codes.CONFLICT:
        if len(statements) > 1:
            for one in statements:
                _post(client, url, [one])
        else:
            log.info("the LRS already holds xAPI statement %s", statements[0]["id"])
        return
    if not response.is_success:
        log.warning("the LRS answered %s: %s", response.status_code, response.text[:500])
    response.raise_for_status()
