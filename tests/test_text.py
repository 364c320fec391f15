"""Text utilities on hand-made sentences."""

from __future__ import annotations

from kabar.lang import get
from kabar.text import split_sentences

ID = get("id")


def test_sentences_split_glued_and_mend_stray_stops() -> None:
    text = "Kim tiba pada bulan Juni tahun ini.Warga menyambutnya. Payung nuklir kini meluas ke. Korea Utara."
    assert split_sentences(text, ID.abbreviations, ID.non_final_words) == [
        "Kim tiba pada bulan Juni tahun ini.",
        "Warga menyambutnya.",
        "Payung nuklir kini meluas ke Korea Utara.",
    ]
    # "AS." ends a sentence: upper case words are never treated as stray stops.
    assert len(split_sentences("Mereka menuding AS. Kemudian pulang.", ID.abbreviations, ID.non_final_words)) == 2
    assert split_sentences("Ia dirawat di RSUD dr. Hendrikus di Jl. Sudirman.", ID.abbreviations) == [
        "Ia dirawat di RSUD dr. Hendrikus di Jl. Sudirman."
    ]
