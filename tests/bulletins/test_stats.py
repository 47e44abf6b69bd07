"""Read and acknowledgement rates (hand-computed), reminders, the digest section and notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.bulletins import notify_audience
from portal.accounts.models import Role, User
from portal.bulletins import reading, services, stats
from portal.bulletins.models import Bulletin, BulletinRead
from portal.bulletins.notices import new_bulletins, unacknowledged_bulletins
from portal.db import db, utcnow
from portal.notifications.models import Notification
from portal.notifications.reminders import DIGEST_SECTIONS, REMINDERS
from tests.bulletins.factories import make_bulletin


@pytest.fixture
def company(people):  # type: ignore[no-untyped-def]
    """Blue: the admin and three people (plus one deactivated); Green: three; one without team."""
    blue, green = people.team("Blue"), people.team("Green")
    p = {
        "blue": blue,
        "green": green,
        "admin": people.person(role=Role.ADMIN, team=blue, name="Ada Admin"),
        "b1": people.person(team=blue, name="Bea One"),
        "b2": people.person(team=blue, name="Ben Two"),
        "b3": people.person(team=blue, name="Bo Three"),
        "gone": people.person(team=blue, name="Gone Person", active=False),
        "g1": people.person(team=green, name="Gia One"),
        "g2": people.person(team=green, name="Gus Two"),
        "g3": people.person(team=green, name="Gwen Three"),
        "n1": people.person(name="Nat Noteam"),
    }
    return p


def _read(app, person, bulletin_id: int, ack: bool = False) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.get(User, person.id)
        bulletin = db.session.get(Bulletin, bulletin_id)
        reading.mark_read(user, bulletin, utcnow())
        if ack:
            reading.acknowledge(user, bulletin_id, utcnow())
        db.session.commit()


def _setup_reads(app, company) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    everyone = make_bulletin(app, company["admin"], "For everyone")
    green = make_bulletin(app, company["admin"], "For green", teams=[company["green"]])
    _read(app, company["b1"], everyone, ack=True)
    _read(app, company["b2"], everyone)
    _read(app, company["g1"], everyone, ack=True)
    _read(app, company["g2"], everyone, ack=True)
    _read(app, company["n1"], everyone)
    _read(app, company["gone"], everyone, ack=True)  # deactivated since: not counted
    _read(app, company["g3"], green, ack=True)
    with app.app_context():  # someone who has since left the audience (moved team)
        db.session.add(BulletinRead(bulletin_id=green, user_id=company["b1"].id))
        db.session.commit()
    return everyone, green


def test_rates_per_bulletin_and_team_are_exact(app, company):
    everyone, green = _setup_reads(app, company)
    with app.app_context():
        admin = db.session.get(User, company["admin"].id)
        figures = stats.bulletin_stats(admin, db.session.get(Bulletin, everyone))
        assert figures.total == stats.Rates(audience=8, read=5, acknowledged=3)
        assert (figures.total.read_percent, figures.total.acknowledged_percent) == (63, 38)
        rows = [
            (t.name, t.audience, t.read, t.acknowledged, t.read_percent, t.acknowledged_percent)
            for t in figures.teams
        ]
        assert rows == [
            ("Blue", 4, 2, 1, 50, 25),
            ("Green", 3, 2, 2, 67, 67),
            ("No team", 1, 1, 0, 100, 0),
        ]
        figures = stats.bulletin_stats(admin, db.session.get(Bulletin, green))
        assert figures.total == stats.Rates(audience=3, read=1, acknowledged=1)
        assert [(t.name, t.audience, t.read_percent) for t in figures.teams] == [("Green", 3, 33)]

        bulletins = services.all_bulletins(admin)
        assert stats.rates_for(bulletins) == {
            everyone: stats.Rates(8, 5, 3),
            green: stats.Rates(3, 1, 1),
        }


def test_percent_rounds_halves_up():
    assert [stats.percent(p, w) for p, w in [(1, 8), (3, 8), (5, 8), (1, 3), (2, 3), (0, 0)]] == [
        13,
        38,
        63,
        33,
        67,
        0,
    ]


def test_the_stats_page_and_reminding_those_who_have_not_acknowledged(app, client, auth, company):
    everyone, _ = _setup_reads(app, company)
    auth.login(company["admin"].email)
    page = client.get(f"/bulletins/{everyone}/stats").get_data(as_text=True)
    assert "63%" in page and "5 of 8" in page and "38%" in page and "3 of 8" in page
    assert "Not acknowledged yet: 5" in page
    assert '<th scope="row">No team</th>' in page

    response = client.post(f"/bulletins/{everyone}/remind")
    assert response.status_code == 303
    assert "Reminded 5 people." in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        reminded = db.session.query(Notification).filter_by(kind="bulletin_reminder").all()
        expected = {company[k].id for k in ("admin", "b2", "b3", "g3", "n1")}
        assert {n.user_id for n in reminded} == expected
        today = utcnow().date().isoformat()
        assert {(n.subject, n.key.rsplit(":", 1)[1], n.url) for n in reminded} == {
            (f"bulletin:{everyone}", today, f"/bulletins/{everyone}")
        }
    # Again the same day: nobody is reminded twice.
    client.post(f"/bulletins/{everyone}/remind")
    assert "No one to remind" in client.get(f"/bulletins/{everyone}/stats").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Notification).filter_by(kind="bulletin_reminder").count() == 5
        # The next day they may be reminded again.
        admin = db.session.get(User, company["admin"].id)
        bulletin = db.session.get(Bulletin, everyone)
        assert stats.remind_unacknowledged(admin, bulletin, "/x", utcnow() + timedelta(days=1)) == 5


def test_a_draft_has_no_rates_and_cannot_be_reminded(app, client, auth, company):
    draft = make_bulletin(app, company["admin"], status="draft")
    auth.login(company["admin"].email)
    assert "Rates appear once the bulletin is published" in client.get(
        f"/bulletins/{draft}/stats"
    ).get_data(as_text=True)
    client.post(f"/bulletins/{draft}/remind")
    with app.app_context():
        assert db.session.query(Notification).count() == 0


def test_notifying_the_audience_is_once_per_person(app, company):
    green = make_bulletin(app, company["admin"], "For green", teams=[company["green"]])
    draft = make_bulletin(app, company["admin"], status="draft")
    with app.app_context():
        assert notify_audience(green) == 3
        assert notify_audience(green) == 0
        notices = db.session.query(Notification).filter_by(kind="bulletin_published").all()
        assert sorted(n.user_id for n in notices) == sorted(
            company[k].id for k in ("g1", "g2", "g3")
        )
        assert {(n.title, n.url) for n in notices} == {
            ("New bulletin: For green", f"/bulletins/{green}")
        }
        assert notify_audience(draft) == 0


def test_the_reminder_provider_covers_three_to_fourteen_days(app, company):
    now = utcnow()
    admin = company["admin"]
    too_new = make_bulletin(app, admin, "Two days old", at=now - timedelta(days=2))
    due = make_bulletin(app, admin, "Five days old", at=now - timedelta(days=5),
                        teams=[company["green"]])  # fmt: skip
    make_bulletin(app, admin, "Twenty days old", at=now - timedelta(days=20))
    _read(app, company["g1"], due, ack=True)
    _read(app, company["g2"], due)  # read but not acknowledged: still reminded
    assert REMINDERS["bulletin_unacknowledged"].provider is unacknowledged_bulletins
    with app.app_context():
        reminders = unacknowledged_bulletins(now)
    assert sorted(r.user_id for r in reminders) == sorted(company[k].id for k in ("g2", "g3"))
    assert {(r.subject, r.url, r.period) for r in reminders} == {
        (f"bulletin:{due}", f"/bulletins/{due}", "")
    }
    assert all("Five days old" in r.title for r in reminders)
    assert too_new not in {int(r.subject.split(":")[1]) for r in reminders}


def test_the_digest_section_gives_each_person_their_new_bulletins(app, company):
    now = utcnow()
    admin = company["admin"]
    make_bulletin(app, admin, "Last week", at=now - timedelta(days=8))
    make_bulletin(app, admin, "This week for all", at=now - timedelta(days=2))
    make_bulletin(app, admin, "This week for green", at=now - timedelta(days=1),
                  teams=[company["green"]], category="policy")  # fmt: skip
    make_bulletin(app, admin, "Draft", status="draft")
    assert DIGEST_SECTIONS["bulletins"].heading == "New bulletins"
    ids = [company[k].id for k in ("b1", "g1", "n1", "gone")]
    with app.app_context():
        digest = new_bulletins(ids, now - timedelta(days=7), now)
    titles = {user_id: [item.title for item in items] for user_id, items in digest.items()}
    assert titles == {
        company["b1"].id: ["This week for all"],
        company["g1"].id: ["This week for green", "This week for all"],
        company["n1"].id: ["This week for all"],
    }
    item = digest[company["g1"].id][0]
    assert item.detail.startswith("Policy · ")
