"""The sweep checks which reminder keys are taken before delivering (most are, run after run)."""

from __future__ import annotations

from portal.db import db
from portal.notifications.reminders import Due
from portal.notifications.services import notification_key, notify, taken_keys
from portal.notifications.sweep import _not_delivered


def test_taken_keys_are_the_delivered_ones(app_ctx, people):
    sam = people.person()
    notify([sam.id], "idea_status", "Picked", "/boards", subject="idea:1")
    db.session.commit()
    delivered = notification_key("idea_status", sam.id, "idea:1", "")
    other = notification_key("idea_status", sam.id, "idea:2", "")
    assert taken_keys([delivered, other]) == {delivered}
    assert taken_keys([]) == set()


def test_the_sweep_passes_on_each_new_key_once(app_ctx, people):
    sam = people.person()
    notify([sam.id], "idea_status", "Picked", "/boards", subject="idea:1")
    db.session.commit()
    found = [
        Due(sam.id, "idea:1", "Already delivered", "/boards", ""),
        Due(sam.id, "idea:2", "New", "/boards", ""),
        Due(sam.id, "idea:2", "The same key again", "/boards", ""),
    ]
    assert [due.title for due in _not_delivered("idea_status", found)] == ["New"]


def test_taken_keys_across_several_chunks(app_ctx, people, monkeypatch):
    from portal.notifications import preferences as prefs
    from portal.notifications import services

    monkeypatch.setattr(services, "KEY_CHUNK", 2)
    monkeypatch.setattr(prefs, "IN_CHUNKS", 2)
    sam = people.person()
    for subject in ("idea:1", "idea:3", "idea:5"):
        notify([sam.id], "idea_status", "Picked", "/boards", subject=subject)
    db.session.commit()
    keys = [notification_key("idea_status", sam.id, f"idea:{n}", "") for n in range(1, 6)]
    assert taken_keys(keys) == {keys[0], keys[2], keys[4]}
