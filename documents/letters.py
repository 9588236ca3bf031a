"""Letters: the fields each kind asks for, the placeholders a template may use, and rendering
to PDF with WeasyPrint. docs/adr/0020-letters.md.

A template is plain text with {{ placeholders }}: each is replaced by an HTML-escaped value
from a fixed list, so a template cannot reach anything it is not given, and a person's details
reach a letter only as access.redaction shows them to the writer's organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from documents.models import LetterKind

# What the officer fills in, per kind (documents.forms.LetterForm has every field).
FIELDS_FOR: dict[str, tuple[str, ...]] = {
    LetterKind.WARNING: ("recipient", "conduct", "requirements"),
    LetterKind.ABC: ("recipient", "conduct", "requirements", "comply_by"),
    LetterKind.CPW: ("recipient", "conduct", "requirements", "comply_by"),
    LetterKind.CPN: ("recipient", "conduct", "requirements", "comply_by"),
    LetterKind.CLOSURE: ("premises", "conduct", "hearing"),
    LetterKind.VICTIM_CONTACT: ("recipient",),
}
# Whom a kind of letter goes to (a role on the case).
RECIPIENT_ROLE = {
    LetterKind.WARNING: "perpetrator",
    LetterKind.ABC: "perpetrator",
    LetterKind.CPW: "perpetrator",
    LetterKind.CPN: "perpetrator",
    LetterKind.VICTIM_CONTACT: "victim",
}
PLACEHOLDERS = (
    "organisation",
    "date",
    "case_reference",
    "recipient_name",
    "recipient_address",
    "officer_name",
    "officer_contact",
    "spoc_name",
    "spoc_organisation",
    "spoc_contact",
    "conduct",
    "requirements",
    "comply_by",
    "premises",
    "hearing",
)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class UnknownPlaceholder(ValueError):
    pass


def placeholders_in(body: str) -> set[str]:
    return set(_PLACEHOLDER.findall(body))


def check_template_body(body: str) -> None:
    unknown = placeholders_in(body) - set(PLACEHOLDERS)
    if unknown:
        raise UnknownPlaceholder(", ".join(sorted(unknown)))


def fill(body: str, values: dict[str, str]) -> list[str]:
    """The letter's paragraphs as safe HTML: the template's text and the values escaped, a
    value's own line breaks kept."""

    def value(name: str) -> str:
        return escape(values.get(name, "")).replace("\n", "<br>")

    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        pieces = _PLACEHOLDER.split(paragraph)
        # split() alternates text and placeholder names.
        html = "".join(
            escape(piece).replace("\n", "<br>") if index % 2 == 0 else value(piece)
            for index, piece in enumerate(pieces)
        )
        paragraphs.append(mark_safe(html))  # noqa: S308 - every piece is escaped above
    return paragraphs


@dataclass(frozen=True)
class RenderedLetter:
    html: str
    pdf: bytes


def _no_fetching():
    """A WeasyPrint URL fetcher that fetches nothing: a PDF is made only from what it is
    given. (WeasyPrint 70 wants a `URLFetcher`; a plain function breaks on the first URL.)
    Each refusal is a warning in WeasyPrint's log, and the page is made without it."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"PDFs made here load no external resources ({url})")

    return NoFetching(allowed_protocols=(), fail_on_errors=False)


def pdf_from_html(html: str) -> bytes:
    """A PDF of a page made here (a letter, a subject access bundle) with WeasyPrint, which
    fetches nothing: no image, style sheet or font from any address, local or not."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetching(), base_url="about:blank").write_pdf()


def render(*, subject: str, body: str, values: dict[str, str], sender: str) -> RenderedLetter:
    html = render_to_string(
        "documents/letter_pdf.html",
        {
            "subject": subject,
            "paragraphs": fill(body, values),
            "sender": sender,
            "date": values.get("date", ""),
            "recipient_name": values.get("recipient_name", ""),
            "recipient_address": values.get("recipient_address", ""),
            "reference": values.get("case_reference", ""),
        },
    )
    return RenderedLetter(html=html, pdf=pdf_from_html(html))
