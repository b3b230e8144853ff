"""The official list's xlsx against a floor: `make bench` runs it on the largest district's list.

    .venv/bin/python -m bench.exports --list <payment list id>   (DATABASE_URL: the bench's)

Prints one line on stdout (details on stderr):

    BENCH name=payment_list_xlsx n=<lines> seconds=<s> floor_seconds=<s> ratio=<r> peak_rss_mb=<MB>

`seconds` is `payments.exporting.payment_list_xlsx` for the whole list (reading its lines, the
summary sheet, one styled sheet per commune), the median of RUNS runs. The floor is the same
cells (title block, headers, every line, the total rows) written by xlsxwriter's constant-memory
mode without any style, from values already in memory: what the writer alone needs. It runs in
its own process, so `peak_rss_mb` is the export's own peak, not the generation's before it.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time

RUNS = 3


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def floor_cells(payment_list) -> list[tuple[str, list[tuple]]]:
    """Every commune sheet's cells as rows of plain values, in sheet order."""
    from org.privacy import WHOLE
    from payments.exporting import (
        XLSX_HEADERS,
        XLSX_TITLE,
        _line_values,
        _lines,
        _sheet_titles,
        _totals,
    )

    by_commune: dict = {}
    for line in _lines(payment_list, None):
        by_commune.setdefault(line.commune_id, (line.commune, []))[1].append(line)
    groups = sorted(by_commune.values(), key=lambda group: group[0].path)
    sheets = []
    for title, (unit, lines) in zip(_sheet_titles(g[0] for g in groups), groups, strict=True):
        totals = _totals(lines)
        rows = [
            (XLSX_TITLE,),
            (f"Tháng {payment_list.period.month:%m/%Y}",),
            (f"{unit.name}, {payment_list.period.unit.name}",),
            (),
            XLSX_HEADERS,
            *(_line_values(stt, line, WHOLE) for stt, line in enumerate(lines, start=1)),
            tuple(
                totals.get(col, f"Tổng cộng ({len(lines)} người)" if col == 2 else None)
                for col in range(1, len(XLSX_HEADERS) + 1)
            ),
        ]
        sheets.append((title, rows))
    return sheets


def write_floor(sheets: list[tuple[str, list[tuple]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    for title, rows in sheets:
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return buffer.getvalue()


def bench_payment_list_xlsx(list_id: int) -> str:
    from bench.run import bench_line, log
    from payments.exporting import payment_list_xlsx
    from payments.models import PaymentList

    payment_list = PaymentList.objects.select_related(
        "period__unit", "generated_by", "closed_by"
    ).get(pk=list_id)
    n = payment_list.lines.count()
    times, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        size = len(payment_list_xlsx(payment_list))
        times.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sheets = floor_cells(payment_list)
    floors = []
    for _ in range(RUNS):
        started = time.perf_counter()
        floor_size = len(write_floor(sheets))
        floors.append(time.perf_counter() - started)
    log(
        f"xlsx: {payment_list.period.unit.name}: {n:,} lines, {size:,} bytes in "
        f"{', '.join(f'{t:.3f}' for t in times)}s; floor {floor_size:,} bytes in "
        f"{', '.join(f'{t:.3f}' for t in floors)}s."
    )
    return bench_line("payment_list_xlsx", n, _median(times), _median(floors), peak_mb)


def main(argv: list[str] | None = None) -> int:
    import os

    from bench.run import django_setup

    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__)
    parser.add_argument("--list", type=int, required=True, help="the payment list's id")
    args = parser.parse_args(argv)
    django_setup(os.environ["DATABASE_URL"])
    print(bench_payment_list_xlsx(args.list), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
