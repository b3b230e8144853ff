"""Reconciliation against the providers' statements: totals, discrepancies, fees to the đồng,
suspension proposals after three uncollected months and stop proposals after three more, the
page and the settlement xlsx."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries.models import ChangeKind, ChangeRecord, ChangeStatus
from beneficiaries.selectors import change_queue
from beneficiaries.services.changes import change_record_approve, change_record_submit
from core.errors import error_codes
from payments.errors import PaymentErrorCode
from payments.models import (
    LineStatus,
    PaymentLine,
    PeriodStatus,
    Reconciliation,
    ReconciliationIssue,
)
from payments.reconciliation import fee_for, period_reconcile, uncollected_suspensions_propose
from payments.services import payment_list_close
from providers.models import Provider, ProviderContract
from reports.models import ExportLog
from tests.helpers import checker_of
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


def sent(unit, month, user, results: dict[int, str] | None = None, default="paid"):
    """Generate, close and 'send' a list; lines take `results[beneficiary_id]` or `default`."""
    period = generate(unit, month, user)
    payment_list_close(period=period, closed_by=checker_of(unit))
    period.refresh_from_db()
    for line in period.payment_list.lines.all():
        status = (results or {}).get(line.beneficiary_id, default)
        line.status = status
        line.save(update_fields=["status"])
    period.status = PeriodStatus.SUBMITTED
    period.save(update_fields=["status"])
    return period


def statement_of(period, change=None, extra=()):
    """A fake provider statement that agrees with our lines, altered by `change(item)`."""

    def fetch(batch):
        items = []
        for reference, status, amount in batch.lines.values_list(
            "reference", "status", "amount_total"
        ):
            item = SimpleNamespace(reference=reference, status=status, amount=amount)
            if change:
                item = change(item)
            if item is not None:
                items.append(item)
        items.extend(extra)
        return SimpleNamespace(batch_reference=batch.reference, items=items)

    return fetch


@pytest.fixture
def people(hue_units):
    c = hue_units["commune"]
    return [person(c, datetime.date(1940, 1, 1 + i), ["K5C"]) for i in range(3)]


def test_a_clean_statement_matches_and_fees_follow_the_contract(hue_units, officers, people):
    province = hue_units["province"]
    vnpost = Provider.objects.get(code="VNPOST")
    ProviderContract.objects.create(
        province=province,
        provider=vnpost,
        contract_number="03/2024",
        fee_percent=Decimal("1.100"),
        valid_from=datetime.date(2024, 1, 1),
    )
    # An expired contract must not be used.
    ProviderContract.objects.create(
        province=province,
        provider=vnpost,
        fee_percent=Decimal("9.000"),
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2023, 12, 31),
    )
    period = sent(
        hue_units["district"], DEC, officers["district"], {people[2].pk: LineStatus.UNPAID}
    )
    r = period_reconcile(period=period, user=officers["district"], fetch=statement_of(period))
    assert r.status == Reconciliation.Status.MATCHED
    assert r.issue_count == 0
    (total,) = r.totals.all()
    # Three people 80+ without a pension (K5C, 1.0 × 500.000), all in cash through VNPost.
    assert (total.control_count, total.control_amount) == (3, 1_500_000)
    assert (total.paid_count, total.paid_amount) == (2, 1_000_000)
    assert (total.unpaid_count, total.unpaid_amount) == (1, 500_000)
    assert total.controls_match
    assert total.fee_percent == Decimal("1.100")
    assert total.fee_amount == 11_000  # 1,1 % of the 1.000.000 actually paid
    assert r.fee_total == 11_000
    period.refresh_from_db()
    assert period.status == PeriodStatus.RECONCILED


def test_fees_round_half_up_to_the_dong():
    assert fee_for(1_250_000, Decimal("0.333")) == 4163  # 4162,5
    assert fee_for(1_250_001, Decimal("0.250")) == 3125  # 3125,0025
    assert fee_for(0, Decimal("1.1")) == 0


def test_every_kind_of_discrepancy_is_flagged(hue_units, officers, people):
    period = sent(hue_units["district"], DEC, officers["district"])
    lines = list(period.payment_list.lines.order_by("line_no"))

    def change(item):
        if item.reference == lines[0].reference:
            return SimpleNamespace(reference=item.reference, status="paid", amount=700_000)
        if item.reference == lines[1].reference:
            return SimpleNamespace(reference=item.reference, status="failed", amount=item.amount)
        if item.reference == lines[2].reference:
            return None  # not on the statement
        return item

    stranger = SimpleNamespace(reference="NOT-OURS-1", status="paid", amount=123_000)
    r = period_reconcile(period=period, fetch=statement_of(period, change, extra=[stranger]))
    assert r.status == Reconciliation.Status.MISMATCHED
    kinds = dict(r.issues.values_list("reference", "kind"))
    assert kinds == {
        lines[0].reference: ReconciliationIssue.Kind.AMOUNT,
        lines[1].reference: ReconciliationIssue.Kind.STATUS,
        lines[2].reference: ReconciliationIssue.Kind.MISSING,
        "NOT-OURS-1": ReconciliationIssue.Kind.UNKNOWN,
    }
    amount_issue = r.issues.get(kind="amount")
    assert (amount_issue.our_amount, amount_issue.provider_amount) == (500_000, 700_000)
    (total,) = r.totals.all()
    assert not total.controls_match  # the statement has 3 lines, 1.323.000 ₫, not 3 / 1.500.000
    assert (total.statement_count, total.statement_amount) == (3, 700_000 + 500_000 + 123_000)

    # Reconciling again (say, after the provider corrected its statement) replaces the result.
    r = period_reconcile(period=period, fetch=statement_of(period))
    assert r.status == Reconciliation.Status.MATCHED
    assert r.issues.count() == 0
    assert r.history.count() == 2  # both kept in the history


def test_only_a_sent_list_with_every_line_final_and_only_its_officer(
    hue_units, officers, people, checker
):
    period = generate(hue_units["district"], DEC, officers["district"])
    with pytest.raises(ValidationError) as refused:
        period_reconcile(period=period, fetch=statement_of(period))
    assert error_codes(refused.value) == {PaymentErrorCode.NOT_SENT}
    payment_list_close(period=period, closed_by=checker)
    period.refresh_from_db()
    period.status = PeriodStatus.SUBMITTED
    period.save()
    period.payment_list.lines.update(status=LineStatus.PAID)
    PaymentLine.objects.filter(pk=period.payment_list.lines.first().pk).update(
        status=LineStatus.SUBMITTED
    )
    with pytest.raises(ValidationError) as refused:
        period_reconcile(period=period, fetch=statement_of(period))
    assert error_codes(refused.value) == {PaymentErrorCode.LINES_NOT_FINAL}
    assert "1" in refused.value.messages[0]  # how many lines still wait
    with pytest.raises(PermissionDenied) as refused:
        period_reconcile(period=period, user=officers["commune"], fetch=statement_of(period))
    assert refused.value.code == PaymentErrorCode.NOT_OFFICER_OF_UNIT
    assert not Reconciliation.objects.exists()


def test_a_provider_down_saves_nothing(hue_units, officers, people):
    from providers.adapters import ProviderUnavailable

    period = sent(hue_units["district"], DEC, officers["district"])

    def down(batch):
        raise ProviderUnavailable("VNPost: connection refused")

    with pytest.raises(ProviderUnavailable):
        period_reconcile(period=period, fetch=down)
    assert not Reconciliation.objects.exists()
    period.refresh_from_db()
    assert period.status == PeriodStatus.SUBMITTED


def test_three_uncollected_months_in_a_row_propose_a_suspension_once(hue_units, officers, people):
    district, user = hue_units["district"], officers["district"]
    never, once = people[0], people[1]
    sent(district, OCT, user, {never.pk: "unpaid", once.pk: "unpaid"})
    sent(district, NOV, user, {never.pk: "unpaid", once.pk: "paid"})
    dec = sent(district, DEC, user, {never.pk: "unpaid", once.pk: "unpaid"})
    r = period_reconcile(period=dec, user=user, fetch=statement_of(dec))
    assert r.suspensions_proposed == 1
    change = ChangeRecord.objects.get(kind=ChangeKind.SUSPEND)
    assert change.beneficiary == never
    assert change.status == ChangeStatus.PROPOSED
    assert change.reason == "not_collected"
    assert change.effective_month == datetime.date(2027, 1, 1)
    assert "10/2026 đến 12/2026" in change.reason_detail
    # Reconciling again proposes nothing new.
    assert uncollected_suspensions_propose(period=dec) == 0
    period_reconcile(period=dec, user=user, fetch=statement_of(dec))
    assert ChangeRecord.objects.filter(kind=ChangeKind.SUSPEND).count() == 1


def test_three_more_uncollected_months_after_the_suspension_propose_the_stop(
    hue_units, officers, people
):
    """Circular 02/2021, Art. 2, month by month (u = unpaid, p = paid, - = no line):

                 10  11  12 | 01  02  03 | 04
        never     u   u   u |  u   u   u | stop proposed at 03's reconciliation, from 04
        came      u   u   u |  u   p   u | collected in 02: no stop
        paid      p   p   p |  p   p   p | never suspended
    Suspended from 01 (proposed at 12's reconciliation); while suspended their lines carry
    only the unpaid months over."""
    district, user = hue_units["district"], officers["district"]
    never, came, paid = people
    JAN, FEB, MAR = (datetime.date(2027, m, 1) for m in (1, 2, 3))
    unpaid = {never.pk: "unpaid", came.pk: "unpaid"}
    for month in (OCT, NOV):
        sent(district, month, user, unpaid)
    dec = sent(district, DEC, user, unpaid)
    assert (
        period_reconcile(period=dec, user=user, fetch=statement_of(dec)).suspensions_proposed == 2
    )
    for change in ChangeRecord.objects.filter(kind=ChangeKind.SUSPEND):
        change_record_submit(change=change, user=officers["commune"])
        change_record_approve(change=change, approved_by=user, today=datetime.date(2027, 1, 2))
    never.refresh_from_db()
    assert never.status == "suspended"

    jan = sent(district, JAN, user, unpaid)
    # Suspended: no allowance for January, only the carried-over months.
    line = jan.payment_list.lines.get(beneficiary=never)
    assert line.amount_regular == 0 and line.amount_carried_over > 0
    assert (
        period_reconcile(period=jan, user=user, fetch=statement_of(jan)).suspensions_proposed == 0
    )
    feb = sent(district, FEB, user, {never.pk: "unpaid", came.pk: "paid"})
    assert (
        period_reconcile(period=feb, user=user, fetch=statement_of(feb)).suspensions_proposed == 0
    )
    assert not ChangeRecord.objects.filter(kind=ChangeKind.STOP).exists()
    mar = sent(district, MAR, user, unpaid)
    r = period_reconcile(period=mar, user=user, fetch=statement_of(mar))
    assert r.suspensions_proposed == 1
    stop = ChangeRecord.objects.get(kind=ChangeKind.STOP)
    assert (stop.beneficiary, stop.status, stop.reason, stop.effective_month) == (
        never,
        ChangeStatus.PROPOSED,
        "not_collected",
        datetime.date(2027, 4, 1),
    )
    assert stop.commune == hue_units["commune"] and stop.source == "system"
    assert "01/2027" in stop.reason_detail and "03/2027" in stop.reason_detail
    assert "Thông tư 02/2021" in stop.reason_detail
    assert not ChangeRecord.objects.filter(beneficiary__in=[came, paid], kind="stop").exists()
    # In the commune's queue, once.
    assert stop in change_queue(user=officers["commune"])
    assert uncollected_suspensions_propose(period=mar) == 0
    # Taken up and approved, it stops the allowance.
    change_record_submit(change=stop, user=officers["commune"])
    change_record_approve(change=stop, approved_by=user, today=datetime.date(2027, 4, 2))
    never.refresh_from_db()
    assert never.status == "stopped"


def test_no_stop_while_a_resumption_is_on_its_way(hue_units, officers, people):
    district, user = hue_units["district"], officers["district"]
    never = people[0]
    unpaid = {never.pk: "unpaid"}
    for month in (OCT, NOV):
        sent(district, month, user, unpaid)
    dec = sent(district, DEC, user, unpaid)
    period_reconcile(period=dec, user=user, fetch=statement_of(dec))
    suspension = ChangeRecord.objects.get(kind=ChangeKind.SUSPEND)
    change_record_submit(change=suspension, user=officers["commune"])
    change_record_approve(change=suspension, approved_by=user, today=datetime.date(2027, 1, 2))
    for month in (1, 2):
        sent(district, datetime.date(2027, month, 1), user, unpaid)
    mar = sent(district, datetime.date(2027, 3, 1), user, unpaid)
    resume = ChangeRecord.objects.create(
        beneficiary=never,
        commune=never.commune,
        kind=ChangeKind.RESUME,
        reason="other",
        effective_month=datetime.date(2027, 4, 1),
        status=ChangeStatus.SUBMITTED,
    )
    assert uncollected_suspensions_propose(period=mar) == 0
    assert not ChangeRecord.objects.filter(kind=ChangeKind.STOP).exists()
    # Withdrawn, the resumption no longer holds the stop back.
    resume.status = ChangeStatus.CANCELLED
    resume.save()
    assert uncollected_suspensions_propose(period=mar) == 1
    assert ChangeRecord.objects.get(kind=ChangeKind.STOP).beneficiary == never


def test_the_page_and_the_settlement_report(client, hue_units, officers, people):
    period = sent(
        hue_units["district"], DEC, officers["district"], {people[1].pk: LineStatus.UNPAID}
    )
    ProviderContract.objects.create(
        province=hue_units["province"],
        provider=Provider.objects.get(code="VNPOST"),
        contract_number="03/2024/HĐ",
        fee_percent=Decimal("1.1"),
        valid_from=datetime.date(2024, 1, 1),
    )
    client.force_login(officers["district"])
    url = reverse("payments:reconciliation", args=[period.pk])
    html = client.get(url).content.decode()
    assert "Đối soát ngay" in html  # not reconciled yet, every line final

    def fake(batch):
        return statement_of(period)(batch)

    import payments.reconciliation as module

    original = module._fetch_from_provider
    module._fetch_from_provider = fake
    try:
        response = client.post(reverse("payments:reconcile", args=[period.pk]), follow=True)
    finally:
        module._fetch_from_provider = original
    html = response.content.decode()
    assert "mọi dòng khớp" in html.lower() or "khớp với tổ chức chi trả" in html
    assert 'data-reconciliation="matched"' in html
    assert 'data-figure="paid">2<' in html
    assert 'data-figure="fees">11.000 ₫<' in html

    response = client.get(reverse("payments:settlement", args=[period.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2026-12.xlsx"')
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["Tổng hợp", "Theo xã", "Chi tiết", "Sai lệch"]
    summary = next(workbook["Tổng hợp"].iter_rows(min_row=6, max_row=6, values_only=True))
    assert summary[:4] == ("Bưu điện Việt Nam (VNPost)", "03/2024/HĐ", 3, 1_500_000)
    assert summary[6:8] == (2, 1_000_000)
    assert summary[13:] == (11_000, "Có")
    detail = list(workbook["Chi tiết"].iter_rows(min_row=6, values_only=True))
    assert len(detail) == 3
    assert sorted(row[8] for row in detail) == ["Không nhận", "Đã chi trả", "Đã chi trả"]
    assert ExportLog.objects.filter(what="settlement_xlsx", user=officers["district"]).exists()
    # Byte-identical when downloaded again.
    again = client.get(reverse("payments:settlement", args=[period.pk])).content
    assert again == body

    # A commune officer reads the page of their district's list, but not the whole report.
    client.force_login(officers["commune"])
    assert client.get(url).status_code == 200
    assert client.get(reverse("payments:settlement", args=[period.pk])).status_code == 404
    assert client.post(reverse("payments:reconcile", args=[period.pk])).status_code == 302
    assert Reconciliation.objects.get().reconciled_by == officers["district"]
    # Out of scope: 404.
    client.force_login(officers["neighbour"])
    other = hue_units["other_district"]
    from tests.factories import UserFactory

    outsider = UserFactory(username="khac", role="district_officer", unit=other)
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_admin_shows_reconciliations_read_only(client, hue_units, officers, people):
    period = sent(hue_units["district"], DEC, officers["district"])
    r = period_reconcile(period=period, fetch=statement_of(period))
    client.force_login(officers["admin"])
    assert client.get(reverse("admin:payments_reconciliation_changelist")).status_code == 200
    page = client.get(reverse("admin:payments_reconciliation_change", args=[r.pk]))
    assert page.status_code == 200
    assert "VNPost" in page.content.decode()
    assert client.get(reverse("admin:payments_reconciliationissue_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:payments_reconciliation_delete", args=[r.pk])).status_code == 403
    )
