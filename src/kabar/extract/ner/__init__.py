"""Named-entity recognition: a linear-chain CRF (python-crfsuite) per language.

Types: PERSON, ORG, LOC (GPE folded into LOC) and EVENT (Indonesian only, from NERP).
The models ship in `kabar/models/` (`ner-id.crfsuite`, `ner-en.crfsuite`); `models/NER.md`
says how they were trained and how well they do. `train_shipped()` rebuilds both.

This module finds the mentions in a text (`mentions`, `doc_mentions`); the rest is in
`tags` (tag set, BIO repair, entity scores, CoNLL data sets), `lexicon` (the word lexicon
and the raw text it is learnt from), `attributes` (the CRF attributes of a sentence, built
for speed), `model` (model files, tagging, folding) and `training` (training, evaluation,
rebuilding the shipped files). Every name other code uses is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kabar.doc import Doc, analyse, pieces
from kabar.extract.ner.attributes import Attrs, WordAttrs, _clear_word_cache, _Folding, _shape, _word, _words, features
from kabar.extract.ner.lexicon import MODEL_DIR, RAW_TEXTS, _lexicon, build_lexicon, lexicon_path, raw_texts
from kabar.extract.ner.model import (
    _folding,
    _lang_tagger,
    _read_crf,
    _tagger,
    fold_model,
    fold_vocabulary,
    model_path,
    tag,
)
from kabar.extract.ner.tags import (
    DATASET_TYPES,
    LABELS,
    WIKIGOLD_HELD_OUT,
    chunks,
    dataset_hint,
    entity_scores,
    load_dataset,
    normalise_tag,
    read_conll,
    repair_bio,
)
from kabar.extract.ner.training import (
    SHIPPED_EN_DEV,
    SHIPPED_EN_FILES,
    SHIPPED_ID_DEV,
    SHIPPED_ID_FILES,
    SHIPPED_PARAMS,
    evaluate,
    train,
    train_shipped,
)
from kabar.lang import ner_code

__all__ = [
    "DATASET_TYPES",
    "LABELS",
    "MAX_PIECE_TOKENS",
    "MAX_TOKEN_CHARS",
    "MODEL_DIR",
    "RAW_TEXTS",
    "SHIPPED_EN_DEV",
    "SHIPPED_EN_FILES",
    "SHIPPED_ID_DEV",
    "SHIPPED_ID_FILES",
    "SHIPPED_PARAMS",
    "WIKIGOLD_HELD_OUT",
    "Attrs",
    "Mention",
    "WordAttrs",
    "_Folding",
    "_clear_word_cache",
    "_folding",
    "_lang_tagger",
    "_lexicon",
    "_read_crf",
    "_shape",
    "_tagger",
    "_word",
    "_words",
    "build_lexicon",
    "chunks",
    "dataset_hint",
    "doc_mentions",
    "entity_scores",
    "evaluate",
    "features",
    "fold_model",
    "fold_vocabulary",
    "lexicon_path",
    "load_dataset",
    "mentions",
    "model_path",
    "normalise_tag",
    "raw_texts",
    "read_conll",
    "repair_bio",
    "tag",
    "train",
    "train_shipped",
]


@dataclass(frozen=True)
class Mention:
    text: str  # exact substring text[start:end]
    label: str  # "PERSON" | "ORG" | "LOC" | "EVENT"
    start: int
    end: int


def _may_name(words: Sequence[str], lexicon: dict[str, tuple[str, str, str]]) -> bool:
    """Whether a sentence can hold a name at all: a capital past its first word, or a first
    word the lexicon does not know as an ordinary lower-case word ("Pemerintah", "Dan").
    Skipping the rest saves about a third of the tagging on news text."""
    first = words[0]
    if first[:1].isupper() and lexicon.get(first.lower(), ("3",))[0] != "0":
        return True
    return any(w[:1].isupper() for w in words[1:])


# A token longer than this is no word (a base64 blob, a minified script, URLs run together):
# it is never tagged, and the piece it stands in is tagged as the pieces on either side of
# it. The longest token in IndoSum dev, PolNeAR, ECB+ and NeuS is a 137-character URL
# slug, so no real word is left out; and a name never comes near it.
MAX_TOKEN_CHARS = 200


def _without_long_tokens(words: Sequence[str], spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """`spans` with every token over MAX_TOKEN_CHARS taken out (a span is split around it)."""
    for s, e in spans:
        start = s
        for k in range(s, e):
            if len(words[k]) > MAX_TOKEN_CHARS:
                if k > start:
                    yield start, k
                start = k + 1
        if e > start:
            yield start, e


def mentions(text: str, lang: str) -> list[Mention]:
    """Entity mentions in any text (its lines are its paragraphs), with exact character
    offsets; an article's own analysed text goes through `doc_mentions`."""
    return doc_mentions(analyse(text, lang))


# The longest token run the tagger sees at once: a sentence longer than this (a list, a
# table read as text) is tagged in pieces of this many tokens.
MAX_PIECE_TOKENS = 150


def doc_mentions(doc: Doc) -> list[Mention]:
    """Entity mentions in an analysed text, sentence by sentence, with character offsets
    into `doc.text`."""
    lang = ner_code(doc.language)
    words, ends = doc.tokens, doc.ends
    out: list[Mention] = []
    if not words:
        return out
    lexicon = _lexicon(lang)
    tagger, folding = _lang_tagger(lang)
    for s, e in _without_long_tokens(words, pieces(doc, MAX_PIECE_TOKENS)):
        piece = words[s:e]
        if not _may_name(piece, lexicon):
            continue
        tags = tagger.tag(features(piece, lang, folding))
        if tags.count("O") == len(tags):
            continue
        for typ, a, b in chunks(tags):
            start, end = ends[s + a] - len(piece[a]), ends[s + b - 1]
            out.append(Mention(doc.text[start:end], typ, start, end))
    return out
