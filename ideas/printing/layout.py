"""The building blocks of the printed poster and form: fonts, styles, the
QR code and tick boxes, drawn with reportlab (see docs/offline.md).

Fonts: DejaVu Sans when its TrueType files are on the machine (the Docker
image installs ``fonts-dejavu-core``; Debian and Ubuntu desktops have it),
embedded as a subset, so any character a city types prints. Without it the
PDF falls back to Helvetica, one of the PDF base fonts, whose WinAnsi
encoding covers French, Dutch, English and German (é, è, ç, ë, ï, œ, €).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab."""
    folder = Path(getattr(settings, "PRINT_FONT_DIR", DEFAULT_FONT_DIR))
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        try:
            pdfmetrics.registerFont(TTFont("CivicSans", str(regular)))
            pdfmetrics.registerFont(TTFont("CivicSans-Bold", str(bold)))
        except Exception:  # noqa: BLE001 - a broken font file must not break printing
            return "Helvetica", "Helvetica-Bold"
        return "CivicSans", "CivicSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def safe_text(text: object) -> str:
    """Text for a Paragraph: escaped (reportlab reads a mini markup), and
    limited to what the base font can encode when DejaVu is missing."""
    from xml.sax.saxutils import escape

    value = escape(str(text or ""))
    if fonts()[0] == "Helvetica":
        value = value.encode("cp1252", errors="replace").decode("cp1252")
    return value


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=11, leading=15)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "city": ParagraphStyle(
            "city", parent=base, fontName=bold, fontSize=14, textColor=colors.HexColor("#444444")
        ),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=26, leading=31),
        "form_title": ParagraphStyle("ftitle", parent=base, fontName=bold, fontSize=18, leading=22),
        "question": ParagraphStyle("question", parent=base, fontSize=15, leading=20),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=bold, fontSize=14, leading=18, spaceBefore=8
        ),
        "label": ParagraphStyle("label", parent=base, fontName=bold, fontSize=10, leading=13),
        "url": ParagraphStyle("url", parent=base, fontName=bold, fontSize=13, leading=17),
    }


class QRCode(Flowable):
    """A QR code drawn as vector squares (sharp at any print size)."""

    def __init__(self, data: str, size: float = 40 * mm) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m")
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        rows = list(self.qr.matrix_iter(border=4))
        module = self.size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    top = self.size - (y + 1) * module
                    canvas.rect(start * module, top, (x - start) * module, module, 0, 1)
                else:
                    x += 1


class TickBox(Flowable):
    """An empty square to tick by hand."""

    def __init__(self, size: float = 4 * mm) -> None:
        super().__init__()
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.width, self.height, 1, 0)
