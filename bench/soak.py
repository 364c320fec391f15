"""A real-corpus soak: every corpus in ../shared/data through the whole user path.

    uv run python bench/soak.py [--corpus NAME ...] [--limit N] [--no-embed] [--json OUT]
                                [--only PREFIX] [--no-per-document] [--in-process] [--data FOLDER]

Per corpus, in a fresh temporary folder and SQLite store, in its own process (so the
peak RSS is that corpus's):

1. convert: the corpus into files kabar ingests (JSONL with the fields the corpus has,
   the ECB+ and PolNeAR texts as .txt files, the trafilatura pages as their original
   .html.gz bytes; CoNLL sentences become documents of SENTENCES_PER_DOC sentences, or
   split at `-DOCSTART-` where the file has it). Nothing is written into the repository.
2. documents: each document alone through the per-document steps of the pipeline
   (read, prepare, build_article, extract_article, index_terms, article_signature,
   featurize), timed, under the per-document budget: the slowest document, and the
   document behind any exception (skipped with --no-per-document).
3. ingest: `pipeline.run` over the converted files (title embeddings unless --no-embed).
   When it raises, the error is recorded and the documents that failed in step 2 are
   left out of a second run into the same store, so the later steps still run.
4. export: `kabar.export.export`.
5. for every story: `show` (what `kabar show STORY --json` prints), the `brief`, then
   `/api/stories/{id}` and the story page through FastAPI's TestClient.
6. for every article: `/articles/{id}` and `/api/articles/{id}`.
7. lists and search pages, then `ask` with questions made from the largest stories'
   titles and a generic one (also `/api/ask` and the /ask page, which embed, unless
   --no-embed).

Every step is wrapped: an exception (or an HTTP status other than 200) is recorded with
the step, the exception type and message, the document or story, and the innermost
frame in kabar's own code, and the soak goes on. The report gives, per corpus:
documents, stored, already stored, quarantined by reason, errors (must be 0), the
slowest document, wall time per step and peak RSS. A document the runner quarantined
because a stage raised ("failed in ...", "over the time budget") is listed apart: the
batch survived, but a valid document was lost. The exit code is 1 when any step raised.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CORPORA = ("ecbplus-dev", "neus-dev", "indosum-dev", "quotes-en", "ner-en", "ner-id", "html-eval-dev")
# CoNLL sets have no documents (wikigold has -DOCSTART- lines; the rest do not): 20
# sentences make a text of roughly one news article's length (about 400 words).
SENTENCES_PER_DOC = 20
# The questions asked per corpus: from this many of the largest stories' titles.
TITLE_QUESTIONS = 3
QUESTION_TITLE_WORDS = 12  # a question is a title's first words, not the whole headline
# A story read or an answer that takes longer than this is stopped and recorded as an
# error (the bound for a 100,000-article story read is 10 s; a story here is small).
STEP_BUDGET_SECONDS = 120.0
STORY_MEMBERS_NAMED = 4
PROGRESS_EVERY = 500  # stories or articles between progress lines on stderr
# Errors kept per corpus in full (the distinct ones are all counted).
MAX_ERRORS_KEPT = 200


# --- errors and timing ---------------------------------------------------------------------


def kabar_frame(exc: BaseException) -> str:
    """The innermost frame of the traceback in kabar's own code (src/kabar/...), as
    `kabar/meta.py:resolve_time_mentions:123`; and the innermost frame, when elsewhere."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if "/src/kabar/" in f.filename]
    where = ""
    if own:
        f = own[-1]
        where = f"kabar/{f.filename.split('/src/kabar/', 1)[1]}:{f.name}:{f.lineno}"
    if frames and (not own or frames[-1] is not own[-1]):
        last = frames[-1]
        where += f" (raised in {Path(last.filename).name}:{last.name}:{last.lineno})"
    return where


