"""generate_payment_list and export_payment_list (DESIGN.md §5), and the beat job."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from beneficiaries.models import Category
from payments.models import PaymentPeriod
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def k5c(hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    return b


def run(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_generate_close_and_export(k5c, officers, checker, hue_units, tmp_path):
    code = hue_units["district"].code
    summary = run("generate_payment_list", "--unit", code, "--month", "2026-12")
    assert summary.startswith(
        "generate_payment_list: Quận Thuận Hóa 12/2026: 1 lines, 500.000 ₫, draft"
    )
    with pytest.raises(CommandError, match="--approver"):
        run("generate_payment_list", "--unit", code, "--month", "2026-12", "--close")
    args = ["--unit", code, "--month", "2026-12", "--as", "huyen", "--close"]
    # The preparer may not approve the list they generated.
    with pytest.raises(CommandError, match="Người lập danh sách"):
        run("generate_payment_list", *args, "--approver", "huyen")
    assert PaymentPeriod.objects.get().status == "generated"
    summary = run("generate_payment_list", *args, "--approver", checker.username)
    assert "closed, hash" in summary
    assert PaymentPeriod.objects.get().status == "closed"
    with pytest.raises(CommandError, match="chốt"):
        run("generate_payment_list", "--unit", code, "--month", "2026-12")

    csv_path, xlsx_path = tmp_path / "l.csv", tmp_path / "l.xlsx"
    assert "written to" in run(
        "export_payment_list",
        "--unit",
        code,
        "--month",
        "2026-12",
        "--format",
        "csv",
        "--output",
        str(csv_path),
    )
    first = csv_path.read_bytes()
    run(
        "export_payment_list",
        "--unit",
        code,
        "--month",
        "2026-12",
        "--format",
        "csv",
        "--output",
        str(csv_path),
    )
    assert csv_path.read_bytes() == first
    run(
        "export_payment_list",
        "--unit",
        code,
        "--month",
        "2026-12",
        "--format",
        "xlsx",
        "--output",
        str(xlsx_path),
    )
    x1 = xlsx_path.read_bytes()
    run(
        "export_payment_list",
        "--unit",
        code,
        "--month",
        "2026-12",
        "--format",
        "xlsx",
        "--output",
        str(xlsx_path),
    )
    assert xlsx_path.read_bytes() == x1
    with pytest.raises(CommandError, match="No generated list"):
        run(
            "export_payment_list",
            "--unit",
            code,
            "--month",
            "2027-01",
            "--format",
            "csv",
            "--output",
            str(csv_path),
        )


def test_bad_arguments(hue_units):
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("generate_payment_list", "--unit", hue_units["district"].code, "--month", "12/2026")
    with pytest.raises(CommandError, match="No closing unit"):
        run("generate_payment_list", "--unit", hue_units["commune"].code, "--month", "2026-12")


def test_beat_opens_next_months_periods(k5c, hue_units):
    from config.celery import app
    from payments.tasks import open_next_periods

    app.conf.task_always_eager = True
    try:
        queued = open_next_periods()
    finally:
        app.conf.task_always_eager = False
    assert queued == 9  # Huế's nine districts
    assert PaymentPeriod.objects.filter(status="generated").count() == 9
    period = PaymentPeriod.objects.get(unit=hue_units["district"])
    assert period.payment_list.line_count == 1
    assert open_next_periods() == 0  # already generated: left alone
