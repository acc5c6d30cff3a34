"""The members the load rotates over: a thousand distinct ones, signed in as the login view leaves them, and the
in-process first views on members the load never asked for."""

from __future__ import annotations

import random
from http.cookies import SimpleCookie

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from bench import load, pdfs, rotation, seed
from mutua.claims.models import Claim
from mutua.members.models import Member

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder loads with PostgreSQL's COPY (DATABASE_URL=postgres://…)"
)


def test_a_rotation_of_fewer_than_a_thousand_members_is_refused():
    with pytest.raises(rotation.RotationError, match="at least 1000"):
        rotation.build(size=999, in_process=10)


def test_each_member_asks_the_map_its_own_question():
    rng = random.Random(1)
    questions = {rotation.map_question(rng, categories=["analisi"], words=["studio"]) for _ in range(2000)}
    assert len(questions) == 2000
    assert all("bbox=" in q for q in questions)


def test_in_process_groups_never_share_a_member():
    entries = [{"member": n} for n in range(100)]
    groups = pdfs.groups(entries, runs=10, pages=40)
    members = [e["member"] for group in groups.values() for e in group]
    assert len(members) == len(set(members)) == pdfs.WARM + 2 * 10 + 40
    with pytest.raises(SystemExit, match="needed in process"):
        pdfs.groups(entries, runs=40, pages=40)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_load_rotates_over_a_thousand_distinct_members_each_signed_in(client):
    seed.seed(members=1300, providers=60, log=lambda _: None)
    plan = rotation.build(size=1000, in_process=pdfs.WARM + 2 * 2 + 3, warmup=4)

    members = [e["member"] for e in plan["rotation"]]
    assert len(members) == len(set(members)) == 1000
    others = [e["member"] for e in plan["warmup"] + plan["in_process"]]
    assert not set(others) & set(members) and len(set(others)) == len(others)  # three disjoint groups
    assert len({e["map"] for e in plan["rotation"]}) == 1000

    # Spread over the whole database, not the first members.
    pks = sorted(Member.objects.values_list("pk", flat=True))
    assert max(members) > pks[len(pks) * 9 // 10] and min(members) < pks[len(pks) // 10]

    # Each session is the member's own, with the auth hash, and allauth's row as after a sign-in.
    owners = dict(Member.objects.filter(pk__in=members).values_list("pk", "user_id"))
    for entry in plan["rotation"][::97]:
        session = SessionStore(session_key=entry["session"])
        assert int(session["_auth_user_id"]) == owners[entry["member"]]
        assert session["_auth_user_hash"]
        assert UserSession.objects.filter(session_key=entry["session"], user_id=owners[entry["member"]]).exists()
        assert Claim.objects.get(pk=entry["claim"]).member_id == entry["member"]

    # wrk's lines carry that session and the member's own claim; the pages answer that member.
    entry = plan["rotation"][500]
    line = load.lines_for("claim_detail", [entry], plan)[0]
    cookie, path = line.split("\t")
    assert cookie == f"{settings.SESSION_COOKIE_NAME}={entry['session']}"
    client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: entry["session"]})
    answer = client.get(path, secure=True)
    assert answer.status_code == 200 and answer.context["claim"].pk == entry["claim"]
    assert client.get(load.path_for("provider_search", entry, plan["paths"]), secure=True).status_code == 200

    # In process: one first view per member and page, and one document per member and PDF.
    split = pdfs.groups(plan["in_process"], runs=2, pages=3)
    pages = pdfs.page_queries(plan=plan, entries=split["pages"], warm=split["warm"])
    for name in ("home", "claim_list", "claim_detail", "provider_search", "receipt_pdf", "card_pdf"):
        assert pages[name]["members"] == pages[name]["requests"] == 3, name
        assert pages[name]["errors"] == 0 and pages[name]["queries"] > 0, name
    assert pages["session_first_request"]["queries"] > pages["floor_signed_in"]["queries"]  # the activity record
    documents = pdfs.measure(
        total_on=pdfs.pairs(split["pdf_total"]),
        render_on=pdfs.pairs(split["pdf_render"]),
        warm=pdfs.pairs(split["warm"])[0],
    )
    assert documents["receipt"]["members"] == 2 and documents["receipt"]["pdf"]
