"""Two district officers press "close" at the same moment: one closes, the other is told."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from beneficiaries.models import Category
from org.models import Role
from payments.errors import PaymentErrorCode
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_officers_closing_at_once(hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    officers = [
        UserFactory(username=f"huyen{i}", role=Role.DISTRICT_OFFICER, unit=hue_units["district"])
        for i in range(2)
    ]
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def close(i):
        try:
            barrier.wait()
            results[i] = payment_list_close(period=period, closed_by=officers[i])
        except ValidationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    errors = [r for r in results if isinstance(r, ValidationError)]
    closed = [r for r in results if not isinstance(r, ValidationError)]
    assert len(closed) == 1 and len(errors) == 1, results
    winner = closed[0].closed_by
    assert errors[0].code == PaymentErrorCode.ALREADY_CLOSED
    assert str(winner) in errors[0].messages[0]  # the page says who closed it
    period.refresh_from_db()
    assert period.status == "closed"
    assert period.payment_list.batches.count() == 1  # split once, not twice
