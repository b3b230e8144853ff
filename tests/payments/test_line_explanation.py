"""A line's explanation is written in the system's language whoever generated it, and a page in
English reads it in English."""

import datetime

from django.utils import translation

from payments.explanation import explanation_text, line_explanation
from payments.models import PaymentLine

OCT, NOV = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)


def test_the_stored_explanation_is_vietnamese_even_when_generated_in_english():
    with translation.override("en"):
        stored = line_explanation(
            regular="K5C ×1,0 × 500.000 ₫",
            arrears_months=[OCT, NOV],
            funeral=True,
            carried_over=True,
        )
    assert stored == (
        "K5C ×1,0 × 500.000 ₫; truy lĩnh 10/2026, 11/2026; hỗ trợ mai táng; kỳ trước chuyển sang"
    )
    assert line_explanation(regular="", arrears_months=[], funeral=False, carried_over=False) == ""


def test_a_page_in_english_reads_it_in_english():
    stored = line_explanation(
        regular="K1 ×2,5 × 500.000 ₫", arrears_months=[NOV], funeral=True, carried_over=True
    )
    line = PaymentLine(explanation=stored)
    with translation.override("en"):
        assert line.explanation_display == (
            "K1 ×2,5 × 500.000 ₫; arrears 11/2026; funeral support; "
            "carried over from an earlier list"
        )
        assert explanation_text("K4 ×1,0; ghi tay") == "K4 ×1,0; ghi tay"  # unknown: as stored
    with translation.override("vi"):
        assert line.explanation_display == stored
