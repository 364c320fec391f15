"""Evaluation against gold files.

`score_clean` checks cleaned articles against gold in the format of
`../shared/seeds/expected.json` (and `examples/demo/gold/gold.json`): titles,
publication times, outlet, dateline, and the strings that must go, must stay,
or may appear only so often.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kabar.model import Article
from kabar.text import collapse, key


@dataclass
class CheckResult:
    article: str
    check: str
    ok: bool
    detail: str = ""


@dataclass
class CleanScore:
    results: list[CheckResult] = field(default_factory=list)

    def rate(self, prefix: str = "") -> float:
        picked = [r for r in self.results if r.check.startswith(prefix)]
        return sum(r.ok for r in picked) / len(picked) if picked else 1.0

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> dict[str, float]:
        kinds = sorted({r.check.split(":")[0] for r in self.results})
        return {"all": self.rate(), **{k: self.rate(k) for k in kinds}}


def _outlet_matches(want: str, got: str | None) -> bool:
    # "kabartimur.co.id" matches "kabartimur" read off a brand dateline, and the reverse.
    if not got:
        return False
    w, g = key(want.split(".")[0]).replace(" ", ""), key(got.split(".")[0]).replace(" ", "")
    return w in g or g in w


def score_clean(articles: dict[str, Article], gold: dict[str, Any]) -> CleanScore:
    """Score `articles` (keyed like the gold) against `gold["articles"]`."""
    score = CleanScore()

    def check(name: str, kind: str, ok: bool, detail: str = "") -> None:
        score.results.append(CheckResult(name, kind, ok, detail))

    for name, want in gold["articles"].items():
        got = articles.get(name)
        if got is None:
            check(name, "stored", False, "article missing")
            continue
        body = collapse(got.text)
        removed = " ".join(collapse(r.text) for r in got.removed)
        if "title" in want:
            check(name, "meta:title", got.title == want["title"], f"{got.title!r} != {want['title']!r}")
        if "published" in want:
            expected = want["published"]
            ok = (
                got.published is not None and got.published.startswith(expected)
                if want.get("published_tz_any") and expected
                else got.published == expected
            )
            check(name, "meta:published", ok, f"{got.published} != {expected}")
        if want.get("outlet"):
            check(
                name,
                "meta:outlet",
                _outlet_matches(want["outlet"], got.outlet),
                f"{got.outlet} != {want['outlet']}",
            )
        if want.get("outlet_contains"):
            ok = want["outlet_contains"] in (got.outlet or "")
            check(name, "meta:outlet", ok, f"{got.outlet} lacks {want['outlet_contains']}")
        if "dateline" in want:
            check(
                name,
                "meta:dateline",
                got.dateline == want["dateline"],
                f"{got.dateline} != {want['dateline']}",
            )
        if "language" in want:
            check(
                name,
                "meta:language",
                got.language == want["language"],
                f"{got.language} != {want['language']}",
            )
        check(
            name,
            "clean:title-not-a-paragraph",
            all(collapse(p) != collapse(got.title) for p in got.paragraphs),
        )
        for text in want.get("must_keep", []):
            check(name, "clean:keep", collapse(text) in body, text)
        # Page furniture that trafilatura leaves out of an HTML page's text never reaches
        # the cleaner; the raw page is kept, so it is not lost, but it is not listed either.
        from_html = got.raw_text.lstrip()[:1].startswith("<")
        for text in want.get("must_drop", []):
            t = collapse(text)
            check(name, "clean:drop", t not in body and (from_html or t in removed), text)
        for text, cap in want.get("max_count", {}).items():
            n = body.count(collapse(text))
            check(name, "clean:max_count", n <= cap, f"{text!r} x{n} > {cap}")
    return score


def noise_scores(
    records: list[dict[str, Any]],
    workdir: Any,
    add_noise: Any,
) -> dict[str, float | int]:
    """Wrap real articles (`{"id", "paragraphs"}`) in synthetic noise, clean them,
    and measure what survives: real-word recall, noise lines removed, repeats collapsed."""
    from collections import Counter
    from pathlib import Path

    from kabar import pipeline
    from kabar.store.sqlite import SQLiteStore
    from kabar.text import words

    folder = Path(workdir) / "noisy"
    folder.mkdir(parents=True, exist_ok=True)
    wrapped = {}
    for i, record in enumerate(records):
        paragraphs = [p for p in record["paragraphs"] if p.strip()]
        first_words = paragraphs[0].split()
        title = " ".join(first_words[3:12]).rstrip(".,") or f"Artikel {i}"
        noisy = add_noise(paragraphs, title, seed=i)
        name = f"a{i:05d}.txt"
        (folder / name).write_text(noisy.text, encoding="utf-8")
        wrapped[name] = noisy
    store = SQLiteStore(str(Path(workdir) / "noise.db"))
    pipeline.run([str(folder)], store)
    articles = {Path(a.source).name: a for a in store.iter_articles()}
    store.close()
    kept_words = total_words = noise_gone = noise_total = repeats_ok = 0
    for name, noisy in wrapped.items():
        article = articles.get(name)
        body = collapse(article.text) if article else ""
        got = Counter(words(body))
        want = Counter(w for p in noisy.paragraphs for w in words(p))
        kept_words += sum(min(n, got[w]) for w, n in want.items())
        total_words += sum(want.values())
        noise_total += len(noisy.noise)
        noise_gone += sum(1 for line in noisy.noise if collapse(line) not in body)
        repeated = collapse(noisy.paragraphs[1]) if len(noisy.paragraphs) > 2 else ""
        repeats_ok += (not repeated or body.count(repeated) <= 1) and all(
            collapse(p) != collapse(noisy.title) for p in (article.paragraphs if article else [])
        )
    return {
        "articles": len(wrapped),
        "real_word_recall": kept_words / max(total_words, 1),
        "noise_lines_removed": noise_gone / max(noise_total, 1),
        "repeats_collapsed": repeats_ok / max(len(wrapped), 1),
    }


# --- story clustering ---------------------------------------------------------------


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items both labelings share."""
    from collections import Counter

    items = [i for i in gold if i in predicted]
    if not items:
        return 0.0, 0.0, 0.0
    pair = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    precision = sum(pair[(predicted[i], gold[i])] / pred_size[predicted[i]] for i in items) / len(items)
    recall = sum(pair[(predicted[i], gold[i])] / gold_size[gold[i]] for i in items) / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cluster_report(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float | int]:
    """B-cubed P/R/F1, ARI, cluster counts, and the share of gold stories split or merged."""
    from collections import defaultdict

    from sklearn.metrics import adjusted_rand_score

    items = sorted(i for i in gold if i in predicted)
    p, r, f = bcubed(predicted, gold)
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for i in items:
        by_gold[gold[i]].add(predicted[i])
        by_pred[predicted[i]].add(gold[i])
    split = sum(1 for preds in by_gold.values() if len(preds) > 1)
    merged = sum(1 for g, preds in by_gold.items() if any(len(by_pred[p]) > 1 for p in preds))
    return {
        "items": len(items),
        "bcubed_precision": p,
        "bcubed_recall": r,
        "bcubed_f1": f,
        "ari": float(adjusted_rand_score([gold[i] for i in items], [predicted[i] for i in items])),
        "gold_stories": len(by_gold),
        "predicted_stories": len(by_pred),
        "gold_split_share": split / max(len(by_gold), 1),
        "gold_merged_share": merged / max(len(by_gold), 1),
    }
