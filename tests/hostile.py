"""What the hostile-input suites (issue 17) send: text a person, a paste or a script could put
in a field, biased to the values that broke things before (the ends of the calendar, digits
that are not ASCII, NUL, huge numbers, markup)."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "",
    " ",
    "\x00",
    "²",
    "٣",
    "０４６",
    "9" * 30,
    "-1",
    "0",
    "9999-12",
    "0001-01",
    "9999-12-31",
    "31/12/9999",
    "01/01/0001",
    "00/00/0000",
    "29/02/2027",
    "2026-13",
    "13/2026",
    "1e400",
    "NaN",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "Nguyễn Văn\u200b An",
    "x" * 3000,
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))


def no_stack_trace(response) -> None:
    body = response.content.decode("utf-8", errors="replace")
    assert "Traceback" not in body and 'File "' not in body
