#!/usr/bin/env python3
"""The smallest .xlsx the walkthroughs need, with the standard library only.

  xlsx.py write OUT.xlsx < rows.json   rows.json: [["header", …], ["cell", …], …]; every cell is
                                       written as text, on one sheet named 合同
  xlsx.py read FILE.xlsx               prints {"header": […], "rows": [{"row": 2, "cells": […]}, …]}
                                       of the sheet 合同 (else the first sheet); rows numbered as
                                       Excel numbers them, blank rows left out

The reader knows what Excel and the platform's own workbook write: shared strings, inline
strings, numbers (whole numbers without a decimal point, so mobile numbers typed as numbers
keep their digits) and the saved results of formulas. It is no general spreadsheet reader.
"""
import json
import re
import sys
import zipfile
from xml.etree import ElementTree
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_NAME = "合同"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    f'<sheet name="{SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def column_name(index):
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def column_index(reference):
    """The 0-based column of a cell reference such as AB12."""
    letters = re.match(r"[A-Z]+", reference).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def sheet_xml(rows):
    out = []
    for r, cells in enumerate(rows, start=1):
        cell_xml = "".join(
            f'<c r="{column_name(c)}{r}" t="inlineStr"><is><t xml:space="preserve">'
            f"{escape(str(value))}</t></is></c>"
            for c, value in enumerate(cells)
            if str(value) != ""
        )
        out.append(f'<row r="{r}">{cell_xml}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(out)}</sheetData></worksheet>'
    )


def write(path, rows):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows))


def tag(name):
    return f"{{{MAIN}}}{name}"


def text_of(element):
    """The text of a shared or inline string: its <t> runs joined."""
    return "".join(t.text or "" for t in element.iter(tag("t")))


def sheet_path(book):
    """The part of the sheet 合同, else of the first sheet."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    sheets = list(workbook.iter(tag("sheet")))
    if not sheets:
        raise SystemExit("the workbook has no sheet")
    chosen = next((s for s in sheets if s.get("name") == SHEET_NAME), sheets[0])
    rel_id = chosen.get(f"{{{REL}}}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{{{PKG}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise SystemExit(f"the workbook does not say where its sheet {rel_id} is")


def number(text):
    value = float(text)
    return str(int(value)) if value.is_integer() else text


def read(path):
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            strings = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = [text_of(si) for si in strings.iter(tag("si"))]
        sheet = ElementTree.fromstring(book.read(sheet_path(book)))
    rows = []
    for row in sheet.iter(tag("row")):
        cells = {}
        for cell in row.iter(tag("c")):
            kind = cell.get("t", "n")
            value = cell.find(tag("v"))
            if kind == "inlineStr":
                text = text_of(cell.find(tag("is")))
            elif value is None or value.text is None:
                continue
            elif kind == "s":
                text = shared[int(value.text)]
            elif kind == "n":
                text = number(value.text)
            else:
                text = value.text
            cells[column_index(cell.get("r"))] = text
        if cells and any(v.strip() for v in cells.values()):
            width = max(cells) + 1
            rows.append({"row": int(row.get("r")), "cells": [cells.get(i, "") for i in range(width)]})
    if not rows:
        return {"header": [], "rows": []}
    header, data = rows[0], rows[1:]
    return {"header": header["cells"], "rows": data}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2], json.load(sys.stdin))
    elif len(sys.argv) == 3 and sys.argv[1] == "read":
        json.dump(read(sys.argv[2]), sys.stdout, ensure_ascii=False)
        print()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
