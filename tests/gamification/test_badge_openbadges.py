"""Open Badges 2.0 hosted verification: public JSON documents, images and the badge's own page."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.accounts.models import Role
from tests.gamification.badge_factories import give_badge, make_badge

BASE = "http://localhost"  # BASE_URL in the test config
CONTEXT = "https://w3id.org/openbadges/v2"


@pytest.fixture
def issued(app, people):  # type: ignore[no-untyped-def]
    """Sam holds the "First lesson" badge; returns (person, badge id, uid)."""
    badge_id = make_badge(app, criteria_text="Finish **any** lesson.")
    person = people.person(email="sam.carter@example.com", name="Sam Carter")
    return person, badge_id, give_badge(app, badge_id, person)


def test_the_test_config_has_the_base_url_used_here(app):
    assert app.config["BASE_URL"] == BASE


def fetch(client, url: str):  # type: ignore[no-untyped-def]
    """GET an absolute URL of this app, as a verifier would (not logged in)."""
    assert url.startswith(BASE + "/"), url
    return client.get(url[len(BASE) :])


def test_assertion_badge_class_and_issuer_verify_as_hosted(client, issued):
    person, badge_id, uid = issued

    response = client.get(f"/badges/assertions/{uid}")

    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_data(as_text=True)
    assert person.email not in body and "sam.carter" not in body
    assertion = json.loads(body)
    assert assertion["@context"] == CONTEXT
    assert assertion["type"] == "Assertion"
    assert assertion["id"] == f"{BASE}/badges/assertions/{uid}"  # hosted at its own id
    assert assertion["verification"] == {"type": "hosted"}
    recipient = assertion["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    expected = hashlib.sha256((person.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert assertion["issuedOn"].endswith("+00:00") and "T" in assertion["issuedOn"]
    assert not uid.isdigit() and len(uid) >= 20  # unguessable, not the numeric id

    badge = json.loads(fetch(client, assertion["badge"]).data)
    assert badge["type"] == "BadgeClass" and badge["@context"] == CONTEXT
    assert badge["id"] == assertion["badge"]
    assert badge["name"] == "First lesson" and badge["description"]
    assert badge["criteria"] == {"narrative": "Finish **any** lesson."}
    image = fetch(client, badge["image"])
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert b"First lesson" in image.data

    issuer = fetch(client, badge["issuer"])
    profile = json.loads(issuer.data)
    assert issuer.mimetype == "application/ld+json"
    assert profile["type"] == "Issuer" and profile["id"] == badge["issuer"]
    assert profile["name"] and profile["url"].startswith("http") and "@" in profile["email"]

    baked = fetch(client, assertion["image"])
    assert baked.mimetype == "image/svg+xml"
    assert f'<openbadges:assertion verify="{assertion["id"]}">' in baked.get_data(as_text=True)


def test_unknown_assertion_and_badge_are_json_404s(client):
    for path in ("/badges/assertions/nope", "/badges/classes/999"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/ld+json"


def test_badge_page_is_public_and_shows_who_and_when_but_no_email(client, issued):
    person, _, uid = issued

    response = client.get(f"/badges/earned/{uid}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "First lesson" in html and "Sam Carter" in html
    assert person.email not in html
    assert "<strong>any</strong>" in html  # the criteria, as Markdown
    assert "Open Badges 2.0" in html and f"{BASE}/badges/assertions/{uid}" in html
    assert "Add to LinkedIn profile" not in html  # only the earner is offered that
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_the_earner_gets_the_linkedin_link(client, auth, issued):
    person, _, uid = issued
    auth.login(person.email)

    html = client.get(f"/badges/earned/{uid}").get_data(as_text=True)

    assert "Add to LinkedIn profile" in html
    start = html.index("https://www.linkedin.com/profile/add?")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["First lesson"]
    assert query["organizationName"] == ["Beacon"]
    assert query["certUrl"] == [f"{BASE}/badges/earned/{uid}"]
    assert query["certId"] == [uid]
    assert query["issueYear"][0].isdigit() and 1 <= int(query["issueMonth"][0]) <= 12


def test_revoked_assertion_says_so_with_the_reason(client, auth, people, issued):
    person, badge_id, uid = issued
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)

    response = client.post(
        f"/admin/badges/assertions/{uid}/revoke", data={"reason": "Awarded by mistake"}
    )
    assert response.status_code == 303
    auth.logout()

    gone = client.get(f"/badges/assertions/{uid}")
    assert gone.status_code == 410
    body = json.loads(gone.data)
    assert body["revoked"] is True
    assert body["revocationReason"] == "Awarded by mistake"
    assert body["id"] == f"{BASE}/badges/assertions/{uid}"
    assert "recipient" not in body
    page = client.get(f"/badges/earned/{uid}").get_data(as_text=True)
    assert "This badge was revoked" in page and "Awarded by mistake" in page
    assert client.get(f"/badges/classes/{badge_id}").status_code == 200  # the class stays


def test_revoking_needs_a_reason(client, auth, people, issued):
    _, badge_id, uid = issued
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)

    response = client.post(f"/admin/badges/assertions/{uid}/revoke", data={"reason": "  "})

    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    assert client.get(f"/badges/assertions/{uid}").status_code == 200


def test_retired_badge_keeps_its_issued_assertions_valid(app, client, auth, people, issued):
    _, badge_id, uid = issued
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)

    assert client.post(f"/admin/badges/{badge_id}/retire").status_code == 303

    assert client.get(f"/badges/assertions/{uid}").status_code == 200
    assert client.get(f"/badges/classes/{badge_id}").status_code == 200
