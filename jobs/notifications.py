"""Jobs of the notifications domain: the reminder sweep, the digests and email delivery.

The sweep runs every 5 minutes and the digests every hour (jobs/cron.py); both
are keyed to (person, kind, subject, period), so a second run, a second
scheduler or a retry after a crash delivers nothing twice. Email goes out in
batches through `deliver_emails`, enqueued through the outbox after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from portal.notifications import delivery, sweep

log = logging.getLogger(__name__)


def sweep_reminders() -> dict[str, Any]:
    """Deliver every reminder due now, take back stalled emails and send those now due."""
    result = sweep.sweep_reminders()
    summary = {
        "found": result.found,
        "notified": result.notified,
        "reclaimed": result.reclaimed,
        "dispatched": result.dispatched,
        "failed_providers": result.failed_providers,
    }
    log.info("reminder sweep: %s", summary)
    return summary


def send_digests() -> dict[str, Any]:
    """Queue the digests of everyone whose local morning it is (once per day or week)."""
    result = sweep.send_digests()
    summary = {
        "due": result.due,
        "queued": result.queued,
        "empty": result.empty,
        "failed_sections": result.failed_sections,
    }
    log.info("digests: %s", summary)
    return summary


def deliver_emails(delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of email deliveries; raises MailError so RQ retries when some must wait.

    Idempotent: only pending rows are claimed, so a retry or a second copy of
    the job sends nothing that was sent.
    """
    result = delivery.send_deliveries(delivery_ids)
    summary = {
        "sent": len(result.sent),
        "skipped": len(result.skipped),
        "failed": len(result.failed),
        "retry": len(result.retry),
    }
    if result.error is not None:
        log.warning("email deliveries to retry: %s (%s)", summary, result.error)
        raise result.error
    return summary
