"""The challenge's poster and its one-page paper idea form (A4 PDFs).

Both are built in the language asked for (``translation.override``), with
the city's texts in that language where the city wrote them
(``civicideas.content.translations``) and dates in the city's time zone.
Reads only: the view decides who may download them.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from civicideas.content.translations import localized_text
from civicideas.tenancy.models import City
from ideas import challenge_archive
from ideas.models import TITLE_MAX, Challenge
from ideas.printing.layout import QRCode, TickBox, fonts, safe_text, styles

MARGIN = 18 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
#: Choices printed as tick boxes; more than this prints a line to write on.
MAX_TICK_BOXES = 24


def _date(moment: Any, city: City, *, with_time: bool) -> str:
    local = timezone.localtime(moment, city.zoneinfo)
    if with_time:
        return formats.date_format(local, "j F Y, H:i")
    return formats.date_format(local, "j F Y")


def _p(text: Any, style: str) -> Paragraph:
    return Paragraph(safe_text(text), styles()[style])


def _logo(city: City) -> Image | None:
    if not city.logo:
        return None
    try:
        with city.logo.open("rb") as handle:
            data = io.BytesIO(handle.read())
        logo = Image(data)
        ratio = (18 * mm) / max(logo.imageHeight, 1)
        logo.drawHeight, logo.drawWidth = 18 * mm, min(logo.imageWidth * ratio, 60 * mm)
        return logo
    except Exception:  # noqa: BLE001 - a missing or broken logo file prints without it
        return None


def _header(city: City, heading_style: str, heading: str) -> list[Any]:
    parts: list[Any] = []
    logo = _logo(city)
    if logo is not None:
        logo.hAlign = "LEFT"
        parts += [logo, Spacer(1, 3 * mm)]
    parts += [_p(city.name, "city"), Spacer(1, 2 * mm), _p(heading, heading_style)]
    return parts


def _question(challenge: Challenge, language: str) -> list[Any]:
    summary = localized_text(challenge, "summary", language)
    return [_p(summary, "question"), Spacer(1, 4 * mm)] if summary else []


def _return_text(city: City) -> str:
    if city.contact_email:
        return _(
            "Hand this form in at the town hall, a library or the event where you got it, "
            "or scan it and send it to %(email)s."
        ) % {"email": city.contact_email}
    return _("Hand this form in at the town hall, a library or the event where you got it.")


def _build(flowables: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="",
        creator="civicideas",
    )
    doc.build(flowables)
    return buffer.getvalue()


def poster_pdf(*, challenge: Challenge, city: City, url: str, language: str) -> bytes:
    """A4 poster: the question, the phases with their dates, and how to take
    part (the web address and its QR code, or the paper form)."""
    with translation.override(language):
        title = localized_text(challenge, "title", language)
        story: list[Any] = _header(city, "title", title)
        story += [Spacer(1, 4 * mm), *_question(challenge, language)]
        rows = []
        for step in challenge_archive.timeline(challenge):
            when = (
                f"{step.date_label} {_date(step.date, city, with_time=step.with_time)}"
                if step.date
                else ""
            )
            rows.append([_p(step.label, "label"), _p(when, "base")])
        story.append(_p(_("Phases"), "heading"))
        table = Table(rows, colWidths=[55 * mm, CONTENT_WIDTH - 55 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm), _p(_("How to take part"), "heading")]
        how = [
            _p(_("Share your idea on-line:"), "base"),
            _p(url, "url"),
            Spacer(1, 3 * mm),
            _p(_("Or scan the QR code with your phone."), "base"),
            Spacer(1, 3 * mm),
            _p(_("No internet? Fill in a paper idea form."), "base"),
            _p(_return_text(city), "small"),
        ]
        block = Table(
            [[how, QRCode(url, size=48 * mm)]],
            colWidths=[CONTENT_WIDTH - 54 * mm, 54 * mm],
        )
        block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(KeepTogether([block]))
        return _build(story, title=str(title))


def _lines(count: int, height: float = 8 * mm) -> Table:
    """Empty ruled lines to write on."""
    table = Table([[""] for _row in range(count)], colWidths=[CONTENT_WIDTH], rowHeights=height)
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey)]))
    return table


def _choices(labels: list[str]) -> Table:
    """Tick boxes in three columns."""
    cells = [[TickBox(), _p(label, "small")] for label in labels]
    per_row = 3
    rows = []
    for start in range(0, len(cells), per_row):
        row: list[Any] = []
        for cell in cells[start : start + per_row]:
            row += cell
        row += ["", ""] * (per_row - len(cells[start : start + per_row]))
        rows.append(row)
    column = CONTENT_WIDTH / per_row
    table = Table(rows, colWidths=[6 * mm, column - 6 * mm] * per_row)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _field(label: str, *content: Any) -> list[Any]:
    return [Spacer(1, 2 * mm), _p(label, "label"), *content]


def form_pdf(
    *,
    challenge: Challenge,
    city: City,
    url: str,
    language: str,
    categories: list[Any],
    districts: list[Any],
) -> bytes:
    """One A4 page with the question and the fields of the on-line form, to
    fill in by hand; staff type it in with the channel "paper"
    (docs/offline.md)."""
    with translation.override(language):
        title = localized_text(challenge, "title", language)
        story: list[Any] = _header(city, "form_title", _("Idea form"))
        story += [_p(title, "heading"), *_question(challenge, language)]
        story += _field(
            _("Title of your idea (at most %(n)d characters)") % {"n": TITLE_MAX},
            _lines(1),
        )
        story += _field(_("Description"), _lines(6))
        if categories:
            story += _field(_("Category (tick one)"), _choices([str(c) for c in categories]))
        if districts and len(districts) <= MAX_TICK_BOXES:
            story += _field(_("District (tick one)"), _choices([str(d) for d in districts]))
        elif districts:
            story += _field(_("District"), _lines(1))
        story += _field(_("Place or address (optional)"), _lines(1))
        story += _field(
            _("Your name and how to reach you (optional: e-mail or phone)"),
            _p(
                _(
                    "Only the city's staff see these, to tell you what happens to your idea "
                    "or to invite you to follow it on-line."
                ),
                "small",
            ),
            _lines(2),
        )
        consent = Table(
            [
                [
                    TickBox(),
                    _p(
                        _(
                            "I agree that my idea is published on the city's participation "
                            "website (without my name or contact details)."
                        ),
                        "base",
                    ),
                ]
            ],
            colWidths=[7 * mm, CONTENT_WIDTH - 7 * mm],
        )
        consent.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
        )
        story += [Spacer(1, 4 * mm), consent, Spacer(1, 4 * mm)]
        story.append(_p(_return_text(city), "small"))
        story.append(_p(_("You can also share your idea on-line: %(url)s") % {"url": url}, "small"))
        return _build(story, title=f"{_('Idea form')}: {title}")


def font_name() -> str:
    """The regular font the PDFs use (docs, tests)."""
    return fonts()[0]
