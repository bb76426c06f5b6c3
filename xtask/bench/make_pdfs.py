"""Real files for `cargo xtask bench pdf`, made by other producers than ours.

usage: make_pdfs.py OUTDIR
- scan.pdf: 200 pages, each one greyscale JPEG of a speckled A4 sheet at 100 dpi, put in a
  PDF by img2pdf (the JPEG data goes in as it is, like a scanner's); at least 20 MB.
- contract60.pdf: a 60-page Chinese contract laid out by LibreOffice Writer from HTML, with
  its CJK font (Noto Sans/Serif CJK from fonts-noto-cjk) embedded as a subset.
"""

import io
import random
import subprocess
import sys
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw

PAGES = 200
CONTRACT_PAGES = 60


def scan(out: Path) -> None:
    rng = random.Random(17)
    pages = []
    for number in range(1, PAGES + 1):
        # A4 at 100 dpi: paper grain and a few dark lines of "text".
        width, height = 828, 1172
        small = (width // 4, height // 4)
        grain = bytes(rng.randrange(150, 256) for _ in range(small[0] * small[1]))
        sheet = Image.frombytes("L", small, grain).resize((width, height))
        draw = ImageDraw.Draw(sheet)
        for line in range(40):
            y = 100 + line * 25
            draw.rectangle((80, y, 80 + rng.randrange(400, 660), y + 9), fill=40)
        draw.text((400, 1120), f"- {number} -", fill=0)
        data = io.BytesIO()
        sheet.save(data, "JPEG", quality=75)
        pages.append(data.getvalue())
    out.write_bytes(img2pdf.convert(pages, layout_fun=img2pdf.get_layout_fun((img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)))))


CLAUSE = (
    "甲乙双方本着平等自愿、诚实信用的原则，经友好协商，就本条所述事项达成如下约定："
    "一方应当按照约定的时间、地点和方式全面履行义务，不得擅自变更或者解除本合同；"
    "因不可抗力不能履行合同的，应当及时通知对方，并在合理期限内提供证明。"
)


def contract(out: Path) -> None:
    parts = ["<html><head><meta charset='utf-8'><title>劳动合同</title></head>",
             "<body style='font-family: \"Noto Serif CJK SC\", \"Noto Sans CJK SC\"; font-size: 12pt'>",
             "<h1 style='text-align:center'>劳动合同书</h1>"]
    for article in range(1, CONTRACT_PAGES * 5 + 1):
        parts.append(f"<h3>第{article}条</h3><p>{CLAUSE * 2}</p>")
    parts.append("<p>甲方（盖章）：________　　乙方（签字）：________</p></body></html>")
    html = out.with_suffix(".html")
    html.write_text("".join(parts), encoding="utf-8")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out.parent), str(html)],
        check=True,
        capture_output=True,
    )


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    scan(out / "scan.pdf")
    contract(out / "contract60.pdf")


if __name__ == "__main__":
    main()
