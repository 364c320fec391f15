"""Training and evaluation: a CRF from CoNLL files, its entity scores on others, and
`train_shipped`, which rebuilds the shipped lexicons and models."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pycrfsuite

from kabar.extract.ner.attributes import _Folding, features
from kabar.extract.ner.lexicon import build_lexicon, lexicon_path, raw_texts
from kabar.extract.ner.model import _lang_tagger, _tagger, fold_model, fold_vocabulary, model_path
from kabar.extract.ner.tags import DATASET_TYPES, LABELS, dataset_hint, entity_scores, load_dataset


def train(
    lang: str,
    files: Sequence[Path],
    out: Path,
    *,
    c1: float,
    c2: float,
    max_iterations: int,
    seed: int = 13,
) -> dict[str, Any]:
    """Train one CRF on the train files (wikigold: its first 90 % only) and save it to `out`.

    Sentences are shuffled with `random.Random(seed)`; L-BFGS itself is deterministic."""
    data: list[tuple[list[str], list[str]]] = []
    per_file: dict[str, int] = {}
    for path in files:
        part = load_dataset(Path(path), "train")
        per_file[str(path)] = len(part)
        data.extend(part)
    random.Random(seed).shuffle(data)
    t0 = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags in data:
        trainer.append(features(tokens, lang), tags)
    trainer.select("lbfgs", "crf1d")
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations, "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    seconds = time.perf_counter() - t0
    _tagger.cache_clear()
    _lang_tagger.cache_clear()
    last = trainer.logparser.last_iteration or {}
    return {
        "lang": lang,
        "model": str(out),
        "bytes": out.stat().st_size,
        "sentences": len(data),
        "tokens": sum(len(t) for t, _ in data),
        "files": per_file,
        "c1": c1,
        "c2": c2,
        "max_iterations": max_iterations,
        "iterations": len(trainer.logparser.iterations),
        "loss": last.get("loss"),
        "active_features": last.get("active_features"),
        "seconds": round(seconds, 1),
        "seed": seed,
    }


def _score(
    data: Iterable[tuple[list[str], list[str]]], tagger: tuple[Any, _Folding], types: frozenset[str], lang: str
) -> dict[str, Any]:
    gold: list[list[str]] = []
    pred: list[list[str]] = []
    n_tok = 0
    t0 = time.perf_counter()
    for tokens, tags in data:
        if not tokens:
            continue
        p = tagger[0].tag(features(tokens, lang, tagger[1]))
        gold.append([t if t == "O" or t[2:] in types else "O" for t in tags])
        pred.append([t if t == "O" or t[2:] in types else "O" for t in p])
        n_tok += len(tokens)
    seconds = time.perf_counter() - t0
    return {
        "sentences": len(gold),
        "tokens": n_tok,
        "seconds": seconds,
        "scores": entity_scores(gold, pred),
    }


def evaluate(files: Sequence[Path], lang: str, model: Path | None = None) -> dict[str, Any]:
    """Scores of the shipped model (or `model`) on each file. Wikigold is scored on its held-out
    last 10 % only. Types a data set does not annotate are set to O in both gold and prediction."""
    tagger = _tagger(str(model or model_path(lang)))
    result: dict[str, Any] = {}
    for path in files:
        path = Path(path)
        hint = dataset_hint(path)
        types = DATASET_TYPES.get(hint or "", frozenset(LABELS))
        data = load_dataset(path, "heldout" if hint == "wikigold" else "all")
        name = str(path) + (" [held-out last 10%]" if hint == "wikigold" else "")
        result[name] = _score(data, tagger, types, lang)
    return result


# The shipped recipe: see models/NER.md.
SHIPPED_ID_FILES = (
    "ner-id/nergrit_ner-grit/train_preprocess.txt",
    "ner-id/nerp_ner-prosa/train_preprocess.txt",
    "ner-id/nerui/train.01.tsv",
    "ner-id/nerugm/train.01.tsv",
)
SHIPPED_ID_DEV = (
    "ner-id/nergrit_ner-grit/valid_preprocess.txt",
    "ner-id/nerp_ner-prosa/valid_preprocess.txt",
    "ner-id/nerui/dev.01.tsv",
    "ner-id/nerugm/dev.01.tsv",
)
# Wikigold alone scored best on held-out wikigold (news-like proper names); adding WNUT-17 or
# the proper-name spans of GUM raised WNUT dev F1 but lowered wikigold's (see models/NER.md).
SHIPPED_EN_FILES = ("ner-en/wikigold/wikigold.conll.txt",)
SHIPPED_EN_DEV = ("ner-en/wikigold/wikigold.conll.txt", "ner-en/wnut17/dev.conll")
SHIPPED_PARAMS: dict[str, dict[str, float]] = {
    "id": {"c1": 0.2, "c2": 0.1, "max_iterations": 200, "fold_words": 3000, "fold_classes": 1000},
    "en": {"c1": 0.05, "c2": 0.01, "max_iterations": 200, "fold_words": 3000, "fold_classes": 1000},
}


def train_shipped(data_root: Path) -> dict[str, Any]:
    """Rebuild both shipped models from the development data under `data_root` (the folder holding
    `ner-id/`, `ner-en/` and the raw-text sets) with the documented settings: first the word
    lexicons from unlabelled text, then the CRFs, which are then folded for the most frequent
    words of the same raw text; then score them on the dev splits."""
    info: dict[str, Any] = {}
    for lang in ("id", "en"):
        info[f"lexicon-{lang}"] = build_lexicon(raw_texts(data_root, lang), lexicon_path(lang))
    for lang, files, dev in (
        ("id", SHIPPED_ID_FILES, SHIPPED_ID_DEV),
        ("en", SHIPPED_EN_FILES, SHIPPED_EN_DEV),
    ):
        p = SHIPPED_PARAMS[lang]
        out = model_path(lang)
        result = train(
            lang,
            [data_root / f for f in files],
            out,
            c1=p["c1"],
            c2=p["c2"],
            max_iterations=int(p["max_iterations"]),
        )
        words, classes = fold_vocabulary(raw_texts(data_root, lang), lang, int(p["fold_words"]), int(p["fold_classes"]))
        result["fold"] = fold_model(out, out, lang, words, classes)
        result["dev"] = evaluate([data_root / f for f in dev], lang)
        info[lang] = result
    return info
