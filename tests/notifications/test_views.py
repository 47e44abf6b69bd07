"""The bell, the list, preferences and nudges, through the client (full pages and fragments)."""

from __future__ import annotations

from datetime import date

from portal.accounts.models import Role, User
from portal.db import db
from portal.notifications import preferences as prefs
from portal.notifications.models import Notification, Nudge
from portal.notifications.services import notify
from tests.conftest import HTMX
from tests.notifications.conftest import assign


def _notify(
    app, user_id: int, title: str = "Your idea was picked", url: str = "/learn/", **kw
) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        [made] = notify(
            [user_id],
            kw.pop("kind", "idea_status"),
            title,
            url,
            subject=kw.pop("subject", title),
            **kw,
        )
        db.session.commit()
        return made


def test_the_bell_shows_the_unread_count_and_answers_204_when_unchanged(app, client, auth, people):
    sam = people.person()
    auth.login(sam.email)
    page = client.get("/").get_data(as_text=True)
    assert 'id="bell"' in page and "none unread" in page
    assert 'hx-get="/notifications/bell?seen=0"' in page

    assert client.get("/notifications/bell?seen=0", headers=HTMX).status_code == 204
    _notify(app, sam.id)
    _notify(app, sam.id, title="Second")
    bell = client.get("/notifications/bell?seen=0", headers=HTMX)
    assert bell.status_code == 200 and bell.headers["Cache-Control"] == "no-store"
    html = bell.get_data(as_text=True)
    assert "2 unread" in html and 'data-count="2"' in html and "<html" not in html
    assert 'hx-get="/notifications/bell?seen=2"' in html
    assert client.get("/notifications/bell?seen=2", headers=HTMX).status_code == 204


