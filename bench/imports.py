"""`make bench-import`: what a hostile spreadsheet costs, with and without the import's budget.

    .venv/bin/python -m bench.imports [--sizes 1,2,4,8,10,40] [--openpyxl-max 8] [--rows 20000]

For each size, an .xlsx of a few rows whose sheet holds an XML comment of that many MB (built
with zipfile, as the tests do): the time `import_file.read_dataset` takes to refuse it (the
budget: ratio, size and markup checks while unpacking), and, up to --openpyxl-max MB, the time
openpyxl's read-only reader takes to read the same sheet without any budget (what the request
spent before issue 17: it grows with the square of the comment). Then the time a legitimate
file of --rows rows of the contract takes to be read into the Dataset. No database is touched.

One line per case:  IMPORT case=... mb=... bytes=... seconds=... outcome=...
"""

from __future__ import annotations

import argparse
import io
import os
import time
import zipfile

import django


def _workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    from beneficiaries.services.import_file import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("doi_tuong")
    sheet.append(COLUMNS)
    for i in range(rows):
        sheet.append(
            [f"OLD-{i}", f"Phan Văn Ổi {i}", "1940-01-01", "M", "Kinh", f"04604{i:07d}",
             f"097{i:07d}", "19777", "Thôn Phú Ốc", "K5C", "", "", f"{i}/QĐ", "2024-07-05",
             "2024-07", "", "", "", "", "", "", ""]
        )  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _with_comment(content: bytes, megabytes: float) -> bytes:
    comment = b"<!--" + b"x" * int(megabytes * 1024 * 1024) + b"-->"
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                part = part.replace(b"<sheetData>", comment + b"<sheetData>", 1)
            archive.writestr(info.filename, part)
    return out.getvalue()


def _timed(function) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        outcome = function()
    except Exception as exc:  # a refusal is the outcome measured
        outcome = getattr(exc, "code", type(exc).__name__)
    return time.perf_counter() - start, str(outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,2,4,8,10,40")
    parser.add_argument("--openpyxl-max", type=float, default=8)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.utils import translation
    from openpyxl import load_workbook

    from beneficiaries.services.import_file import read_dataset

    translation.activate("en")
    small = _workbook(3)
    for size in (float(s) for s in args.sizes.split(",")):
        content = _with_comment(small, size)
        seconds, outcome = _timed(lambda c=content: len(read_dataset("b.xlsx", c)))
        print(f"IMPORT case=budgeted mb={size:g} bytes={len(content)} "
              f"seconds={seconds:.3f} outcome={outcome}")  # fmt: skip
        if size <= args.openpyxl_max:

            def unbudgeted(c=content):
                book = load_workbook(io.BytesIO(c), read_only=True, data_only=True)
                return len(list(book.worksheets[0].iter_rows(values_only=True)))

            seconds, outcome = _timed(unbudgeted)
            print(f"IMPORT case=openpyxl-alone mb={size:g} bytes={len(content)} "
                  f"seconds={seconds:.3f} outcome=rows:{outcome}")  # fmt: skip
    content = _workbook(args.rows)
    seconds, outcome = _timed(lambda: len(read_dataset("dt.xlsx", content)))
    print(f"IMPORT case=legitimate rows={args.rows} bytes={len(content)} "
          f"seconds={seconds:.3f} outcome=rows:{outcome}")  # fmt: skip


if __name__ == "__main__":
    main()