@dataclass
class Report:
    corpus: str
    documents: int = 0
    stored: int = 0
    already: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    quarantine_examples: dict[str, str] = field(default_factory=dict)
    excluded_after_crash: int = 0
    crash_quarantines: list[dict[str, Any]] = field(default_factory=list)
    stories: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    distinct_errors: list[dict[str, Any]] = field(default_factory=list)
    slowest_document: dict[str, Any] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    step_calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    peak_rss_mb: float = 0.0
    embed: bool = True
    root: str = ""

    def error(self, step: str, document: str, exc: BaseException | None, message: str = "") -> None:
        self.error_count += 1
        record = {
            "step": step,
            "type": type(exc).__name__ if exc is not None else "HTTP",
            "message": (str(exc).strip().split("\n", 1)[0] if exc is not None else message)[:300],
            "document": self.short(document),
            "where": kabar_frame(exc) if exc is not None else "",
        }
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(record)
        key = (record["step"], record["type"], record["where"] or record["message"][:60])
        for d in self.distinct_errors:
            if (d["step"], d["type"], d["where"] or d["message"][:60]) == key:
                d["count"] += 1
                return
        self.distinct_errors.append({**record, "count": 1})

    def short(self, source: str) -> str:
        return source.replace(self.root + "/", "") if self.root else source

    def attempt(self, step: str, document: str, fn: Callable[[], Any], seconds: float = 0.0) -> Any:
        """Run one step; its exception is recorded, never raised. With `seconds`, a step
        running longer is stopped (SIGALRM, in this main thread) and recorded."""
        from kabar.guard import budget

        start = time.perf_counter()
        try:
            if seconds > 0:
                with budget(seconds):
                    return fn()
            return fn()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the soak records every failure and goes on
            self.error(step, document, exc)
            return None
        finally:
            self.step_seconds[step] += time.perf_counter() - start
            self.step_calls[step] += 1

    def to_record(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus, "embed": self.embed, "documents": self.documents, "stored": self.stored,
            "already": self.already, "quarantined": self.quarantined,
            "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items(), key=lambda kv: -kv[1])),
            "quarantine_examples": self.quarantine_examples, "excluded_after_crash": self.excluded_after_crash,
            "crash_quarantines": self.crash_quarantines,
            "accounted": self.stored + self.already + self.quarantined + self.excluded_after_crash,
            "stories": self.stories, "errors": self.error_count, "distinct_errors": self.distinct_errors,
            "error_list": self.errors, "slowest_document": self.slowest_document,
            "step_seconds": {k: round(v, 2) for k, v in self.step_seconds.items()},
            "step_calls": dict(self.step_calls), "peak_rss_mb": round(self.peak_rss_mb, 1),
        }  # fmt: skip


