"""The bench's seeder: valid Italian data, consistent claims, members who can sign in and open their pages."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from codicefiscale import codicefiscale
from django.contrib.auth.hashers import check_password
from django.db import connection
from stdnum.it import codicefiscale as cf_check

from bench import seed
from mutua.claims.models import OPEN_STATUSES, Claim, ClaimDocument, ClaimStatus, Settlement
from mutua.core.provinces import provinces
from mutua.members.models import Beneficiary, Member
from mutua.notifications.models import Notification

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder loads with PostgreSQL's COPY (DATABASE_URL=postgres://…)"
)


# --- Codice fiscale ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "sex", "birth", "place"),
    [
        ("Mario", "Rossi", "M", dt.date(1975, 6, 21), "MI"),
        ("Anna", "Verdi", "F", dt.date(1978, 4, 12), "TO"),
        ("Niccolò", "D'Angelo", "M", dt.date(2001, 12, 3), "NA"),
        ("Ugo", "Fo", "M", dt.date(1950, 1, 1), "RM"),
        ("Francesca", "De Santis", "F", dt.date(1999, 9, 30), "PA"),
    ],
)
def test_fiscal_code_is_the_one_the_library_computes(first, last, sex, birth, place):
    code = seed.fiscal_code(
        first_name=first, last_name=last, sex=sex, birth=birth, belfiore=seed.belfiore_codes()[place]
    )
    expected = codicefiscale.encode(
        lastname=last,
        firstname=first,
        gender=sex,
        birthdate=birth.strftime("%d/%m/%Y"),
        birthplace=provinces()[place].capital,
    )
    assert code == expected
    assert cf_check.is_valid(code)


def test_every_province_capital_has_a_cadastral_code():
    codes = seed.belfiore_codes()
    assert len(codes) >= 107
    assert all(len(code) == 4 and code[0].isalpha() and code[1:].isdigit() for code in codes.values())


# --- COPY rows ----------------------------------------------------------------------------------------------------


def test_a_table_writes_every_column_once_the_unknown_ones_at_their_default():
    table = seed.Table(Member, ["id", "code"])
    columns = [f.column for f in Member._meta.concrete_fields]
    assert sorted(table.all_columns) == sorted(columns)
    assert table.all_columns[:2] == ["id", "code"]
    table.add("1", "000000100000")
    values = table.rows[0].split("\t")
    assert len(values) == len(columns)
    assert values[table.all_columns.index("user_id")] == "\\N"  # nullable, no default
    assert values[table.all_columns.index("first_name")] == ""  # text: empty, as Django would store it
    assert values[table.all_columns.index("postal_address")] == "residence"  # the field's default


def test_a_table_leaves_an_id_it_is_not_given_to_the_database():
    table = seed.Table(Notification, ["member_id", "kind", "title"])
    assert "id" not in table.all_columns
    assert "read_at" in table.all_columns


def test_copy_text_escapes_what_would_break_a_row():
    assert seed._text("a\tb\nc\\d") == "a b c\\\\d"
    assert seed._text(None) == "\\N"
    assert seed._text(True) == "t"
    assert seed._eur(12345) == "123.45"
    assert seed._eur(5) == "0.05"


def test_upload_files_weigh_about_500_kb_and_are_what_they_claim(tmp_path):
    from mutua.documents.uploads import inspect_upload

    for path, content_type in seed.upload_files(tmp_path):
        with open(path, "rb") as fh:
            assert 450 * 1024 < len(fh.read()) < 600 * 1024
            info = inspect_upload(fh, kinds={"pdf", "jpeg"}, max_bytes=2 * 1024 * 1024)  # the portal's own checks
        assert info.content_type == content_type


# --- A small database -----------------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_seed_builds_consistent_members_claims_and_settlements():
    report = seed.seed(members=60, providers=150, log=lambda _: None)
    counts = report["counts"]
    assert counts["members"] == 60
    assert counts["providers"] == 150
    assert 150 <= counts["claims"] <= 600  # five a member on average

    for member in Member.objects.select_related("user"):
        assert cf_check.is_valid(member.fiscal_code)
        assert member.user.username == member.code and len(member.code) == 12
        assert member.user.first_access_completed_at and member.contacts_verified
        assert check_password(seed.BENCH_PASSWORD, member.user.password)
    assert Beneficiary.objects.count() > 0

    open_claims = Counter(Claim.objects.filter(status__in=OPEN_STATUSES).values_list("member_id", flat=True))
    assert all(n == 1 for n in open_claims.values())  # the merge rule: at most one open claim a member
    assert not Claim.objects.filter(status=ClaimStatus.DRAFT).exists()
    settled = Settlement.objects.values_list("document__claim__status", flat=True).distinct()
    assert set(settled) <= {ClaimStatus.SETTLED, ClaimStatus.PAID}
    assert ClaimDocument.objects.filter(claim__status=ClaimStatus.PAID, settlement__isnull=True).count() == 0
    assert not Claim.objects.exclude(status=ClaimStatus.DRAFT).filter(events__isnull=True).exists()
    assert Notification.objects.count() == counts["claims"]  # the bell: one notice per claim's latest move

    again = seed.seed(members=80, providers=150, log=lambda _: None)  # it grows, it does not start over
    assert again["added_members"] == 20 and again["counts"]["members"] == 80
    assert Member.objects.values("fiscal_code").distinct().count() == 80


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_plan_users_sign_in_and_open_their_pages(client):
    seed.seed(members=60, providers=50, log=lambda _: None)
    plan = seed.build_plan(users=4)
    assert len(plan["users"]) == 4
    user = plan["users"][0]
    assert client.login(username=user["username"], password=plan["password"])
    for path in ("/", "/pratiche/", f"/pratiche/{user['claim']}/"):
        assert client.get(path).status_code == 200, path
    receipt = client.get(f"/pratiche/{user['claim']}/ricevuta.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    assert Claim.objects.get(pk=user["claim"]).member.code == user["username"]
