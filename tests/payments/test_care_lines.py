"""Care support (Decree 20/2021 Art. 20) on the monthly list: one line per arrangement and month,
beside the allowance line of the person cared for, paid to the carer. Standard level 500,000;
every amount below is computed by hand."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries.models import CareArrangement, ChangeRecord
from payments.models import LineArrear, LineKind, LineStatus, PaymentLine
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.models import Provider
from tests.factories import (
    AccountFactory,
    CareArrangementFactory,
    RecipientFactory,
)
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
NOV = datetime.date(2026, 11, 1)
OCT = datetime.date(2026, 10, 1)
SEP = datetime.date(2026, 9, 1)


def care_line(period, arrangement) -> PaymentLine | None:
    return PaymentLine.objects.filter(
        payment_list__period=period, care_arrangement=arrangement
    ).first()


def own_line(period, b) -> PaymentLine | None:
    return PaymentLine.objects.filter(
        payment_list__period=period, beneficiary=b, care_arrangement__isnull=True
    ).first()


XS = {"disability_level": "extremely_severe"}


def test_every_care_code_and_age_band_is_priced(hue_units):
    c = hue_units["commune"]
    # K1 fostering: under 4 -> 2.5, from 4 -> 1.5, by the age on the first day of the month.
    k1_3 = person(c, datetime.date(2023, 6, 1), ["K1"])
    k1_turns_4 = person(c, datetime.date(2022, 12, 1), ["K1"])  # 4 on 01/12/2026
    k1_4_late = person(c, datetime.date(2022, 12, 2), ["K1"])  # still 3 on 01/12/2026
    k5d = person(c, datetime.date(1950, 1, 1), ["K5D"])
    household = person(c, datetime.date(1990, 1, 1), ["K6"], **XS)
    foster_adult = person(c, datetime.date(1991, 1, 1), ["K6"], **XS)
    foster_child = person(c, datetime.date(2016, 1, 1), ["K6"], **XS)
    parent = person(c, datetime.date(1995, 1, 1), ["K6"], **XS)
    parent_two = person(c, datetime.date(1996, 1, 1), ["K6"], **XS)
    cases = [
        (CareArrangementFactory(beneficiary=k1_3, code="CS_FOSTER_K1"), 1_250_000, "2.50"),
        (CareArrangementFactory(beneficiary=k1_turns_4, code="CS_FOSTER_K1"), 750_000, "1.50"),
        (CareArrangementFactory(beneficiary=k1_4_late, code="CS_FOSTER_K1"), 1_250_000, "2.50"),
        (CareArrangementFactory(beneficiary=k5d, code="CS_FOSTER_K5D"), 750_000, "1.50"),
        (
            CareArrangementFactory(beneficiary=household, code="CS_HOUSEHOLD_DISABLED"),
            500_000,
            "1.00",
        ),
        (
            CareArrangementFactory(beneficiary=foster_adult, code="CS_FOSTER_DISABLED"),
            750_000,
            "1.50",
        ),
        (
            CareArrangementFactory(beneficiary=foster_child, code="CS_FOSTER_DISABLED"),
            1_250_000,
            "2.50",
        ),
        (
            CareArrangementFactory(
                beneficiary=parent, code="CS_DISABLED_PARENT", carer_full_name=""
            ),
            750_000,
            "1.50",
        ),
        (
            CareArrangementFactory(
                beneficiary=parent_two,
                code="CS_DISABLED_PARENT",
                variant="both_or_two_children",
                carer_full_name="",
            ),
            1_000_000,
            "2.00",
        ),
    ]
    period = generate(hue_units["district"], DEC)
    for arrangement, amount, coefficient in cases:
        got = care_line(period, arrangement)
        assert got is not None, arrangement.code
        assert (got.amount_care, got.amount_regular, got.amount_total) == (amount, 0, amount), (
            arrangement.code,
            arrangement.beneficiary.date_of_birth,
        )
        assert str(got.coefficient) == coefficient
        assert got.categories == arrangement.code
        assert got.line_kind == LineKind.CARE_SUPPORT
        assert got.reference == f"TC202612C{arrangement.pk:09d}"
        assert arrangement.code in got.explanation and "chăm sóc" in got.explanation
        assert not got.cannot_compute
    plist = period.payment_list
    assert plist.line_count == 2 * len(cases)  # each person's allowance line and care line
    assert plist.total_amount == sum(
        PaymentLine.objects.filter(payment_list=plist).values_list("amount_total", flat=True)
    )
    assert plist.total_amount == sum(a for _arr, a, _c in cases) + sum(
        own_line(period, arr.beneficiary).amount_total for arr, _a, _c in cases
    )


def test_k1_fostering_boundary_follows_the_configured_age_rule(hue_units, settings):
    c = hue_units["commune"]
    turns_4_in_dec = person(c, datetime.date(2022, 12, 20), ["K1"])
    arrangement = CareArrangementFactory(beneficiary=turns_4_in_dec)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, rule="first_day")
    assert care_line(period, arrangement).amount_care == 1_250_000  # 3 on 01/12
    payment_list_generate(period=period, rule="birthday_month")
    assert care_line(period, arrangement).amount_care == 750_000  # 4 in its birthday month


def test_the_care_line_follows_the_allowance_line_and_pays_the_carer(hue_units):
    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"], full_name="Bé Na")
    other = person(c, datetime.date(1940, 1, 1), ["K5C"], full_name="Bà Ốc")
    cash = CareArrangementFactory(
        beneficiary=child, carer_full_name="Hoàng Thị Nuôi", carer_id_number="046185000001"
    )
    viettel = Provider.objects.get(code="VIETTELPAY")
    household = person(c, datetime.date(1990, 1, 1), ["K6"], full_name="Anh Cả", **XS)
    wallet = CareArrangementFactory(
        beneficiary=household,
        code="CS_HOUSEHOLD_DISABLED",
        account_provider=viettel,
        account_number="0981234567",
    )
    period = generate(hue_units["district"], DEC)
    lines = list(
        PaymentLine.objects.filter(payment_list__period=period)
        .order_by("line_no")
        .values_list("beneficiary_id", "line_kind")
    )
    # By given name (Cả, Na, Ốc); each care line right after its person's allowance line.
    assert lines == [
        (household.pk, "allowance"),
        (household.pk, "care_support"),
        (child.pk, "allowance"),
        (child.pk, "care_support"),
        (other.pk, "allowance"),
    ]
    by_cash = care_line(period, cash)
    assert (by_cash.payee_name, by_cash.payee_id_number, by_cash.payee_is_recipient) == (
        "Hoàng Thị Nuôi",
        "046185000001",
        True,
    )
    assert (by_cash.channel, by_cash.provider.code, by_cash.account_number) == (
        "cash",
        "VNPOST",
        "",
    )
    assert (by_cash.full_name, by_cash.commune_id) == ("Bé Na", c.pk)
    by_wallet = care_line(period, wallet)
    assert (by_wallet.channel, by_wallet.provider, by_wallet.account_number) == (
        "account",
        viettel,
        "0981234567",
    )
    # The allowance line keeps its own payee.
    assert own_line(period, child).payee_name == "Bé Na"


def test_disabled_parent_is_paid_as_their_allowance_is(hue_units):
    c = hue_units["commune"]
    parent = person(c, datetime.date(1995, 1, 1), ["K6"], **XS)
    rec = RecipientFactory(beneficiary=parent, full_name="Lê Văn Tèo", id_number="046080000111")
    AccountFactory(
        beneficiary=parent, holder="recipient", recipient=rec, account_number="0981112223"
    )
    arrangement = CareArrangementFactory(
        beneficiary=parent, code="CS_DISABLED_PARENT", carer_full_name="", carer_id_number=""
    )
    period = generate(hue_units["district"], DEC)
    care, own = care_line(period, arrangement), own_line(period, parent)
    assert (
        (care.payee_name, care.payee_id_number, care.channel, care.account_number)
        == (
            own.payee_name,
            own.payee_id_number,
            own.channel,
            own.account_number,
        )
        == ("Lê Văn Tèo", "046080000111", "account", "0981112223")
    )
    assert care.account_id == own.account_id


def test_an_ended_arrangement_stops_after_its_end_month(hue_units):
    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    arrangement = CareArrangementFactory(beneficiary=child, status="ended", end_month=NOV)
    pending = CareArrangementFactory(
        beneficiary=person(c, datetime.date(2023, 6, 1), ["K1"]), status="pending"
    )
    later = CareArrangementFactory(
        beneficiary=person(c, datetime.date(2023, 6, 1), ["K1"]), start_month=DEC
    )
    assert care_line(generate(hue_units["district"], NOV), arrangement).amount_care == 1_250_000
    assert care_line(generate(hue_units["district"], NOV), later) is None
    dec = generate(hue_units["district"], DEC)
    assert care_line(dec, arrangement) is None
    assert care_line(dec, pending) is None
    assert care_line(dec, later).amount_care == 1_250_000
    assert own_line(dec, child) is not None


def test_no_care_for_a_month_the_person_is_not_paid(hue_units):
    c = hue_units["commune"]
    suspended = person(c, datetime.date(2023, 6, 1), ["K1"], status="suspended")
    stopped = person(c, datetime.date(2023, 6, 1), ["K1"], status="stopped", end_month=OCT)
    ended = person(c, datetime.date(2023, 6, 1), ["K1"], end_month=NOV)
    arrangements = [CareArrangementFactory(beneficiary=b) for b in (suspended, stopped, ended)]
    period = generate(hue_units["district"], DEC)
    assert not PaymentLine.objects.filter(
        payment_list__period=period, care_arrangement__in=arrangements
    ).exists()


def test_no_band_marks_the_care_line_cannot_compute(hue_units):
    from beneficiaries.policy_models import CategoryCoefficient

    c = hue_units["commune"]
    k5d = person(c, datetime.date(1950, 1, 1), ["K5D"])
    arrangement = CareArrangementFactory(beneficiary=k5d, code="CS_FOSTER_K5D")
    CategoryCoefficient.objects.filter(category__code="CS_FOSTER_K5D").update(valid_to=SEP)
    period = generate(hue_units["district"], DEC)
    got = care_line(period, arrangement)
    assert got.cannot_compute and "CS_FOSTER_K5D" in got.cannot_compute_reason
    assert got.amount_total == 0
    assert not own_line(period, k5d).cannot_compute


def _close(unit, month, officers, checker):
    period = generate(unit, month, officers["district"])
    payment_list_close(period=period, closed_by=checker)
    return period


def test_late_approved_arrangement_gets_arrears_month_by_month(hue_units, officers, checker):
    c = hue_units["commune"]
    child = person(c, datetime.date(2022, 11, 15), ["K1"])  # turns 4 in November: 3 on 01/11
    _close(hue_units["district"], OCT, officers, checker)
    arrangement = CareArrangementFactory(beneficiary=child, start_month=SEP)
    ChangeRecord.objects.create(
        beneficiary=child,
        commune=c,
        kind="set_care",
        reason="new_decision",
        effective_month=SEP,
        status="approved",
        maker=officers["commune"],
        checker=officers["district"],
        decided_at=timezone.now(),
        care_arrangement=arrangement,
    )
    # An arrangement of the initial load (no change, or no checker) gets no arrears.
    loaded = CareArrangementFactory(
        beneficiary=person(c, datetime.date(2023, 6, 1), ["K1"]), start_month=SEP
    )
    period = generate(hue_units["district"], NOV)
    got = care_line(period, arrangement)
    # September and October under 4 (2.5); November 3 on 01/11 too (born the 15th).
    assert got.amount_care == 1_250_000
    assert got.amount_arrears == 2 * 1_250_000
    assert got.arrears_months == "2026-09;2026-10"
    assert list(
        LineArrear.objects.filter(line=got).order_by("month").values_list("month", "amount")
    ) == [(SEP, 1_250_000), (OCT, 1_250_000)]
    assert got.amount_total == 3 * 1_250_000
    assert care_line(period, loaded).amount_arrears == 0
    # The allowance line of the same person has no care arrears.
    assert own_line(period, child).amount_arrears == 0
    payment_list_close(period=period, closed_by=checker)
    # December: paid already, no arrears again; now 4 years old -> 1.5.
    dec = generate(hue_units["district"], DEC)
    assert (
        care_line(dec, arrangement).amount_arrears,
        care_line(dec, arrangement).amount_care,
    ) == (
        0,
        750_000,
    )


def test_carry_over_stays_on_the_same_arrangement(hue_units, officers, checker):
    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    viettel = Provider.objects.get(code="VIETTELPAY")
    arrangement = CareArrangementFactory(
        beneficiary=child, account_provider=viettel, account_number="0981234567"
    )
    nov = _close(hue_units["district"], NOV, officers, checker)
    failed = care_line(nov, arrangement)
    failed.status = LineStatus.FAILED
    failed.save(update_fields=["status"])
    unpaid_own = own_line(nov, child)
    unpaid_own.status = LineStatus.UNPAID
    unpaid_own.save(update_fields=["status"])
    # The arrangement ends in November: its carried money still gets a care line in December.
    CareArrangement.objects.filter(pk=arrangement.pk).update(status="ended", end_month=NOV)
    dec = generate(hue_units["district"], DEC, officers["district"])
    care, own = care_line(dec, arrangement), own_line(dec, child)
    assert (care.amount_care, care.amount_carried_over, care.amount_total) == (
        0,
        1_250_000,
        1_250_000,
    )
    assert care.channel == "cash"  # the wallet failed last time
    assert (own.amount_regular, own.amount_carried_over) == (1_250_000, 1_250_000)
    payment_list_close(period=dec, closed_by=checker)
    failed.refresh_from_db()
    unpaid_own.refresh_from_db()
    assert failed.carried_over_to_id == care_line(dec, arrangement).pk
    assert unpaid_own.carried_over_to_id == own_line(dec, child).pk


def test_review_xlsx_csv_settlement_and_api_agree_to_the_dong(client, hue_units, officers, checker):
    """A list with allowance, care, funeral, arrears and carried-over lines: every figure of
    the review, the official xlsx, the CSV, the settlement and the API is the same."""
    import csv
    import io

    from openpyxl import load_workbook

    from api.serializers import PaymentLineSerializer
    from beneficiaries.models import FuneralSupport
    from payments.exporting import payment_list_csv, payment_list_xlsx
    from payments.reconciliation import period_reconcile
    from payments.selectors import review
    from payments.settlement import settlement_xlsx
    from tests.payments.test_reconciliation import statement_of

    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    elder = person(c, datetime.date(1940, 1, 1), ["K5C"])
    dead = person(c, datetime.date(1935, 1, 1), ["K5C"])
    household = person(hue_units["neighbour"], datetime.date(1990, 1, 1), ["K6"], **XS)
    foster = CareArrangementFactory(beneficiary=child)
    nov = _close(hue_units["district"], NOV, officers, checker)
    # November: the foster carer and the elder did not collect.
    for line in (care_line(nov, foster), own_line(nov, elder)):
        line.status = LineStatus.UNPAID
        line.save(update_fields=["status"])
    # Approved since: household care from October (arrears), and a death (funeral support).
    late = CareArrangementFactory(
        beneficiary=household, code="CS_HOUSEHOLD_DISABLED", start_month=OCT
    )
    ChangeRecord.objects.create(
        beneficiary=household,
        commune=household.commune,
        kind="set_care",
        reason="new_decision",
        effective_month=OCT,
        status="approved",
        maker=officers["commune"],
        checker=officers["district"],
        decided_at=timezone.now(),
        care_arrangement=late,
    )
    stop = ChangeRecord.objects.create(
        beneficiary=dead,
        commune=c,
        kind="stop",
        reason="death",
        effective_month=DEC,
        status="approved",
        maker=officers["commune"],
        checker=officers["district"],
        decided_at=timezone.now(),
    )
    FuneralSupport.objects.create(
        beneficiary=dead,
        change=stop,
        amount=10_000_000,
        month_due=DEC,
        payee_name="Nguyễn Văn Con",
        payee_id_number="046080000999",
    )
    dec = generate(hue_units["district"], DEC, officers["district"])
    plist = dec.payment_list
    care_dec = care_line(dec, late)
    assert (care_dec.amount_care, care_dec.amount_arrears) == (500_000, 2 * 500_000)
    assert care_line(dec, foster).amount_carried_over == 1_250_000
    assert own_line(dec, dead).line_kind == LineKind.FUNERAL
    lines = list(plist.lines.all())
    parts = {
        "regular": sum(line.amount_regular for line in lines),
        "care": sum(line.amount_care for line in lines),
        "arrears": sum(line.amount_arrears for line in lines),
        "funeral": sum(line.amount_funeral for line in lines),
        "carried": sum(line.amount_carried_over for line in lines),
        "total": sum(line.amount_total for line in lines),
    }
    # Hand-computed: allowances K1 1.250.000 + K5C 500.000 + K6 adult 1.000.000; care
    # K1 foster 1.250.000 + household 500.000; arrears 2 × 500.000; funeral 10.000.000;
    # carried over 1.250.000 (care) + 500.000 (the elder's allowance).
    assert parts == {
        "regular": 2_750_000,
        "care": 1_750_000,
        "arrears": 1_000_000,
        "funeral": 10_000_000,
        "carried": 1_750_000,
        "total": 17_250_000,
    }
    assert plist.total_amount == parts["total"]
    assert plist.line_count == len(lines) == 6

    # The review page's figures.
    totals = review(user=officers["district"], period=dec)["totals"]
    assert {k: totals[k] for k in parts} == parts
    assert (totals["n"], totals["people"], totals["care_lines"]) == (6, 4, 2)
    client.force_login(officers["district"])
    from django.urls import reverse

    html = client.get(reverse("payments:review", args=[dec.pk])).content.decode()
    assert 'data-figure="care">1.750.000 ₫<' in html
    assert 'data-figure="total">17.250.000 ₫<' in html

    # The CSV: its amounts add up to the same parts; its last two columns are the kind and care.
    rows = list(csv.DictReader(io.StringIO(payment_list_csv(plist).decode("utf-8-sig"))))
    assert list(rows[0])[-2:] == ["line_kind", "amount_care"]
    assert sum(int(r["amount_care"]) for r in rows) == parts["care"]
    assert sum(int(r["amount_total"]) for r in rows) == parts["total"]
    assert sorted(r["line_kind"] for r in rows) == [
        "allowance",
        "allowance",
        "allowance",
        "care_support",
        "care_support",
        "funeral",
    ]

    # The official xlsx: the district summary's total row.
    wb = load_workbook(io.BytesIO(payment_list_xlsx(plist)))
    ws = wb["Tổng hợp"]
    total_row = next(
        [cell.value for cell in row]
        for row in ws.iter_rows()
        if str(row[1].value or "").startswith("Tổng cộng")
    )
    # regular, care, arrears, funeral, carried over, total
    assert total_row[5:11] == [
        parts["regular"],
        parts["care"],
        parts["arrears"],
        parts["funeral"],
        parts["carried"],
        parts["total"],
    ]

    # The API's lines.
    data = PaymentLineSerializer(lines, many=True, context={"request": None}).data
    assert sum(d["amount_care"] for d in data) == parts["care"]
    assert {d["line_kind"] for d in data} == {"allowance", "care_support", "funeral"}

    # Closed, sent, paid and reconciled: the settlement.
    payment_list_close(period=dec, closed_by=checker)
    dec.refresh_from_db()
    dec.payment_list.lines.update(status=LineStatus.PAID)
    dec.status = "submitted"
    dec.save(update_fields=["status"])
    period_reconcile(period=dec, user=officers["district"], fetch=statement_of(dec))
    settlement = load_workbook(io.BytesIO(settlement_xlsx(dec)))["Tổng hợp"]
    values = {
        row[0]: row[1]
        for row in settlement.iter_rows(values_only=True)
        if row and isinstance(row[0], str) and len(row) > 1
    }
    assert values["Hỗ trợ chăm sóc, nuôi dưỡng"] == parts["care"]
    assert values["Tổng số tiền của danh sách"] == parts["total"]
    control = next(row for row in settlement.iter_rows(values_only=True) if row[0] == "Tổng cộng")
    assert control[3] == parts["total"]  # control amount of every batch
    assert control[7] == parts["total"]  # all paid


def test_the_care_explanation_is_stored_in_vietnamese_and_reads_in_english():
    from django.utils import translation

    from payments.explanation import explanation_text, line_explanation

    stored = line_explanation(
        regular="",
        care="CS_FOSTER_K1 ×2,5 × 500.000 ₫",
        arrears_months=[OCT],
        funeral=False,
        carried_over=True,
    )
    assert stored.startswith("hỗ trợ chăm sóc, nuôi dưỡng CS_FOSTER_K1 ×2,5 × 500.000 ₫; ")
    with translation.override("en"):
        assert explanation_text(stored) == (
            "care support CS_FOSTER_K1 ×2,5 × 500.000 ₫; arrears 10/2026; "
            "carried over from an earlier list"
        )


def test_uncollected_care_support_proposes_no_suspension_of_the_person(hue_units, officers):
    """Three months uncollected counts the person's own line only: a carer who does not come
    does not suspend the person cared for, and a care line paid does not hide that the person
    did not come."""
    from beneficiaries.models import ChangeKind
    from payments.reconciliation import period_reconcile
    from tests.payments.test_reconciliation import sent, statement_of

    c, district, user = hue_units["commune"], hue_units["district"], officers["district"]
    carer_away = person(c, datetime.date(2023, 6, 1), ["K1"])
    person_away = person(c, datetime.date(2022, 6, 1), ["K1"])
    away_carer = CareArrangementFactory(beneficiary=carer_away)
    CareArrangementFactory(beneficiary=person_away)
    for month in (OCT, NOV, DEC):
        period = sent(district, month, user)
        PaymentLine.objects.filter(payment_list__period=period, care_arrangement=away_carer).update(
            status=LineStatus.UNPAID
        )
        PaymentLine.objects.filter(
            payment_list__period=period, beneficiary=person_away, care_arrangement__isnull=True
        ).update(status=LineStatus.UNPAID)
    r = period_reconcile(period=period, user=user, fetch=statement_of(period))
    assert r.suspensions_proposed == 1
    assert ChangeRecord.objects.get(kind=ChangeKind.SUSPEND).beneficiary == person_away


def test_the_person_page_and_the_lines_page_show_the_care_line_and_its_payee(
    client, hue_units, officers
):
    from django.urls import reverse

    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    CareArrangementFactory(beneficiary=child, carer_full_name="Hoàng Thị Nuôi")
    period = generate(hue_units["district"], DEC)
    client.force_login(officers["commune"])
    html = client.get(reverse("beneficiaries:detail", args=[child.pk])).content.decode()
    assert html.count('data-history-month="2026-12"') == 2  # the allowance and the care line
    assert "hỗ trợ chăm sóc, nuôi dưỡng, trả cho Hoàng Thị Nuôi" in html
    client.force_login(officers["district"])
    html = client.get(reverse("payments:lines", args=[period.pk])).content.decode()
    assert html.count('data-line-kind="care_support"') == 1
    assert "Hoàng Thị Nuôi" in html


def test_the_api_gives_each_line_its_kind_and_care_amount(client, hue_units, officers):
    from api.services import api_token_create

    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    arrangement = CareArrangementFactory(beneficiary=child)
    period = generate(hue_units["district"], DEC)
    _token, key = api_token_create(
        name="Hệ thống huyện",
        unit=hue_units["district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    rows = client.get(f"/api/v1/payment-periods/{period.pk}/lines/", **headers).json()["results"]
    assert [(r["line_kind"], r["care_arrangement"], r["amount_care"]) for r in rows] == [
        ("allowance", None, 0),
        ("care_support", arrangement.pk, 1_250_000),
    ]
    (listed,) = client.get("/api/v1/payment-periods/", {"month": "2026-12"}, **headers).json()[
        "results"
    ]
    assert (listed["line_count"], listed["total_amount"]) == (2, 2 * 1_250_000)


def test_the_review_compares_the_persons_own_line_not_the_care_line(hue_units, officers, checker):
    from payments.selectors import review

    c = hue_units["commune"]
    child = person(c, datetime.date(2023, 6, 1), ["K1"])
    CareArrangementFactory(beneficiary=child)
    _close(hue_units["district"], NOV, officers, checker)
    dec = generate(hue_units["district"], DEC, officers["district"])
    context = review(user=officers["district"], period=dec)
    # Same allowance both months: nobody added, left or changed.
    assert (context["added"], context["left"], context["changed"]) == ([], [], [])
