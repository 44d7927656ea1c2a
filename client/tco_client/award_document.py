"""The award decision as a document: plain text, or Word (.docx, python-docx from the
``report`` extra), in Swedish or English.

The text is the service's drafted reasons (``Award.reasons_sv`` / ``reasons_en``), which hold the
winner and its comparison number, the margin to every other bid and the cost categories that make
it, the warnings, the method's parameters with their sources and the digests; this module only
lays them out. Every paragraph is written as text (never a formula or a field), and the file is
written whole or not at all (:func:`tco_client.safe_output.write_file`).
"""

from __future__ import annotations

import io
from pathlib import Path

from tco_client.safe_output import write_file
from tcoapi.v1 import procurement_pb2 as pb

_TITLE = {"sv": "Tilldelningsbeslut", "en": "Award decision"}


def decision_text(award: pb.Award, lang: str = "sv") -> str:
    """The drafted reasons in ``lang`` (``"sv"`` or ``"en"``)."""
    return award.reasons_sv if lang == "sv" else award.reasons_en


def write_decision(award: pb.Award, path: str | Path, lang: str = "sv") -> Path:
    """Write the decision to ``path``: Word for ``.docx``, plain UTF-8 text otherwise."""
    text = decision_text(award, lang)
    path = Path(path)
    if path.suffix.lower() != ".docx":
        return write_file(path, lambda f: f.write(text.encode("utf-8")))
    from docx import Document  # noqa: PLC0415 - the report extra, loaded when a .docx is asked

    document = Document()
    document.add_heading(_TITLE.get(lang, _TITLE["en"]), level=1)
    lines = text.splitlines()
    for line in lines[1:]:  # the first line is the title
        if not line.strip():
            continue
        if line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.endswith(":"):
            document.add_heading(line[:-1], level=2)
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return write_file(path, lambda f: f.write(buffer.getvalue()))
