"""The review's "compared with last month": a death or a stop is a decrease ("Giảm") with its
reason, even when the person still has a line (the funeral support), never an amount change."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.services.changes import change_record_approve, change_record_create
from beneficiaries.services.inputs import ChangeInput
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.payments.test_generate import person

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)
BORN = datetime.date(1940, 1, 1)


def decide(officers, beneficiary, data):
    change = change_record_create(
        beneficiary=beneficiary,
        data=data,
        maker=officers["commune"],
        today=datetime.date(2026, 11, 25),
    )
    change_record_approve(
        change=change, approved_by=officers["district"], today=datetime.date(2026, 11, 26)
    )


def test_deaths_and_stops_are_decreases_with_their_reason(client, officers, hue_units):
    c = hue_units["commune"]
    person(c, BORN, ["K5C"], full_name="Lê Thị Bền")
    dying = person(c, BORN, ["K5C"], full_name="Phan Văn Mất")
    leaving = person(c, BORN, ["K5C"], full_name="Võ Thị Đi")
    worse = person(
        c, datetime.date(1990, 1, 1), ["K6"], full_name="Đỗ Văn Nặng", disability_level="severe"
    )
    november = payment_period_open(unit=hue_units["district"], month=NOV)
    payment_list_generate(period=november)
    payment_list_close(period=november, closed_by=officers["district"])

    decide(
        officers,
        dying,
        ChangeInput(
            kind="stop",
            reason="death",
            date_of_death=datetime.date(2026, 11, 10),
            funeral_payee_name="Phan Văn Con",
            funeral_payee_id_number="046070009999",
            funeral_payee_relationship="Con trai",
        ),
    )
    decide(officers, leaving, ChangeInput(kind="stop", reason="moved_away", effective_month=DEC))
    decide(
        officers,
        worse,
        ChangeInput(
            kind="change_disability",
            reason="new_decision",
            effective_month=DEC,
            new_disability_level="extremely_severe",
            decision_number="12/QĐ",
        ),
    )
    person(c, BORN, ["K5C"], full_name="Hà Thị Mới", start_month=DEC)
    december = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=december)
    assert december.payment_list.lines.filter(beneficiary=dying, amount_regular=0).exists()

    client.force_login(officers["district"])
    html = client.get(reverse("payments:review", args=[december.pk])).content.decode()
    since = html[html.index("Giảm (") :]
    left = since[: since.index("</section>")]
    assert "Giảm (2)" in left
    dead = left[left.index("Phan Văn Mất") :].split("</li>")[0]
    assert "Thôi hưởng: Chết" in dead and "hỗ trợ mai táng" in dead
    moved = left[left.index("Võ Thị Đi") :].split("</li>")[0]
    assert "Thôi hưởng: Chuyển đi nơi khác" in moved
    changed = since[since.index("Thay đổi số tiền") :]
    assert "Thay đổi số tiền (1)" in changed and "Đỗ Văn Nặng" in changed
    assert "Phan Văn Mất" not in changed and "×0,00" not in changed and "×0.00" not in changed
    assert "Tăng (1)" in html and "Hà Thị Mới" in html[html.index("Tăng (1)") :]
