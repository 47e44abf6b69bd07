"""The caption checker: length limits at the edges, disclosure, blocked terms, identical captions."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role, User
from portal.advocacy import guidelines
from portal.advocacy.guidelines import caption_length, check_caption, normalise_caption
from portal.db import db

LINK = "https://example.com/a/really/long/path/that/is/much/longer/than/twenty-three?utm=1"


@pytest.fixture
def rules(app_ctx, people):  # type: ignore[no-untyped-def]
    """Caption rules like the demo's: disclosure "#employee", Project Falcon blocked."""
    admin = db.session.get(User, people.person(role=Role.ADMIN).id)
    assert admin is not None
    guidelines.update_caption_rules(
        admin,
        disclosure="#employee",
        blocked_terms="Project Falcon\nFalcon\n  \nÜberSecret",
        limits={"x": 280, "linkedin": 3000, "facebook": 63206},
    )
    db.session.commit()
    return admin


# --- length ----------------------------------------------------------------------------


def test_x_counts_every_link_as_23(app_ctx):
    assert caption_length(LINK, "x") == 23
    assert caption_length("Read this: " + LINK + ".", "x") == len("Read this: ") + 23 + 1
    assert caption_length("two " + LINK + " " + LINK, "x") == 4 + 23 + 1 + 23
    # Other networks count the link as written.
    assert caption_length(LINK, "linkedin") == len(LINK)


def test_exactly_280_on_x_with_a_link_passes_and_281_is_refused(rules):
    text = "a" * (280 - 23 - 1) + " " + LINK + " #employee"
    # 280 counted: the text before the link, a space, 23 for the link, " #employee".
    body = "a" * (280 - 23 - 1 - len(" #employee")) + " " + LINK + " #employee"
    result = check_caption(body, "x", None)
    assert result.length == 280
    assert result.limit == 280
    assert result.ok, result.problems
    over = check_caption("a" + body, "x", None)
    assert over.length == 281
    assert not over.ok
    assert "281 of 280" in over.problems[0]
    assert len(text) > 280  # the raw text is longer: only the counted length matters


def test_linkedin_3000_at_the_edge(rules):
    body = "#employee " + "b" * (3000 - len("#employee "))
    assert check_caption(body, "linkedin", None).ok
    refused = check_caption(body + "b", "LinkedIn", None)
    assert not refused.ok
    assert refused.length == 3001
    assert refused.limit == 3000


def test_facebook_default_limit_and_unknown_networks(rules):
    assert check_caption("#employee hi", "facebook", None).limit == 63206
    unknown = check_caption("#employee hi", "mastodon", None)
    assert unknown.limit is None
    assert unknown.ok
    assert check_caption("#employee hi", "twitter", None).limit == 280


def test_defaults_apply_before_an_admin_saves_rules(app_ctx):
    result = check_caption("x" * 281, "x", None)
    assert result.limit == 280
    assert not result.ok
    assert not result.disclosure_missing  # no disclosure configured yet


def test_no_limit_when_the_admin_clears_it(rules):
    guidelines.update_caption_rules(
        rules, disclosure="#employee", blocked_terms="", limits={"x": None}
    )
    db.session.commit()
    assert check_caption("#employee " + "z" * 5000, "x", None).ok


# --- disclosure ------------------------------------------------------------------------


def test_missing_disclosure_is_a_hint_with_a_one_click_fix(rules):
    result = check_caption("Our new office is open!", "linkedin", None)
    assert result.ok  # a hint, not a blocking problem
    assert result.disclosure_missing
    assert result.suggested_caption == "Our new office is open! #employee"
    assert any("#employee" in hint for hint in result.hints)
    fixed = check_caption(result.suggested_caption, "linkedin", None)
    assert not fixed.disclosure_missing
    assert fixed.suggested_caption is None


def test_multi_line_captions_get_the_disclosure_on_its_own_line(rules):
    result = check_caption("Line one\nLine two\n", "linkedin", None)
    assert result.suggested_caption == "Line one\nLine two\n\n#employee"


def test_disclosure_detected_in_any_case_but_as_a_whole_token(rules):
    assert not check_caption("Proud to share #EMPLOYEE", "x", None).disclosure_missing
    assert not check_caption("#employee: proud to share", "x", None).disclosure_missing
    assert check_caption("Proud #employees", "x", None).disclosure_missing
    assert check_caption("Proud employee", "x", None).disclosure_missing