def progress(message: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {message}", file=sys.stderr, flush=True)


# --- corpora into files kabar ingests ------------------------------------------------------


def _write_jsonl(path: Path, records: Iterator[dict[str, Any]], limit: int | None) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            if limit is not None and n >= limit:
                break
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _copy_files(files: list[Path], out: Path, limit: int | None) -> int:
    chosen = files[:limit] if limit is not None else files
    out.mkdir(parents=True, exist_ok=True)
    for f in chosen:
        shutil.copyfile(f, out / f.name)  # the original bytes
    return len(chosen)


def _ecbplus(data: Path, out: Path, limit: int | None) -> int:
    with open(data / "ecbplus-dev" / "labels.csv", encoding="utf-8") as fh:
        names = [row["file"] for row in csv.DictReader(fh)]
    return _copy_files([data / "ecbplus-dev" / "docs" / n for n in names], out / "ecbplus", limit)


def _neus(data: Path, out: Path, limit: int | None) -> int:
    records = ({"id": r["id"], "title": r["title"], "text": r["text"]}
               for r in _read_jsonl(data / "neus-dev" / "articles.jsonl"))  # fmt: skip
    return _write_jsonl(out / "neus.jsonl", records, limit)


def _indosum(data: Path, out: Path, limit: int | None) -> int:
    def records() -> Iterator[dict[str, Any]]:
        for r in _read_jsonl(data / "indosum-dev" / "articles.jsonl"):
            stamp = r["id"].split("-", 1)[0]  # the id's prefix is a Unix timestamp
            published = datetime.fromtimestamp(int(stamp), UTC).isoformat() if stamp.isdigit() else None
            yield {"id": r["id"], "text": "\n\n".join(r["paragraphs"]), "url": r.get("source_url"),
                   "outlet": r.get("source"), "published": published}  # fmt: skip

    return _write_jsonl(out / "indosum.jsonl", records(), limit)


def _quotes(data: Path, out: Path, limit: int | None) -> int:
    n = 0
    for split in ("dev", "train"):
        files = sorted((data / "quotes-en" / split / "text").glob("*.txt"))
        n += _copy_files(files, out / "polnear" / split, None if limit is None else limit - n)
    return n


# Detokenising CoNLL tokens: no space before closing punctuation, none after an opening
# bracket. Each pattern is one character class next to one space: linear.
_BEFORE = re.compile(r" ([,.;:!?)\]%])")
_AFTER = re.compile(r"([(\[]) ")


def _conll_documents(path: Path) -> Iterator[str]:
    """Texts of SENTENCES_PER_DOC sentences (one per line), split at -DOCSTART- too."""
    sentences: list[str] = []
    tokens: list[str] = []

    def sentence() -> None:
        if tokens:
            sentences.append(_AFTER.sub(r"\1", _BEFORE.sub(r"\1", " ".join(tokens))))
            tokens.clear()

    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if parts and parts[0] == "-DOCSTART-":
                sentence()
                if sentences:
                    yield "\n".join(sentences)
                    sentences = []
                continue
            if not parts:
                sentence()
                if len(sentences) >= SENTENCES_PER_DOC:
                    yield "\n".join(sentences)
                    sentences = []
                continue
            tokens.append(parts[0])
    sentence()
    if sentences:
        yield "\n".join(sentences)


def _ner(folder: str, files: list[str]) -> Callable[[Path, Path, int | None], int]:
    def convert(data: Path, out: Path, limit: int | None) -> int:
        n = 0
        for name in files:
            path = data / folder / name
            stem = name.replace("/", "_").rsplit(".", 1)[0]
            left = None if limit is None else limit - n
            if left is not None and left <= 0:
                break
            records = ({"id": f"{stem}-{i}", "text": text} for i, text in enumerate(_conll_documents(path)))
            n += _write_jsonl(out / f"{stem}.jsonl", records, left)
        return n

    return convert


def _html(data: Path, out: Path, limit: int | None) -> int:
    return _copy_files(sorted((data / "html-eval-dev" / "pages").glob("*.html.gz")), out / "pages", limit)


NER_EN = ["wikigold/wikigold.conll.txt", "gum/gum-train.conll", "gum/gum-test.conll", "wnut17/train.conll",
          "wnut17/dev.conll"]  # fmt: skip
NER_ID = ["nergrit_ner-grit/train_preprocess.txt", "nergrit_ner-grit/valid_preprocess.txt",
          "nerp_ner-prosa/train_preprocess.txt", "nerp_ner-prosa/valid_preprocess.txt", "nerui/train.01.tsv",
          "nerui/dev.01.tsv", "nerugm/train.01.tsv", "nerugm/dev.01.tsv"]  # fmt: skip
CONVERTERS: dict[str, Callable[[Path, Path, int | None], int]] = {
    "ecbplus-dev": _ecbplus,
    "neus-dev": _neus,
    "indosum-dev": _indosum,
    "quotes-en": _quotes,
    "ner-en": _ner("ner-en", NER_EN),
    "ner-id": _ner("ner-id", NER_ID),
    "html-eval-dev": _html,
}
LANGUAGE = {"indosum-dev": "id", "ner-id": "id"}  # the rest: English (html-eval-dev: mostly German, English, French)


# --- the soak of one corpus -----------------------------------------------------------------


def _per_document(report: Report, inputs: Path) -> set[str]:
    """Each document alone through the pipeline's per-document steps: its time, and the
    documents that raise (their sources)."""
    from kabar import dedup, ingest, pipeline
    from kabar.extract import extract_article
    from kabar.features import featurize
    from kabar.guard import DOCUMENT_BUDGET_SECONDS, budget
    from kabar.model import Article, QuarantineEntry, RawDocument
    from kabar.search import index_terms

    failed: set[str] = set()

    def steps(raw: RawDocument, stage: list[str]) -> None:
        stage[0] = "prepare"
        p = pipeline.prepare(raw)
        if isinstance(p, QuarantineEntry):
            return
        stage[0] = "build_article"
        article = pipeline.build_article(p, set(), frozenset())
        if not isinstance(article, Article):
            return
        stage[0] = "extract_article"
        extract_article(article)
        stage[0] = "index_terms"
        index_terms(article)
        stage[0] = "article_signature"
        dedup.article_signature(article)
        stage[0] = "featurize"
        featurize([article], None)

    slowest = (-1.0, 0.0, "", 0)  # CPU seconds, wall seconds, source, characters
    warm = False
    files = [f for f in ingest.discover([str(inputs)]) if isinstance(f, str)]
    for path in files:
        items = report.attempt("document:read", path, partial(_read_all, path))
        for raw in items or []:
            if isinstance(raw, QuarantineEntry):
                continue
            if not warm:
                # The first document loads the taggers and tables; it is timed on its second run.
                with contextlib.suppress(Exception):
                    steps(raw, ["warm-up"])
                warm = True
            stage = ["prepare"]
            start, cpu = time.perf_counter(), time.process_time()
            try:
                with budget(DOCUMENT_BUDGET_SECONDS):
                    steps(raw, stage)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # recorded, and the soak goes on
                report.error(f"document:{stage[0]}", raw.source, exc)
                failed.add(raw.source)
            took, took_cpu = time.perf_counter() - start, time.process_time() - cpu
            report.step_seconds["documents (one at a time)"] += took
            if took_cpu > slowest[0]:
                slowest = (took_cpu, took, raw.source, len(raw.body))
    if slowest[2]:
        report.slowest_document = {"document": report.short(slowest[2]), "cpu_seconds": round(slowest[0], 3),
                                   "seconds": round(slowest[1], 3), "chars": slowest[3]}  # fmt: skip
    return failed


def _only(inputs: Path, prefix: str) -> int:
    """Keep the converted documents whose file name or record id starts with `prefix`."""
    kept = 0
    for path in sorted(p for p in inputs.rglob("*") if p.is_file()):
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            mine = [line for line in lines if str(json.loads(line).get("id", "")).startswith(prefix)]
            path.write_text("".join(mine), encoding="utf-8")
            kept += len(mine)
            if not mine:
                path.unlink()
        elif path.name.startswith(prefix):
            kept += 1
        else:
            path.unlink()
    return kept


def _read_all(path: str) -> list[Any]:
    from kabar import ingest

    return list(ingest.read(path))


def _without(inputs: Path, out: Path, failed: set[str]) -> Path:
    """A copy of the converted inputs without the documents that failed alone."""
    for path in sorted(inputs.rglob("*")):
        if not path.is_file():
            continue
        target = out / path.relative_to(inputs)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".jsonl":
            with open(path, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as dst:
                for line in src:
                    rid = json.loads(line).get("id")
                    if f"{path}#{rid}" not in failed:
                        dst.write(line)
        elif str(path) not in failed:
            shutil.copyfile(path, target)
    return out


def _ingest(report: Report, inputs: Path, db: str, embed: bool, failed: set[str]) -> None:
    from kabar import pipeline
    from kabar.store import open_store

    def run(paths: Path) -> Any:
        with open_store(db) as store:
            return pipeline.run([str(paths)], store, embed=embed)

    result = report.attempt("ingest", str(inputs), lambda: run(inputs))
    if result is None and failed:
        # The batch died: once more without the documents that raise alone, so the
        # store holds what it can and the later steps run.
        report.excluded_after_crash = len(failed)
        retry = _without(inputs, inputs.parent / "retry", failed)
        result = report.attempt("ingest (retry without failing documents)", str(retry), lambda: run(retry))
    if result is not None:
        report.stored, report.already = result.stored, result.already
        report.quarantined = len(result.quarantined)
        reasons = Counter(q.reason for q in result.quarantined)
        report.quarantined_by_reason = dict(reasons)
        for q in result.quarantined:
            example = report.short(q.source) + (f" ({q.detail})" if q.detail else "")
            report.quarantine_examples.setdefault(q.reason, example)
            if q.reason in CRASH_REASONS or q.reason.startswith(CRASH_PREFIX):
                # A stage raised (or ran out of time) and the runner quarantined the
                # document: the batch survived, but a valid document was lost.
                _count_crash(report, q.reason, q.detail, report.short(q.source))
    else:
        with open_store(db) as store:
            report.stored = store.count_articles()


CRASH_PREFIX = "failed in "  # guard.failure's reasons
CRASH_REASONS = {"over the time budget"}


def _count_crash(report: Report, reason: str, detail: str, document: str) -> None:
    kind = detail.split(":", 1)[0]
    for c in report.crash_quarantines:
        if (c["reason"], c["detail"].split(":", 1)[0]) == (reason, kind):
            c["count"] += 1
            return
    report.crash_quarantines.append({"reason": reason, "detail": detail, "document": document, "count": 1})


def _questions(titles: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(question, language): from story titles, and a generic one per language."""
    out = []
    for title, lang in titles[:TITLE_QUESTIONS]:
        words = " ".join(title.split()[:QUESTION_TITLE_WORDS]).rstrip(".?!")
        out.append((f"Apa yang terjadi: {words}?" if lang == "id" else f"What happened: {words}?", lang))
    out += [("Siapa mengatakan apa dan kapan?", "id"), ("Who said what, and when?", "en")]
    return out


def _reads(report: Report, db: str, embed: bool, tmp: Path) -> None:
    from fastapi.testclient import TestClient

    from kabar import cli
    from kabar.ask import ask
    from kabar.export import export, story_brief
    from kabar.search import Filters
    from kabar.store import open_store
    from kabar.web import Settings, create_app

    client = TestClient(create_app(Settings(db=db)))

    def get(step: str, document: str, url: str, params: dict[str, str] | None = None) -> None:
        def call() -> None:
            response = client.get(url, params=params)
            if response.status_code != 200:
                report.error(step, document, None, f"HTTP {response.status_code} for {url}: {response.text[:200]}")

        report.attempt(step, document, call)

    with open_store(db) as store:
        report.attempt("export", db, lambda: export(store, str(tmp / "export")), STEP_BUDGET_SECONDS)
        stories = report.attempt("stories", db, store.stories) or []
        report.stories = len(stories)
        articles = report.attempt("articles", db, lambda: [(a.id, a.source) for a in store.iter_articles()]) or []
        source_of = dict(articles)
        for n, story in enumerate(stories):
            if n % PROGRESS_EVERY == 0:
                progress(f"{report.corpus}: story {n}/{len(stories)}")

            def show(story: Any = story) -> None:
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    cli._show_story(store, story, True)
                json.loads(out.getvalue())

            def brief(story: Any = story) -> str:
                return json.dumps(story_brief(store, story).to_record())

            # A story's errors name its first members' documents, where the cause is.
            members = [report.short(source_of.get(a, a)) for a in story.articles[:STORY_MEMBERS_NAMED]]
            more = " …" if len(story.articles) > STORY_MEMBERS_NAMED else ""
            label = f"{story.id} [{', '.join(members)}{more}]"
            report.attempt("show", label, show, STEP_BUDGET_SECONDS)
            report.attempt("brief", label, brief, STEP_BUDGET_SECONDS)
            get("/api/stories/{id}", label, f"/api/stories/{story.id}")
            get("/stories/{id}", label, f"/stories/{story.id}")
        for n, (article_id, source) in enumerate(articles):
            if n % PROGRESS_EVERY == 0:
                progress(f"{report.corpus}: article {n}/{len(articles)}")
            get("/articles/{id}", source, f"/articles/{article_id}")
            get("/api/articles/{id}", source, f"/api/articles/{article_id}")
        for url in ("/", "/api/stories?sort=largest&per_page=100", "/api/storylines"):
            get("lists", url, url)
        largest = sorted(stories, key=lambda s: -len(s.articles))
        titles = [(s.title, s.languages[0] if s.languages else LANGUAGE.get(report.corpus, "en")) for s in largest]
        embedder = None
        if embed:
            from kabar.features import Embedder

            embedder = report.attempt("embedder", db, Embedder)
        for question, _ in _questions(titles):
            first = question.split(":", 1)[-1].split()[:3]
            get("search", question, "/api/search", {"q": " ".join(first) or "a"})

            def answer(q: str = question, story: str | None = None) -> str:
                return json.dumps(ask(store, q, Filters(story=story), embedder).to_record())

            report.attempt("ask", question, answer, STEP_BUDGET_SECONDS)
            if embed:
                get("/api/ask", question, "/api/ask", {"q": question})
                get("/ask", question, "/ask", {"q": question})
            if largest:
                report.attempt(
                    "ask (in story)", question, partial(answer, question, largest[0].id), STEP_BUDGET_SECONDS
                )


def soak_corpus(
    name: str,
    limit: int | None = None,
    embed: bool = True,
    data: Path = DATA,
    per_document: bool = True,
    only: str | None = None,
) -> dict[str, Any]:
    """Run the whole soak over one corpus; the report as a dict. Without `per_document`,
    the one-at-a-time pass (timing, and the documents behind a crashed batch) is left out.
    With `only`, just the documents whose file name or record id starts with it."""
    with tempfile.TemporaryDirectory(prefix=f"soak-{name}-") as folder:
        tmp = Path(folder)
        report = Report(name, embed=embed, root=str(tmp / "in"))
        inputs = tmp / "in"
        inputs.mkdir()
        report.documents = report.attempt("convert", name, lambda: CONVERTERS[name](data, inputs, limit)) or 0
        if only is not None:
            report.documents = _only(inputs, only)
        progress(f"{name}: {report.documents} documents")
        failed = _per_document(report, inputs) if per_document else set()
        db = str(tmp / "kabar.db")
        progress(f"{name}: ingest")
        _ingest(report, inputs, db, embed, failed)
        progress(f"{name}: {report.stored} stored; export and reads")
        _reads(report, db, embed, tmp)
        report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return report.to_record()


def _in_child(
    name: str, limit: int | None, embed: bool, data: Path, per_document: bool, only: str | None
) -> dict[str, Any]:
    """One corpus in a fresh process: its own peak RSS, and a crash of the process
    (a segfault, the OOM killer) is one corpus's error, not the soak's end."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        try:
            return pool.submit(soak_corpus, name, limit, embed, data, per_document, only).result()
        except Exception as exc:  # the process died: say so and go on
            report = Report(name, embed=embed)
            report.error("process", name, exc)
            return report.to_record()


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"== {r['corpus']} ({'embeddings' if r['embed'] else 'no embeddings'})",
        f"  documents {r['documents']}: stored {r['stored']}, already {r['already']}, quarantined {r['quarantined']}"
        f", excluded after a crash {r['excluded_after_crash']} (accounted {r['accounted']}); stories {r['stories']}",
    ]
    for reason, n in r["quarantined_by_reason"].items():
        lines.append(f"    quarantined {n:5d}  {reason}  e.g. {r['quarantine_examples'].get(reason, '')}")
    for c in r["crash_quarantines"]:
        lines.append(f"    crash-quarantined {c['count']:5d} × {c['reason']}: {c['detail'][:150]}")
        lines.append(f"            first: {c['document']}")
    lines.append(f"  errors {r['errors']}")
    for d in r["distinct_errors"]:
        lines.append(f"    {d['count']:5d} × [{d['step']}] {d['type']}: {d['message'][:160]}")
        lines.append(f"            first: {d['document']}  at {d['where']}")
    if r["slowest_document"]:
        s = r["slowest_document"]
        lines.append(
            f"  slowest document {s['cpu_seconds']:.3f} s CPU, {s['seconds']:.3f} s wall ({s['chars']} chars): "
            f"{s['document']}"
        )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in r["step_seconds"].items())
    lines.append(f"  steps: {steps}")
    lines.append(f"  peak RSS {r['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="a corpus (repeatable); default all")
    parser.add_argument("--limit", type=int, default=None, help="at most N documents per corpus")
    parser.add_argument("--only", default=None, help="only documents whose file name or record id starts with this")
    parser.add_argument("--no-embed", action="store_true", help="no title or sentence embeddings")
    parser.add_argument("--json", dest="json_out", default=None, help="write the reports here")
    parser.add_argument("--data", default=str(DATA), help="the shared data folder")
    parser.add_argument(
        "--no-per-document", action="store_true", help="skip the one-at-a-time pass (no slowest document)"
    )
    parser.add_argument("--in-process", action="store_true", help="run corpora in this process (RSS is cumulative)")
    args = parser.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        sys.exit(f"no data folder at {data}")
    reports = []
    started = time.perf_counter()
    for name in args.corpus or CORPORA:
        t0 = time.perf_counter()
        if args.in_process:
            r = soak_corpus(name, args.limit, not args.no_embed, data, not args.no_per_document, args.only)
        else:
            r = _in_child(name, args.limit, not args.no_embed, data, not args.no_per_document, args.only)
        r["wall_seconds"] = round(time.perf_counter() - t0, 1)
        reports.append(r)
        print(format_report(r) + f"\n  wall {r['wall_seconds']:.0f} s", flush=True)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")
    total = sum(r["errors"] for r in reports)
    print(f"\n{len(reports)} corpora, {sum(r['documents'] for r in reports)} documents, {total} errors, "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
