"""Article text is hostile: what to do to it before a terminal or a page shows it."""

from __future__ import annotations

import re

# C0 and C1 controls (ESC starts ANSI/OSC sequences, CSI is U+009B) except tab and newline.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates (U+202E turns "gpj.exe" around), and
# the invisible marks that can hide a link's real target.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def displayable(text: str) -> str:
    """Text that cannot drive a terminal or turn a page around: no escape or control
    sequences (tab and newline stay), no bidi overrides or isolates. For a terminal, print
    it with markup off as well (`[/]` is Rich markup); for a page, HTML escaping is still
    the template's job."""
    return _BIDI.sub("", _CONTROLS.sub("", text))