def test_sentence_disclosure(rules):
    guidelines.update_caption_rules(rules, disclosure="I work at Acme", blocked_terms="", limits={})
    db.session.commit()
    assert not check_caption("Great launch. I  work at ACME.", "x", None).disclosure_missing
    missing = check_caption("Great launch.", "x", None)
    assert missing.suggested_caption == "Great launch. I work at Acme"


# --- blocked terms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "caption",
    [
        "Excited about Project Falcon #employee",
        "excited about project  falcon #employee",
        "EXCITED ABOUT PROJECT FALCON #employee",
        "project\nfalcon is coming #employee",
        "(Project Falcon) #employee",
    ],
)
def test_blocked_term_matches_whole_words_any_case(rules, caption):
    result = check_caption(caption, "linkedin", None)
    assert not result.ok
    assert "Project Falcon" in result.blocked_terms
    assert any("Project Falcon" in p for p in result.problems)


@pytest.mark.parametrize(
    "caption",
    ["I love falconry #employee", "Falcons fly #employee", "ProjectFalcon #employee"],
)
def test_blocked_term_does_not_match_inside_other_words(rules, caption):
    assert check_caption(caption, "linkedin", None).ok


def test_blocked_terms_are_unicode_aware(rules):
    assert not check_caption("Das ist übersecret #employee", "linkedin", None).ok
    assert not check_caption("ÜBERSECRET #employee", "linkedin", None).ok
    # A letter with a diacritic is a word character: no match inside "Falconé".
    assert check_caption("Falconé #employee", "linkedin", None).ok
    # Full-width letters are the same word.
    assert not check_caption("ＦＡＬＣＯＮ #employee", "linkedin", None).ok


def test_blank_lines_in_blocked_terms_are_ignored(rules):
    assert guidelines.caption_rules().terms == ["Project Falcon", "Falcon", "ÜberSecret"]


def test_disclosure_may_not_contain_a_blocked_term(rules):
    with pytest.raises(guidelines.GuidelinesError) as exc:
        guidelines.update_caption_rules(
            rules, disclosure="#falcon", blocked_terms="Falcon", limits={}
        )
    assert exc.value.field == "disclosure"


def test_limits_out_of_range_are_refused(rules):
    with pytest.raises(guidelines.GuidelinesError) as exc:
        guidelines.update_caption_rules(rules, disclosure="", blocked_terms="", limits={"x": 0})
    assert exc.value.field == "limit_x"


# --- identical captions ----------------------------------------------------------------


def _shared(item_id: int, user_id: int, network: str, caption: str) -> None:
    """A colleague's share of the item with this caption (rows of the content library)."""
    from portal.advocacy.models import Network, Share, TrackedLink

    link = TrackedLink(
        code=f"c{user_id}{network}", user_id=user_id, item_id=item_id, network=Network(network)
    )
    db.session.add(link)
    db.session.flush()
    db.session.add(
        Share(
            user_id=user_id,
            item_id=item_id,
            link_id=link.id,
            network=Network(network),
            caption=caption,
        )
    )
    db.session.flush()


@pytest.fixture
def shared_item(rules, people):  # type: ignore[no-untyped-def]
    """An item two colleagues already shared on LinkedIn, one with the suggested caption."""
    from portal.advocacy.models import ContentItem

    ana, ben = people.person(name="Ana"), people.person(name="Ben")
    item = ContentItem(url="https://acme.example/launch", title="Launch")
    db.session.add(item)
    db.session.flush()
    _shared(
        item.id, ana.id, "linkedin", "Great NEWS from the team!  https://b.example/s/ab #employee"
    )
    _shared(item.id, ben.id, "linkedin", "My own words about it #employee")
    db.session.commit()
    return item.id


def test_normalised_captions_ignore_case_whitespace_and_urls():
    assert normalise_caption("Great  NEWS https://a.example/x?1 #employee") == (
        "great news #employee"
    )
    assert normalise_caption("great news\n#Employee https://b.example/") == "great news #employee"


def test_identical_caption_nudge(shared_item):
    result = check_caption(
        "great news from the team! https://beacon.example/s/xyz #employee", "linkedin", shared_item
    )
    assert result.ok
    assert result.identical_count == 1
    assert any("personalise" in hint for hint in result.hints)
    # A personalised caption, another network or no item: no nudge.
    assert not check_caption("Proud of this one #employee", "linkedin", shared_item).identical_count
    assert not check_caption("great news from the team! #employee", "x", shared_item).hints
    assert not check_caption("great news from the team! #employee", "linkedin", None).hints