def test_the_list_links_to_subjects_inside_beacon_only(app, client, auth, people):
    sam = people.person()
    inside = _notify(app, sam.id, title="Due today: Basics", url="/learn/modules/3")
    outside = _notify(app, sam.id, title="Sneaky", url="https://evil.example/phish")
    auth.login(sam.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Due today: Basics" in page and "Sneaky" in page
    assert f'href="/notifications/{inside}/open"' in page
    assert f'href="/notifications/{outside}/open"' not in page
    assert "evil.example" not in page

    opened = client.get(f"/notifications/{inside}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == "/learn/modules/3"
    escaped = client.get(f"/notifications/{outside}/open")
    assert escaped.headers["Location"] == "/notifications"
    with app.app_context():
        assert db.session.get(Notification, inside).read_at is not None


def test_mark_one_and_all_read(app, client, auth, people):
    sam = people.person()
    first = _notify(app, sam.id, title="One")
    _notify(app, sam.id, title="Two")
    _notify(app, sam.id, title="Three")
    auth.login(sam.email)
    fragment = client.post(f"/notifications/{first}/read", headers=HTMX)
    assert fragment.status_code == 200
    assert "notifications-changed" in fragment.headers["HX-Trigger"]
    assert "Mark read" not in fragment.get_data(as_text=True)
    listing = client.post("/notifications/read-all", headers=HTMX)
    html = listing.get_data(as_text=True)
    assert "0 unread of 3" in html and "notifications-changed" in listing.headers["HX-Trigger"]
    # Without htmx: a redirect back to the list.
    assert client.post("/notifications/read-all").status_code == 303
    assert client.get("/notifications/bell?seen=3", headers=HTMX).status_code == 200


def test_someone_elses_notification_is_a_404(app, client, auth, people):
    sam, jo = people.person(), people.person()
    theirs = _notify(app, jo.id)
    auth.login(sam.email)
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    assert client.get(f"/notifications/{theirs}/open").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_preferences_page_saves_choices_and_time_zone(app, client, auth, people):
    sam = people.person()
    auth.login(sam.email)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "Assignments due within a day" in page and "Streak at risk" in page
    assert '<input checked id="assignment_due__email"' in page  # email for assignments by default
    assert '<input id="streak_at_risk__email"' in page  # ...and not for the rest
    data = {
        "digest": "daily",
        "quiet_hours": "y",
        "quiet_from": "22",
        "quiet_to": "7",
        "timezone": "Europe/Berlin",
        "assignment_due__in_app": "y",
        "streak_at_risk__in_app": "y",
        "streak_at_risk__email": "y",
    }
    response = client.post("/settings/notifications", data=data)
    assert response.status_code == 303
    with app.app_context():
        saved = prefs.prefs_for(sam.id)
        assert saved.digest == "daily" and (saved.quiet_from, saved.quiet_to) == (22, 7)
        assert not saved.wants("assignment_due", prefs.EMAIL)
        assert saved.wants("streak_at_risk", prefs.EMAIL)
        assert not saved.wants("bulletin_published", prefs.IN_APP)  # left unticked
        assert db.session.get(User, sam.id).timezone == "Europe/Berlin"
    assert "Your notification settings are saved." in client.get(
        "/settings/notifications"
    ).get_data(as_text=True)


def test_preferences_errors_rerender_the_form(app, client, auth, people):
    sam = people.person()
    auth.login(sam.email)
    bad = {"digest": "hourly", "quiet_from": "22", "quiet_to": "7", "timezone": "UTC"}
    response = client.post("/settings/notifications", data=bad)
    assert response.status_code == 422
    assert "Choose how often you want the digest." in response.get_data(as_text=True)
    same = {
        "digest": "daily",
        "quiet_hours": "y",
        "quiet_from": "9",
        "quiet_to": "9",
        "timezone": "UTC",
    }
    response = client.post("/settings/notifications", data=same)
    assert response.status_code == 422
    assert "Quiet hours must start and end at different times." in response.get_data(as_text=True)


def test_a_leader_nudges_a_team_member_once_a_day(app, client, auth, people):
    team = people.team("Blue")
    leader = people.person(role=Role.LEADER, team=team, name="Lee Leader")
    sam = people.person(team=team, name="Sam Lee")
    assignment = assign(app, sam, date(2026, 12, 1), title="Finding your following")
    auth.login(leader.email)
    roster = client.get("/team").get_data(as_text=True)
    assert f"/team/{sam.id}/nudge" in roster and f"/team/{leader.id}/nudge" not in roster
    form = client.get(f"/team/{sam.id}/nudge", headers=HTMX).get_data(as_text=True)
    assert "Finish “Finding your following”" in form and "Keep learning" in form

    sent = client.post(
        f"/team/{sam.id}/nudge", data={"subject": f"assignment:{assignment}"}, headers=HTMX
    )
    assert sent.status_code == 200 and "Nudge sent to Sam Lee" in sent.get_data(as_text=True)
    again = client.post(f"/team/{sam.id}/nudge", data={"subject": "learning"}, headers=HTMX)
    assert again.status_code == 429
    assert "already got a nudge today" in again.get_data(as_text=True)
    with app.app_context():
        [note] = db.session.query(Notification).filter_by(user_id=sam.id, kind="nudge").all()
        assert note.title == "Time to finish “Finding your following”"
        assert note.body == "A nudge from Lee Leader." and note.url.startswith("/learn/modules/")
        assert db.session.query(Nudge).count() == 1


def test_nudges_stay_inside_the_team(app, client, auth, people):
    blue, green = people.team("Blue"), people.team("Green")
    leader = people.person(role=Role.LEADER, team=blue)
    stranger = people.person(team=green)
    employee = people.person(team=blue)
    auth.login(leader.email)
    assert client.get(f"/team/{stranger.id}/nudge").status_code == 404
    assert (
        client.post(f"/team/{stranger.id}/nudge", data={"subject": "learning"}).status_code == 404
    )
    bogus = client.post(f"/team/{employee.id}/nudge", data={"subject": "assignment:999"})
    assert bogus.status_code == 422
    auth.logout()
    auth.login(employee.email)
    assert client.post(f"/team/{leader.id}/nudge", data={"subject": "learning"}).status_code == 403
    with app.app_context():
        assert db.session.query(Nudge).count() == 0


def test_admins_see_deliveries_and_others_do_not(app, client, auth, people):
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "No failed emails" in page
    assert client.post("/admin/deliveries/12345/retry").status_code == 404
