"""The generation's floor (bench/run.py, issue 19): the same rows into payments_paymentline
itself, every column the table requires, foreign keys checked inside the timing, rolled back."""

import pytest
from django.db import connection

from bench.run import FLOOR_PROBE_MONTH, table_floor_seconds
from payments.models import PaymentLine, PaymentPeriod
from tests.factories import AccountFactory, BeneficiaryCategoryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench needs PostgreSQL"),
]


def test_the_floor_writes_into_the_lines_table_and_rolls_back(hue_units, capsys):
    for _ in range(3):
        person = BeneficiaryCategoryFactory(beneficiary__commune=hue_units["commune"]).beneficiary
    AccountFactory(beneficiary=person)
    seconds = table_floor_seconds(
        n=3, path_prefix=hue_units["province"].path, unit=hue_units["district"]
    )
    assert seconds > 0
    err = capsys.readouterr().err
    assert "the same 3 rows into payments_paymentline itself" in err
    assert "foreign keys" in err
    assert not PaymentLine.objects.exists()
    assert not PaymentPeriod.objects.filter(month=FLOOR_PROBE_MONTH).exists()
