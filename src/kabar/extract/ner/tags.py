"""Tags and data: the tag set, raw tags to BIO, entity chunks and entity-level scores, and
reading the CoNLL files of the known data sets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kabar.evaluate import prf

LABELS = ("PERSON", "ORG", "LOC", "EVENT")


# --------------------------------------------------------------------------- tags and scores


def _base_type(raw: str, dataset_hint: str | None) -> str | None:
    t = raw.upper().replace("_", "-")
    hint = (dataset_hint or "").lower()
    if t in ("PERSON", "PER", "PPL"):
        return "PERSON"
    if t in ("LOC", "LOCATION", "PLACE", "PLC", "GPE"):
        return "LOC"
    if t in ("ORG", "ORGANIZATION", "ORGANISATION", "IND"):
        return "ORG"
    if t in ("CORPORATION", "GROUP"):  # WNUT-17
        return "ORG"
    if t in ("EVENT", "EVT"):
        # GUM tags every event mention ("the meeting"), not named events only.
        return None if hint == "gum" else "EVENT"
    return None  # MISC, FNB, TIME, QUANTITY, product, creative-work, GUM abstract/object/...


def normalise_tag(raw: str, dataset_hint: str | None = None) -> str:
    """A raw tag ("B-PLC", "I-ORGANISATION", "I-PER", "B-corporation") as BIO over
    PERSON/ORG/LOC/EVENT, or "O". A tag without a prefix counts as I-.

    NERGrit PLACE, NERP PLC, IndoLEM LOCATION, GUM place, WNUT location, GPE -> LOC;
    ORGANISATION/ORGANIZATION, NERP IND, WNUT corporation and group -> ORG;
    PERSON, PER, NERP PPL -> PERSON; NERP EVT -> EVENT (GUM `event`, which is not limited
    to named events, -> O); everything else (MISC, FNB, TIME, QUANTITY, ...) -> O."""
    raw = raw.strip()
    if not raw or raw == "O":
        return "O"
    if len(raw) > 2 and raw[1] in "-_" and raw[0] in "BIESbies":
        prefix, typ = raw[0].upper(), raw[2:]
    else:
        prefix, typ = "I", raw
    base = _base_type(typ, dataset_hint)
    if base is None:
        return "O"
    return ("B-" if prefix in ("B", "S") else "I-") + base


def repair_bio(tags: Sequence[str]) -> list[str]:
    """IO/IOB1 to BIO: an I- that does not continue a chunk of its type becomes B-."""
    out: list[str] = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities as (type, first token, end token exclusive), conlleval/seqeval style: a chunk is a
    maximal run of B/I of one type; B- always starts a new chunk, and so does an I- after O or after
    another type."""
    out: list[tuple[str, int, int]] = []
    typ: str | None = None
    start = 0
    for i, tag in enumerate(tags):
        if tag == "O" or len(tag) < 2 or tag[1] != "-":
            prefix, t = "O", None
        else:
            prefix, t = tag[0], tag[2:]
        if typ is not None and (prefix in ("O", "B", "S") or t != typ):
            out.append((typ, start, i))
            typ = None
        if t is not None and typ is None:
            typ, start = t, i
    if typ is not None:
        out.append((typ, start, len(tags)))
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """`evaluate.prf` with the support and the number predicted, as `kabar eval ner` reports."""
    return {**prf(tp, n_pred, n_gold)._asdict(), "support": float(n_gold), "predicted": float(n_pred)}


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, dict[str, float]]:
    """Entity-level precision, recall and F1 per type and "overall" (micro-averaged):
    a predicted entity counts only if its type and both boundaries match a gold entity."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred have different numbers of sentences")
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for g, p in zip(gold, pred, strict=True):
        if len(g) != len(p):
            raise ValueError("a gold and a predicted sentence differ in length")
        gc = set(chunks(g))
        pc = set(chunks(p))
        for c in gc:
            n_gold[c[0]] = n_gold.get(c[0], 0) + 1
        for c in pc:
            n_pred[c[0]] = n_pred.get(c[0], 0) + 1
        for c in gc & pc:
            tp[c[0]] = tp.get(c[0], 0) + 1
    scores = {t: _prf(tp.get(t, 0), n_pred.get(t, 0), n_gold.get(t, 0)) for t in sorted(set(n_gold) | set(n_pred))}
    scores["overall"] = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return scores


# --------------------------------------------------------------------------- data


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, raw tag) from a CoNLL-style file: one token per line, the token in the
    first column and the tag in the last (tab- or space-separated), a blank line between sentences.
    -DOCSTART- lines are skipped."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                    current = []
                continue
            cols = line.split("\t") if "\t" in line else line.split()
            if cols[0].startswith("-DOCSTART-"):
                continue
            if len(cols) < 2:
                cols = [cols[0], "O"]
            token = cols[0].strip() or cols[0]
            current.append((token, cols[-1].strip()))
    if current:
        sentences.append(current)
    return sentences


def dataset_hint(path: Path) -> str | None:
    """Which known data set a file belongs to, from its path."""
    s = str(path).lower()
    for key, name in (
        ("nergrit", "nergrit"),
        ("nerp", "nerp"),
        ("prosa", "nerp"),
        ("nerui", "nerui"),
        ("nerugm", "nerugm"),
        ("wikigold", "wikigold"),
        ("gum", "gum"),
        ("wnut", "wnut17"),
    ):
        if key in s:
            return name
    return None


# Types each data set annotates; when scoring a data set, predictions of other types count as O.
DATASET_TYPES: dict[str, frozenset[str]] = {
    "nergrit": frozenset({"PERSON", "ORG", "LOC"}),
    "nerp": frozenset({"PERSON", "ORG", "LOC", "EVENT"}),
    "nerui": frozenset({"PERSON", "ORG", "LOC"}),
    "nerugm": frozenset({"PERSON", "ORG", "LOC"}),
    "wikigold": frozenset({"PERSON", "ORG", "LOC"}),
    "gum": frozenset({"PERSON", "ORG", "LOC"}),
    "wnut17": frozenset({"PERSON", "ORG", "LOC"}),
}

WIKIGOLD_HELD_OUT = 0.1  # the last 10 % of wikigold's sentences are never trained on


def _split_wikigold(
    sents: list[list[tuple[str, str]]],
) -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    cut = len(sents) - round(len(sents) * WIKIGOLD_HELD_OUT)
    return sents[:cut], sents[cut:]


def _gum_proper(tokens: list[str], tags: list[str]) -> list[str]:
    """GUM marks every mention ("you", "the main website"); keep only proper-name spans.

    Leading and trailing stopwords and lower-case words are trimmed ("the Chathams" ->
    "Chathams"); what is left must be capitalised words, with lower-case stopwords allowed
    only inside ("University of Chicago"). Anything else becomes O."""
    from kabar.lang import get

    stop = get("en").stopwords
    out = ["O"] * len(tags)

    def ok(word: str) -> bool:
        return (word[:1].isupper() or word[:1].isdigit()) and word.lower() not in stop

    for typ, s, e in chunks(tags):
        while s < e and not ok(tokens[s]):
            s += 1
        while e > s and not ok(tokens[e - 1]):
            e -= 1
        if s == e:
            continue
        if all(ok(w) or w.lower() in stop for w in tokens[s:e]):
            out[s] = "B-" + typ
            for k in range(s + 1, e):
                out[k] = "I-" + typ
    return out


def load_dataset(path: Path, part: str = "all") -> list[tuple[list[str], list[str]]]:
    """(tokens, normalised BIO tags) per sentence. For wikigold, `part` "train" is the first
    90 % of sentences and "heldout" the last 10 %; other files are used whole."""
    hint = dataset_hint(path)
    sents = read_conll(path)
    if hint == "wikigold" and part != "all":
        train_part, held = _split_wikigold(sents)
        sents = train_part if part == "train" else held
    out: list[tuple[list[str], list[str]]] = []
    for sent in sents:
        tokens = [w for w, _ in sent]
        tags = repair_bio([normalise_tag(t, hint) for _, t in sent])
        if hint == "gum":
            tags = _gum_proper(tokens, tags)
        out.append((tokens, tags))
    return out
