"""Hostile input, property-based (issue 17): whatever text, number or date stands in any column
of the import, the resource reports coded row errors or accepts the row, and never raises; a
whole file of such cells is either refused with a message and a code or checked."""

import csv
import datetime
import io

import pytest
import tablib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beneficiaries.errors import BeneficiaryErrorCode
from beneficiaries.resources import RegistrationResource
from beneficiaries.services.import_file import COLUMNS, ROW_COLUMN, ImportFileError
from beneficiaries.services.importing import beneficiaries_import, import_communes
from core.errors import CoreErrorCode
from tests.beneficiaries.test_import import rows

pytestmark = pytest.mark.django_db
KNOWN_CODES = {str(c) for c in BeneficiaryErrorCode} | {str(c) for c in CoreErrorCode}

cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet="0123456789０１２３４５６７８９٠١٢\u200b-/;. ", max_size=14),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(),
    st.booleans(),
)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_any_value_in_any_column_is_a_coded_row_error_or_a_valid_row(data, officers, hue_units):
    """Start from a valid row and put a generated value in a few columns: the dry run ends with
    each row valid or invalid (with codes), never with an unexpected exception."""
    base = rows(hue_units["commune"].code, 2)
    dataset = tablib.Dataset(headers=[ROW_COLUMN, *COLUMNS])
    for number, row in enumerate(base, start=2):
        values = dict(row)
        for column in data.draw(st.lists(st.sampled_from(COLUMNS), max_size=5, unique=True)):
            values[column] = data.draw(cells, label=column)
        dataset.append([number, *(values[c] for c in COLUMNS)])
    user = officers["commune"]
    resource = RegistrationResource(
        user=user,
        communes=import_communes(user=user),
        today=datetime.date(2026, 12, 1),
    )
    result = resource.import_data(dataset, dry_run=True)
    assert not result.base_errors
    assert not result.has_errors(), [e.error for row in result.row_errors() for e in row[1]]
    assert len(result.invalid_rows) + len(result.valid_rows()) == 2
    for invalid in result.invalid_rows:
        for column, problems in invalid.error.error_dict.items():
            assert column in COLUMNS
            assert all(p.code in KNOWN_CODES and p.messages for p in problems), problems


@PROPERTY
@given(grid=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=25), max_size=4))
def test_any_csv_is_refused_with_a_code_or_checked(grid, officers, hue_units):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(grid)
    try:
        result = beneficiaries_import(
            name="dt.csv",
            content=buffer.getvalue().encode(),
            user=officers["commune"],
            dry_run=True,
        )
    except ImportFileError as exc:
        assert exc.code in KNOWN_CODES and str(exc)
    else:
        assert all(e.code in KNOWN_CODES and e.message for e in result.errors)
        assert result.errors or result.total_rows
