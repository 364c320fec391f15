"""Evaluation against gold files.

`score_clean` checks cleaned articles against gold in the format of
`../shared/seeds/expected.json` (and `examples/demo/gold/gold.json`): titles,
publication times, outlet, dateline, and the strings that must go, must stay,
or may appear only so often. `cluster_report` and `cluster_errors` score stories;
`brat_quotes` and `jsonl_quotes` read quote gold and predict on its texts, and
`quote_report` scores them. `prf` is every precision/recall/F1 from counts.
`read_ask_gold`, `ask_case` and `ask_report` score `kabar ask` against gold answers:
accuracy, and the precision and recall of its abstentions.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from kabar.model import Article, Claim, Quote
from kabar.text import collapse, key

if TYPE_CHECKING:
    from kabar.store import ReadStore

V = TypeVar("V", bound=Hashable)


class PRF(NamedTuple):
    precision: float
    recall: float
    f1: float


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def prf(hits: int, predicted: int, gold: int) -> PRF:
    """Precision, recall and F1 of `hits` right among `predicted`, against `gold` wanted
    (a ratio over nothing is 0)."""
    p = hits / predicted if predicted else 0.0
    r = hits / gold if gold else 0.0
    return PRF(p, r, f1(p, r))


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
    return precision, recall, f1(precision, recall)


def clustered(store: ReadStore) -> tuple[dict[str, str], dict[str, str]]:
    """Every stored article's input sources, each with its story (a merged story's
    survivor) and with its storyline (the story itself when it is in no storyline):
    the two levels at which `kabar eval stories` scores a clustering."""
    line_of = {s.id: s.storyline or s.id for s in store.stories()}
    stories: dict[str, str] = {}
    lines: dict[str, str] = {}
    for article in store.iter_articles():
        story = store.resolve_story(article.story or article.id)
        for source in article.sources or [article.source]:
            stories[source] = story
            lines[source] = line_of.get(story, story)
    return stories, lines


def leave_one_out(scores: Mapping[V, Mapping[str, float]], prefer: V | None = None) -> dict[str, tuple[V, float]]:
    """Leave-one-corpus-out choice of a setting. `scores[value][corpus]` is a corpus's score
    with the setting at `value`. For each corpus: the value with the best mean score over
    the *other* corpora, and the left-out corpus's own score at that value, which no
    choice was made on. A tie goes to `prefer` (the value in use: where the other corpora
    cannot tell values apart they give no reason to change), else to the first given."""
    values = sorted(scores, key=lambda v: v != prefer)  # stable: `prefer` first, then as given
    corpora = sorted({c for by_corpus in scores.values() for c in by_corpus})
    if not values or any(set(scores[v]) != set(corpora) for v in values):
        raise ValueError("every value needs a score on every corpus")
    if len(corpora) < 2:
        raise ValueError("leaving one corpus out needs at least two")
    out: dict[str, tuple[V, float]] = {}
    for held in corpora:
        others = [c for c in corpora if c != held]
        chosen = max(values, key=lambda v: (sum(scores[v][c] for c in others), -values.index(v)))
        out[held] = (chosen, scores[chosen][held])
    return out


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


def cluster_errors(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Where a clustering goes wrong, worst first: each gold story split over several
    predicted ones (`pieces`: its items grouped by predicted story, the largest first), and
    each predicted story that joins several gold ones (its items grouped by gold story).

    Worst means the most item pairs separated (split) or wrongly put together (merged),
    the pairs B-cubed recall and precision lose."""
    from collections import defaultdict

    def pairs(groups: list[list[str]]) -> int:
        total = sum(len(g) for g in groups)
        return (total * total - sum(len(g) * len(g) for g in groups)) // 2

    by_gold: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_pred: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for i in sorted(i for i in gold if i in predicted):
        by_gold[gold[i]][predicted[i]].append(i)
        by_pred[predicted[i]][gold[i]].append(i)
    split: list[tuple[int, str, dict[str, Any]]] = []
    for g, parts in by_gold.items():
        if len(parts) > 1:
            ordered = sorted(parts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            lost = pairs([items for _, items in ordered])
            pieces = [{"predicted": p, "items": items} for p, items in ordered]
            split.append((-lost, g, {"gold": g, "pairs_lost": lost, "pieces": pieces}))
    merged: list[tuple[int, str, dict[str, Any]]] = []
    for p, parts in by_pred.items():
        if len(parts) > 1:
            groups = dict(sorted(parts.items(), key=lambda kv: (-len(kv[1]), kv[0])))
            wrong = pairs(list(groups.values()))
            merged.append((-wrong, p, {"predicted": p, "pairs_wrong": wrong, "gold": groups}))
    return {"split": [e for *_, e in sorted(split)], "merged": [e for *_, e in sorted(merged)]}


# --- Quotes -----------------------------------------------------------------------------

_SPAN_EDGE = " \t\n\"'“”‘’„«».,;:!?-–—"


@dataclass(frozen=True)
class Attribution:
    """One quote (gold or predicted) for scoring: where its content is, and who said it."""

    doc: str
    start: int
    end: int
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None  # gold only: the cue as annotated


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPAN_EDGE:
        start += 1
    while end > start and text[end - 1] in _SPAN_EDGE:
        end -= 1
    return start, end


def _name(name: str | None) -> str:
    return " ".join(name.lower().replace("-", " ").split()) if name else ""


def speaker_matches(gold: Attribution, pred: Attribution) -> bool:
    """The same speaker: overlapping speaker spans when both have one, else the same name
    (case, hyphens and spacing aside)."""
    if None not in (gold.speaker_start, pred.speaker_start, gold.speaker_end, pred.speaker_end):
        assert gold.speaker_start is not None and gold.speaker_end is not None
        assert pred.speaker_start is not None and pred.speaker_end is not None
        if gold.speaker_start < pred.speaker_end and pred.speaker_start < gold.speaker_end:
            return True
    return bool(_name(gold.speaker)) and _name(gold.speaker) == _name(pred.speaker)


def quote_scores(
    gold: list[Attribution], predicted: list[Attribution], texts: dict[str, str]
) -> dict[str, float | int]:
    """Exact and overlap span P/R/F1 and speaker accuracy.

    Spans are compared after trimming quote marks, spaces and edge punctuation.
    Exact: identical trimmed spans. Overlap: any shared character; each gold and each
    prediction is matched at most once, largest overlap first. Speaker accuracy is over
    the overlap matches whose gold names a speaker."""

    def trimmed(a: Attribution) -> tuple[int, int]:
        return _trim(texts[a.doc], a.start, a.end)

    exact = 0
    pairs: list[tuple[int, int, int]] = []
    for gi, g in enumerate(gold):
        gs, ge = trimmed(g)
        for pi, p in enumerate(predicted):
            if p.doc != g.doc:
                continue
            ps, pe = trimmed(p)
            shared = min(ge, pe) - max(gs, ps)
            if shared > 0:
                pairs.append((shared, gi, pi))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matches: list[tuple[int, int]] = []
    for _shared, gi, pi in sorted(pairs, key=lambda x: -x[0]):
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        matches.append((gi, pi))
        if trimmed(gold[gi]) == trimmed(predicted[pi]):
            exact += 1
    with_speaker = [(gi, pi) for gi, pi in matches if gold[gi].speaker or gold[gi].speaker_start is not None]
    right = sum(1 for gi, pi in with_speaker if speaker_matches(gold[gi], predicted[pi]))
    ep, er, ef = prf(exact, len(predicted), len(gold))
    op, orr, of = prf(len(matches), len(predicted), len(gold))
    return {
        "gold": len(gold),
        "predicted": len(predicted),
        "exact_precision": ep,
        "exact_recall": er,
        "exact_f1": ef,
        "overlap_precision": op,
        "overlap_recall": orr,
        "overlap_f1": of,
        "speaker_accuracy": right / len(with_speaker) if with_speaker else 0.0,
        "speaker_checked": len(with_speaker),
    }


def read_brat(folder: str) -> tuple[dict[str, str], list[Attribution]]:
    """PolNeAR-style brat standoff: FOLDER/text/NAME.txt and FOLDER/attributions/NAME_ANNOTATOR.ann.
    Where several annotators did one text, the first annotation file (by name) is the gold."""
    root = Path(folder)
    texts: dict[str, str] = {}
    gold: list[Attribution] = []
    chosen: dict[str, Path] = {}
    for ann in sorted((root / "attributions").glob("*.ann")):
        doc = ann.stem.rsplit("_", 1)[0]
        if (root / "text" / f"{doc}.txt").is_file():
            chosen.setdefault(doc, ann)
    for doc, ann in sorted(chosen.items()):
        texts[doc] = (root / "text" / f"{doc}.txt").read_text(encoding="utf-8")
        spans: dict[str, tuple[str, int, int]] = {}
        events: list[dict[str, str]] = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if line.startswith("T") and len(parts) >= 2:
                label, _, offsets = parts[1].partition(" ")
                numbers = [int(x) for chunk in offsets.split(";") for x in chunk.split()]
                spans[parts[0]] = (label, min(numbers), max(numbers))
            elif line.startswith("E") and len(parts) >= 2:
                events.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
        for event in events:
            content = spans.get(event.get("Content", ""))
            if content is None:
                continue
            source = spans.get(event.get("Source", ""))
            cue = spans.get(event.get("Cue", ""))
            text = texts[doc]
            gold.append(Attribution(
                doc, content[1], content[2],
                text[source[1] : source[2]] if source else None,
                source[1] if source else None, source[2] if source else None,
                text[cue[1] : cue[2]] if cue else None,
            ))  # fmt: skip
    return texts, gold


QuoteCases = tuple[dict[str, str], list[Attribution], list[Attribution]]  # texts, gold, predicted


def predicted_attributions(doc: str, quotes: list[Quote], claims: list[Claim] | None) -> list[Attribution]:
    """What kabar attributes in `doc`: its quotes (those nested in a claim aside) and claims."""
    out = [Attribution(doc, q.start, q.end, q.speaker, q.speaker_start, q.speaker_end) for q in quotes
           if not q.nested]  # fmt: skip
    out += [Attribution(doc, c.start, c.end, c.holder, c.holder_start, c.holder_end) for c in claims or []]
    return out


def brat_quotes(folder: str, lang: str, limit: int) -> QuoteCases:
    """A brat folder's texts and gold (`read_brat`, the first `limit` texts, 0 = all), and
    kabar's quotes and claims on each text, its lines taken as paragraphs."""
    from kabar.doc import analyse
    from kabar.extract import attribution, entities
    from kabar.lang import get

    texts, gold = read_brat(folder)
    if limit:
        texts = dict(list(texts.items())[:limit])
        gold = [g for g in gold if g.doc in texts]
    data = get(lang)
    predicted: list[Attribution] = []
    for name, text in texts.items():
        analysed = analyse(text, lang)
        mentions = entities.find(analysed, data)
        quotes, claims = attribution.extract(analysed, data, mentions)
        predicted += predicted_attributions(name, quotes, claims)
    return texts, gold, predicted


def jsonl_quotes(path: str, root: str, limit: int, warn: Callable[[str], None]) -> QuoteCases:
    """A JSONL quote gold (`{file | text, language, quotes: [{speaker, content, kind}]}`,
    the first `limit` records, 0 = all): files are ingested (cleaned) from `root` into a
    temporary store, texts extracted as they are; kabar's quotes on each. A file not
    stored, or a gold quote not in the clean text, is said through `warn` and counts as
    missed."""
    from kabar import pipeline
    from kabar.extract import extract_article
    from kabar.store.sqlite import SQLiteStore

    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit:
        records = records[:limit]
    articles: dict[str, Article] = {}
    files = [r["file"] for r in records if "file" in r]
    if files:
        with tempfile.TemporaryDirectory() as tmp, SQLiteStore(str(Path(tmp) / "eval.db")) as store:
            pipeline.run([str(Path(root) / f) for f in files], store, embed=False)
            for article in store.iter_articles():
                for source in article.sources:
                    articles[str(Path(source).resolve())] = article
    texts: dict[str, str] = {}
    gold: list[Attribution] = []
    predicted: list[Attribution] = []
    for n, record in enumerate(records):
        doc = record.get("file") or f"record-{n}"
        if "file" in record:
            found = articles.get(str((Path(root) / record["file"]).resolve()))
            if found is None:
                warn(f"{doc}: not ingested (see kabar quarantine); its quotes count as missed")
                texts[doc] = ""
                gold += [Attribution(doc, 0, 0, q.get("speaker")) for q in record.get("quotes", [])]
                continue
            article = found
        else:
            paragraphs = [p for p in record["text"].split("\n\n") if p.strip()]
            article = extract_article(Article(
                id=doc, source=doc, url=None, outlet=None, title="", published=None,
                language=record.get("language", "id"), dateline=None, paragraphs=paragraphs,
            ))  # fmt: skip
        text = article.text
        texts[doc] = text
        for q in record.get("quotes", []):
            start = text.find(q["content"])
            if start == -1:
                warn(f"{doc}: gold quote not in the clean text: {q['content'][:60]!r}")
                gold.append(Attribution(doc, 0, 0, q.get("speaker")))
                continue
            gold.append(Attribution(doc, start, start + len(q["content"]), q.get("speaker")))
        predicted += predicted_attributions(doc, article.quotes, None)
    return texts, gold, predicted


def names_someone(speaker: str | None, lang: str) -> bool:
    """Whether a gold speaker names someone: a capitalised word that is not a pronoun or a
    function word of the language ("Barkley", "the White House"; not "He", "The officials")."""
    if not speaker:
        return False
    from kabar.lang import get

    data = get(lang)
    return any(
        w[0].isupper() and w.lower().strip(".") not in data.pronouns and w.lower().strip(".") not in data.stopwords
        for w in speaker.replace("’", "'").split()
        if w[0].isalpha()
    )


def quote_report(
    texts: dict[str, str], gold: list[Attribution], predicted: list[Attribution], lang: str
) -> dict[str, Any]:
    """`quote_scores` over all the gold ("all"); where the gold names cues (PolNeAR), also
    over those whose cue is speech, "according to", a claim cue or a colon ("speech
    cues"); and the number of documents."""
    report: dict[str, Any] = {"all": quote_scores(gold, predicted, texts)}
    named = [g for g in gold if names_someone(g.speaker, lang)]
    if named and len(named) < len(gold):
        report["named speakers"] = quote_scores(named, predicted, texts)
    if any(g.cue for g in gold):
        # PolNeAR annotates every attribution ("wants", "praised", "a poll shows"); this
        # subset is what a quote extractor is for: speech, "according to", claim cues.
        from kabar.lang import get

        data = get(lang)
        cues = data.speech_verbs | set(data.claim_cues) | {p.split()[0] for p in data.according_to} | {":"}
        speech = [g for g in gold if g.cue and g.cue.lower().split()[0].strip(",") in cues]
        report["speech cues"] = quote_scores(speech, predicted, texts)
    report["documents"] = len(texts)
    return report


# --- Briefs -----------------------------------------------------------------------------

BriefCase = tuple[str, list[Article], str]  # id, articles, reference summary


def strip_dateline(article: Article) -> None:
    """As the pipeline does: the dateline is metadata, not the first words."""
    from kabar.meta import without_dateline

    if article.paragraphs:
        article.paragraphs[0] = without_dateline(article.paragraphs[0])[0]


def brief_cases(file: str, summaries: str | None, language: str, limit: int) -> list[BriefCase]:
    """Cases for `kabar eval brief`, datelines stripped, the first `limit` (0 = all): one per
    record of FILE (`{id, paragraphs, summary}`); or, with `summaries` (JSONL `{story,
    summary}`), one per story, its articles the records of FILE with that `story`."""
    rows = [json.loads(line) for line in Path(file).read_text(encoding="utf-8").splitlines() if line.strip()]
    cases: list[BriefCase] = []
    if summaries:
        wanted = {r["story"]: r["summary"] for line in Path(summaries).read_text(encoding="utf-8").splitlines()
                  if line.strip() for r in [json.loads(line)]}  # fmt: skip
        grouped: dict[str, list[Article]] = {}
        for r in rows:
            text = r.get("text") or ""
            paragraphs = r.get("paragraphs") or [p for p in text.split("\n") if p.strip()]
            if r.get("story") in wanted and paragraphs:
                grouped.setdefault(r["story"], []).append(Article(
                    id=r["id"], source=r["id"], url=None, outlet=r.get("outlet") or r["id"], title=r.get("title", ""),
                    published=None, language=language, dateline=None, paragraphs=paragraphs,
                ))  # fmt: skip
        cases = [(story, arts, wanted[story]) for story, arts in grouped.items()]
    else:
        for r in rows:
            article = Article(id=r["id"], source=r["id"], url=None, outlet=None, title=r.get("title", ""),
                              published=None, language=language, dateline=None, paragraphs=r["paragraphs"])  # fmt: skip
            cases.append((r["id"], [article], r["summary"]))
    if limit:
        cases = cases[:limit]
    for _, arts, _ in cases:
        for a in arts:
            strip_dateline(a)
    return cases


def brief_report(cases: list[BriefCase], language: str, sentences: int) -> tuple[dict[str, Any], list[str]]:
    """Mean ROUGE-1/2/L F1 × 100 of kabar's briefs and of LEAD-`sentences` over `cases`, with
    the number of records; and kabar's brief of each case as a JSON line `{id, summary}`."""
    from statistics import mean

    from kabar import brief as brief_stage

    ours: list[dict[str, dict[str, float]]] = []
    leads: list[dict[str, dict[str, float]]] = []
    written: list[str] = []
    for case_id, arts, reference in cases:
        made = " ".join(c.text for c in brief_stage.build(arts, sentences).sentences)
        baseline = brief_stage.lead([p for a in arts for p in a.paragraphs], language, sentences)
        ours.append(brief_stage.rouge(made, reference))
        leads.append(brief_stage.rouge(baseline, reference))
        written.append(json.dumps({"id": case_id, "summary": made}, ensure_ascii=False))
    report: dict[str, Any] = {
        name: {m: round(100 * mean(s[m]["f1"] for s in scores), 2) for m in ("rouge1", "rouge2", "rougeL")}
        for name, scores in (("kabar", ours), (f"lead{sentences}", leads))
        if scores
    }
    report["records"] = len(cases)
    return report, written


# --- answers (kabar ask) -----------------------------------------------------------------

ASK_GOLD_LABELS = ("yes", "no", "mixed", "answer", "abstain")


def read_ask_gold(path: str) -> list[dict[str, Any]]:
    """Questions with gold answers, one JSON object a line (`examples/gold/ask-demo.jsonl`):
    `id`, `question`, `gold` (yes, no, mixed, answer or abstain), `accept` (for an open
    question: strings one of which the answer's sentence must hold), `story` (the gold story
    label the evidence must come from, or a list of them when several stories hold the
    fact), and optional `split`, `language`, `type`, `sources`."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("gold") not in ASK_GOLD_LABELS or not record.get("question"):
                raise ValueError(f"{path}:{number}: needs a question and a gold label among {ASK_GOLD_LABELS}")
            if record["gold"] == "answer" and not record.get("accept"):
                raise ValueError(f"{path}:{number}: an open question needs the strings that answer it (accept)")
            out.append(record)
    return out


def ask_label(answer: Mapping[str, Any]) -> str:
    """What an answer (the record of `kabar.ask.Answer`) says, as a gold label: yes, no,
    mixed (the sources disagree: the stance abstains, but says why), answer (an open
    question answered) or abstain (nothing bears on it, or too few sources)."""
    if answer.get("stance") == "mixed":
        return "mixed"
    if answer.get("abstained"):
        return "abstain"
    return str(answer["stance"]) if answer.get("stance") in ("yes", "no") else "answer"


def _holds(text: str, wanted: str) -> bool:
    """`wanted` is in `text` as whole words (case, punctuation and spacing aside)."""
    return f" {key(wanted)} " in f" {key(text)} "


@dataclass
class AskResult:
    id: str
    question: str
    gold: str
    predicted: str
    correct: bool
    split: str = ""
    language: str = ""
    kind: str = ""  # the gold record's type: yes_no, open, unanswerable
    why: str = ""  # what was wrong


def ask_case(gold: Mapping[str, Any], answer: Mapping[str, Any], story_of: Mapping[str, str]) -> AskResult:
    """Score one answer. Right means: the gold label; for an answer, the first evidence
    sentence (the one the answer quotes) holds one of the `accept` strings; and, when the
    gold names a story (or stories), that sentence comes from one of their articles (`story_of`: article
    id -> gold story label), so a right answer for a wrong reason is wrong."""
    predicted = ask_label(answer)
    evidence = answer.get("evidence") or []
    first = evidence[0] if evidence else None
    why = "" if predicted == gold["gold"] else f"said {predicted}"
    stories = gold.get("story") or []
    stories = [stories] if isinstance(stories, str) else stories
    if not why and predicted != "abstain" and stories:
        found = story_of.get(first["article"], "?") if first else "nothing"
        if found not in stories:
            why = f"evidence from {found}"
    quoted = first["text"] if first else ""
    if not why and gold["gold"] == "answer" and not any(_holds(quoted, a) for a in gold["accept"]):
        why = "the sentence quoted does not hold the answer"
    return AskResult(str(gold.get("id", "")), gold["question"], gold["gold"], predicted, not why,
                     str(gold.get("split", "")), str(gold.get("language", "")), str(gold.get("type", "")),
                     why)  # fmt: skip


def ask_scores(results: Sequence[AskResult]) -> dict[str, float | int]:
    """Accuracy, and abstention precision and recall: of the questions kabar abstained on,
    the share that the articles cannot answer (gold abstain); of those, the share it abstained on."""
    abstained = [r for r in results if r.predicted == "abstain"]
    unanswerable = [r for r in results if r.gold == "abstain"]
    both = sum(1 for r in abstained if r.gold == "abstain")
    p, r, f = prf(both, len(abstained), len(unanswerable))
    right = sum(1 for x in results if x.correct)
    return {"questions": len(results), "correct": right, "accuracy": right / len(results) if results else 0.0,
            "abstained": len(abstained), "unanswerable": len(unanswerable), "abstain_precision": p,
            "abstain_recall": r, "abstain_f1": f}  # fmt: skip


def ask_report(results: Sequence[AskResult]) -> dict[str, Any]:
    """`ask_scores` over all questions, and by split, language and type."""
    report: dict[str, Any] = {"all": ask_scores(results)}
    for field_name in ("split", "language", "kind"):
        values = sorted({getattr(r, field_name) for r in results} - {""})
        report[field_name] = {v: ask_scores([r for r in results if getattr(r, field_name) == v]) for v in values}
    return report


def ask_gold(
    store: ReadStore, gold: Sequence[Mapping[str, Any]], story_of: Mapping[str, str], embedder: Any = None
) -> tuple[list[AskResult], list[float]]:
    """Ask every gold question (`read_ask_gold`) of the store and score each (`ask_case`);
    with the seconds each question took."""
    import time

    from kabar.ask import ask

    results, seconds = [], []
    for g in gold:
        start = time.perf_counter()
        answer = ask(store, g["question"], embedder=embedder)
        seconds.append(time.perf_counter() - start)
        results.append(ask_case(g, answer.to_record(), story_of))
    return results, seconds


def article_labels(store: ReadStore, wanted: Mapping[str, str]) -> dict[str, str]:
    """Article id -> gold label, from `wanted` (input path -> label, as a labels CSV gives
    it). A path matches an article's source equal to it or ending in "/" + it."""
    out: dict[str, str] = {}
    for article in store.iter_articles():
        for source in article.sources or [article.source]:
            label = wanted.get(source) or next((v for k, v in wanted.items() if source.endswith("/" + k)), None)
            if label is not None:
                out[article.id] = label
                break
    return out
