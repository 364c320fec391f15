"""The pipeline: raw documents in, clean articles stored.

Documents are processed in chunks. For each chunk the pipeline first gathers
corpus evidence (lines and dateline words that recur across one site's
articles, from the store plus the chunk), then builds each article, then stores
the chunk in one transaction, so a killed process leaves whole chunks or nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial

from kabar import clean as clean_stage
from kabar import dedup, guard, ingest, meta, stages
from kabar.doc import Doc, of_article
from kabar.extract import extract_article
from kabar.features import Embedder, featurize
from kabar.lang import LanguageData, get, known
from kabar.model import Article, ArticleFeatures, ChunkWrite, QuarantineEntry, RawDocument, Removal
from kabar.parallel import Done, Pending, Pool, open_pool
from kabar.search import index_terms
from kabar.store import Store, line_hash
from kabar.text import collapse, key, split_sentences

CHUNK_SIZE = 256
# Articles of the chunk being stored come after every stored one in ingest order.
NEW_ARTICLE_SEQ = 1 << 62
MIN_BODY_CHARS = 40
ONE_LINE_ARTICLE_WORDS = 8
TITLE_FALLBACK_CHARS = 120
# The longest headline among the seeds, the demo, IndoSum dev and html-eval-dev is well
# under 300 characters; a longer "title" is a scraper's mistake (a whole paragraph, a
# blob) and would be embedded and indexed whole.
TITLE_MAX_CHARS = 400
# A publication date outside these years is a placeholder, not a date: CMSs write null
# dates as 0001-01-01 or 9999-12-31 (38 of the 487 html-eval-dev pages crashed on such
# values before the date arithmetic was made safe). The next source of a date is tried.
PUBLISHED_YEARS = (1900, 2199)
INGEST_WAIT_SECONDS = 600.0  # for another run on the same store to finish
# A short line seen in this many articles of one site is boilerplate; a long one
# needs more, because outlets reuse background paragraphs across follow-ups.
RECUR_SHORT_DOCS = 3
RECUR_LONG_DOCS = 6
RECUR_SHORT_WORDS = 12
BRAND_DATELINE_DOCS = 3
DATELINE_SCAN_LINES = 8
# A site (scrape folder) whose articles name one outlet this often lends it to the rest.
SITE_OUTLET_MIN_DOCS = 3
SITE_OUTLET_SHARE = 0.75


@dataclass
class Prepared:
    raw: RawDocument
    lines: list[tuple[int, str]]
    header: meta.Header
    url: str | None
    html_published: str | None = None
    html_site: str | None = None
    line_keys: set[str] = field(default_factory=set)
    dateline_word: str | None = None


@dataclass
class IngestReport:
    """What a run did. Every input item seen ends in exactly one of the three outcomes:
    seen == stored + already + len(quarantined)."""

    seen: int = 0
    stored: int = 0
    already: int = 0
    quarantined: list[QuarantineEntry] = field(default_factory=list)


def prepare(raw: RawDocument, steps: guard.Steps | None = None) -> Prepared | QuarantineEntry:
    """Turn a raw document into numbered text lines plus what its header says."""
    step = steps or guard.Steps("html")
    url = raw.url
    html_published = html_site = None
    title_hint = raw.title
    if raw.format == "html":
        extracted = step("html", clean_stage.extract_html, raw.body, url)
        if extracted is None:
            return QuarantineEntry(raw.source, "no article text found in HTML")
        text, html_title, html_published, html_site, html_url = extracted
        title_hint = title_hint or html_title
        url = url or html_url
    else:
        text = raw.body
    lines = list(enumerate(text.split("\n")))
    header = step("header", meta.read_header, lines, title_hint)
    url = url or header.url
    if raw.continuations:
        step("pages", _append_pages, raw, url, lines, header)
    body_lines = [(n, t) for n, t in lines if n not in header.consumed]
    line_keys = {key(t) for _, t in body_lines if t.strip()}
    dateline_word = next(
        (w for _, t in body_lines[:DATELINE_SCAN_LINES] if (w := meta.dateline_token(t.strip()))), None
    )
    return Prepared(raw, lines, header, url, html_published, html_site, line_keys - {""}, dateline_word)


def _append_pages(raw: RawDocument, url: str | None, lines: list[tuple[int, str]], header: meta.Header) -> None:
    """Append the text of an article's later pages (`raw.continuations`) to the first
    page's `lines`, each page extracted as the first was. A later page's line that the
    first page already holds (the headline, the byline, the site's furniture) is page
    furniture, marked as consumed in `header` so it is listed as removed; the page links
    themselves are left to the cleaner's pagination cues, like the first page's."""
    seen = {k for _, t in lines if (k := key(t))}
    number = len(lines)
    for body in raw.continuations:
        if raw.format == "html":
            extracted = clean_stage.extract_html(body, url)
            if extracted is None:
                continue  # a page without article text adds nothing
            text = extracted[0]
        else:
            text = body
        page_keys: set[str] = set()
        for t in text.split("\n"):
            if (k := key(t)) and k in seen:
                header.consumed[number] = "page furniture"
            page_keys.add(k)
            lines.append((number, t))
            number += 1
        seen |= page_keys


def lead_title(lead: str, lang: LanguageData) -> str:
    """A title for an article that came without one: the lead's first sentence, cut at a
    word boundary to at most TITLE_FALLBACK_CHARS."""
    first = next(iter(split_sentences(lead, lang.abbreviations, lang.non_final_words)), lead).strip()
    if len(first) <= TITLE_FALLBACK_CHARS:
        return first
    return first[: TITLE_FALLBACK_CHARS + 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + " …"


def build_article(
    p: Prepared, recurring: set[str], brands: frozenset[str], steps: guard.Steps | None = None
) -> Article | QuarantineEntry:
    step = steps or guard.Steps("clean")
    step.stage = "clean"
    raw, header = p.raw, p.header
    removed = [Removal(collapse(t), why, n) for n, t in p.lines if (why := header.consumed.get(n))]
    body_lines = [(n, t) for n, t in p.lines if n not in header.consumed]
    body_sample = "\n".join(t for _, t in body_lines)
    language = raw.language if known(raw.language) else meta.detect_language(body_sample)
    lang = get(language)
    title = header.title or ""
    result = clean_stage.clean(body_lines, title=title, lang=lang, recurring=recurring)
    removed.extend(result.removed)
    paragraphs = result.paragraphs
    if not paragraphs and title and not raw.title and len(title.split()) >= ONE_LINE_ARTICLE_WORDS:
        # A one-sentence article: its only line is the text, not a headline over nothing.
        paragraphs = [title]
        removed = [r for r in removed if not r.reason.startswith("headline")]
    if sum(len(x) for x in paragraphs) < MIN_BODY_CHARS:
        return QuarantineEntry(raw.source, "no body text after cleaning", f"{len(paragraphs)} paragraphs left")
    dateline = None
    if paragraphs:
        paragraphs[0], dateline = meta.without_dateline(paragraphs[0], brands)
    if dateline:
        removed.append(Removal(dateline.prefix.strip(), "dateline (kept as metadata)", -1))
    if not title:
        title = lead_title(paragraphs[0], lang)
    step.stage = "meta"
    if len(title) > TITLE_MAX_CHARS:
        cut = title[TITLE_MAX_CHARS:]
        removed.append(Removal(cut[:200], f"title over {TITLE_MAX_CHARS} characters: {len(cut)} cut", -1))
        title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] + " …"
    published = next(
        (
            d for d in (
                meta.normalize_published(raw.published),
                meta.settle_day_month(header.published, p.url, lang).iso() if header.published else None,
                meta.normalize_published(p.html_published),
            )
            if d and PUBLISHED_YEARS[0] <= int(d[:4]) <= PUBLISHED_YEARS[1]
        ),
        None,
    )  # fmt: skip
    # The domain is the most canonical name of an outlet; names read off the text come last.
    outlet = (
        meta.outlet_from_url(p.url)
        or raw.outlet
        or header.site_domain
        or p.html_site
        or (_brand_name(dateline.brand) if dateline and dateline.brand else None)
        or (dateline.credit if dateline and dateline.credit and not dateline.credit.isupper() else None)
    )
    article = Article(
        id=raw.content_id,
        source=raw.source,
        url=p.url,
        outlet=outlet,
        title=collapse(title),
        published=published,
        language=language,
        dateline=dateline.place if dateline else None,
        paragraphs=paragraphs,
        removed=sorted(removed, key=lambda r: r.line),
        raw_text="\n".join((raw.body, *raw.continuations)),  # every page, so nothing is lost
        sources=[raw.source],
    )
    article.time_mentions = meta.resolve_time_mentions(article.text, published, lang)
    return article


def _brand_name(brand: str) -> str:
    # "JATIMTIMES" is shouted only because datelines are; the brand is "jatimtimes".
    return brand.lower() if brand.isupper() else brand


class LineEvidence:
    """How many articles of a site hold each line key: the evidence for boilerplate lines,
    dateline brands and a site's outlet.

    Nearly every line of nearly every article is seen once and never again, so a key is
    counted in the store (`line_stats`) only from its second article on. Keys seen once
    are held for the last WINDOW_CHUNKS chunks, in memory and as one row per chunk,
    so the store gets no random write for them. A line repeated only after that window
    starts counting afresh. The counts of the chunk added last hold until it is `saved`,
    so the next chunk can be read while this one is being written.
    """

    WINDOW_CHUNKS = 80  # about 20,000 articles

    def __init__(self, store: Store, window_chunks: int | None = None) -> None:
        self.store = store
        self.window_chunks = self.WINDOW_CHUNKS if window_chunks is None else window_chunks
        self._chunks: deque[list[int]] = deque()
        self._once: set[int] = set()
        self._stored: dict[int, int] = {}  # store lookups since the last write
        self._unsaved: dict[int, int] = {}  # the last added chunk's counts, until it is saved
        for hashes in store.line_window(self.window_chunks):
            self._push(hashes)
        # Keys that turned up again after entering the window are counted in the store.
        self._once -= set(store.line_stats(list(self._once)))

    def _push(self, hashes: list[int]) -> None:
        self._chunks.append(hashes)
        self._once.update(hashes)
        while len(self._chunks) > self.window_chunks:
            self._once.difference_update(self._chunks.popleft())

    def _counted(self, hashes: Iterable[int]) -> dict[int, int]:
        """Articles counted for each key: in the store, or added but not yet saved."""
        missing = [h for h in hashes if h not in self._stored]
        self._stored.update(dict.fromkeys(missing, 0))
        self._stored.update(self.store.line_stats(missing))
        return {h: self._stored[h] + self._unsaved.get(h, 0) for h in hashes}

    def counts(self, site: str, keys: Iterable[str]) -> dict[str, int]:
        """Articles already seen that hold each key (keys never seen are left out)."""
        by_hash = {line_hash(site, k): k for k in keys}
        counted = self._counted(by_hash)
        out = {}
        for h, k in by_hash.items():
            n = counted[h] or (1 if h in self._once else 0)
            if n:
                out[k] = n
        return out

    def add(self, counts: dict[str, Counter[str]], write: ChunkWrite) -> None:
        """Count a chunk's keys (site -> key -> articles) into `write` and into the window."""
        if not counts:
            return  # nothing new stored: the window stays as it is
        by_hash = {line_hash(site, k): n for site, keys in counts.items() for k, n in keys.items()}
        counted = self._counted(by_hash)
        fresh: list[int] = []
        for h, n in by_hash.items():
            if counted[h]:
                write.line_counts[h] = n
            elif h in self._once:
                self._once.discard(h)  # its second article: counted in the store from now on
                write.line_counts[h] = n + 1
            elif n > 1:
                write.line_counts[h] = n
            else:
                fresh.append(h)
        self._push(fresh)
        self._unsaved = dict(write.line_counts)
        write.line_window = fresh
        write.line_window_chunks = self.window_chunks

    def saved(self) -> None:
        """The chunk added last is in the store now."""
        self._stored.clear()
        self._unsaved.clear()


def _recurring(chunk: list[Prepared], evidence: LineEvidence) -> tuple[dict[str, set[str]], dict[str, frozenset[str]]]:
    """Per site: line keys and dateline words that recur across its articles."""
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    for p in chunk:
        by_site[p.raw.site_key].update(_evidence_keys(p))
    recurring: dict[str, set[str]] = {}
    brands: dict[str, frozenset[str]] = {}
    for site, counts in by_site.items():
        stored = evidence.counts(site, counts)
        total = {k: n + stored.get(k, 0) for k, n in counts.items()}
        recurring[site] = {
            k for k, n in total.items()
            if not k.startswith("\x00")
            and n >= (RECUR_SHORT_DOCS if len(k.split()) <= RECUR_SHORT_WORDS else RECUR_LONG_DOCS)
        }  # fmt: skip
        brands[site] = frozenset(
            k[len(_DATELINE) :] for k, n in total.items() if k.startswith(_DATELINE) and n >= BRAND_DATELINE_DOCS
        )
    return recurring, brands


_DATELINE = "\x00dateline:"
_OUTLET = "\x00outlet:"


def _evidence_keys(p: Prepared) -> set[str]:
    return p.line_keys | ({f"{_DATELINE}{p.dateline_word}"} if p.dateline_word else set())


def _infer_site_outlets(articles: list[tuple[Article, Prepared]], evidence: LineEvidence) -> None:
    """An article that names no outlet gets its site's outlet, when the other
    articles of that site (a scrape folder) overwhelmingly name one; failing that, the
    name of the folder it was read from (`Article.outlet_from_folder` tells it apart)."""
    _site_outlets(articles, evidence)
    for article, p in articles:
        if not article.outlet and (folder := Article.folder_of(p.raw.source)):
            article.outlet = folder
            article.removed.insert(0, Removal(folder, Article.FOLDER_OUTLET, -1))  # removals are in line order


def _site_outlets(articles: list[tuple[Article, Prepared]], evidence: LineEvidence) -> None:
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    for article, p in articles:
        if article.outlet:
            by_site[p.raw.site_key][article.outlet] += 1
    for site in {p.raw.site_key for a, p in articles if not a.outlet}:
        counts = by_site[site]
        stored = evidence.counts(site, [f"{_OUTLET}{o}" for o in counts])
        total = Counter({o: n + stored.get(f"{_OUTLET}{o}", 0) for o, n in counts.items()})
        if not total:
            continue
        outlet, n = total.most_common(1)[0]
        if n >= SITE_OUTLET_MIN_DOCS and n >= SITE_OUTLET_SHARE * sum(total.values()):
            for article, p in articles:
                if p.raw.site_key == site and not article.outlet:
                    article.outlet = outlet


@dataclass(frozen=True)
class BuildOptions:
    extract: bool = True  # entities, quotes, claims, figures
    stories: bool = True  # copy signatures and story features
    embed: bool = True  # the title embedding among the story features


@dataclass
class Built:
    """An article with everything computed from it alone, ready for the ordered stages."""

    article: Article
    search_terms: tuple[str, str]
    signature: dedup.ArticleSignature | None = None
    features: ArticleFeatures | None = None
    doc: Doc | None = None  # the analysed text, until the features are read off it (not sent back)


_EMBEDDER: Embedder | None = None


def _embedder() -> Embedder:
    """One embedder per process (the model loads once, however many runs)."""
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = Embedder()
    return _EMBEDDER


def prepare_all(raws: list[RawDocument]) -> list[Prepared | QuarantineEntry]:
    return [
        guard.run_steps(raw.source, "html", partial(prepare, raw),
                        guard.document_budget(len(raw.body) + sum(map(len, raw.continuations))))
        for raw in raws
    ]


def _build_one(
    p: Prepared, recurring: set[str], brands: frozenset[str], options: BuildOptions, steps: guard.Steps
) -> Built | QuarantineEntry:
    """Everything computed from one article alone, but its story features (a batch)."""
    article = build_article(p, recurring, brands, steps)
    if isinstance(article, QuarantineEntry):
        return article
    doc = steps("analyse", of_article, article)  # segmented once; every later step reads it
    if options.extract:
        steps("extract", extract_article, article, True, doc)
    terms = steps("search index", index_terms, article, doc)
    signature = steps("copies", dedup.article_signature, article) if options.stories else None
    return Built(article, terms, signature, doc=doc)


def _featurize(built: list[Built], options: BuildOptions) -> list[Built | QuarantineEntry]:
    """Story features for the chunk's articles, the title embeddings in one batch. If the
    batch fails, each article is featurised alone and only the failing ones are quarantined."""
    try:
        return _featurize_batch(built, options)
    finally:
        for b in built:
            b.doc = None  # read; not worth sending back from a worker


def _featurize_batch(built: list[Built], options: BuildOptions) -> list[Built | QuarantineEntry]:
    if not options.stories or not built:
        return list(built)
    embedder = _embedder() if options.embed else None
    try:
        articles, docs = [b.article for b in built], [b.doc or of_article(b.article) for b in built]
        for b, f in zip(built, featurize(articles, embedder, docs), strict=True):
            b.features = f
        return list(built)
    except Exception as exc:  # fall back to one article at a time
        guard.report_traceback(exc)
    out: list[Built | QuarantineEntry] = []
    for b in built:
        feats = guard.run_steps(
            b.article.source, "features", partial(_featurize_alone, b, embedder),
            guard.document_budget(len(b.article.raw_text)),
        )  # fmt: skip
        if isinstance(feats, QuarantineEntry):
            out.append(feats)
        else:
            b.features = feats[0]
            out.append(b)
    return out


def _featurize_alone(b: Built, embedder: Embedder | None, steps: guard.Steps) -> list[ArticleFeatures]:
    return featurize([b.article], embedder, [b.doc] if b.doc else None)


def build_all(
    prepared: list[Prepared],
    recurring: dict[str, set[str]],
    brands: dict[str, frozenset[str]],
    options: BuildOptions,
) -> list[Built | QuarantineEntry]:
    """Clean and read each prepared document, with its site's recurring lines and
    dateline brands, and compute what the later stages need from the article alone.
    Each document's steps run under the runner's guard (`guard.run_steps`): a step that
    fails or runs over the time budget quarantines that document only."""
    results = [
        guard.run_steps(p.raw.source, "clean", partial(
            _build_one, p, recurring.get(p.raw.site_key, set()), brands.get(p.raw.site_key, frozenset()), options
        ), guard.document_budget(len(p.raw.body)))
        for p in prepared
    ]  # fmt: skip
    featured = iter(_featurize([r for r in results if isinstance(r, Built)], options))
    return [next(featured) if isinstance(r, Built) else r for r in results]


@dataclass
class _Chunk:
    prepared: list[Prepared]
    also_at: dict[str, list[str]]  # content id -> more sources of it in this chunk
    build: Pending[Built | QuarantineEntry]
    late_sources: list[tuple[str, str]]  # (content id, source) of articles the chunk before stores
    read_bytes: int = 0  # input bytes read for this chunk, reported to `on_bytes` once it is stored
    built: list[tuple[Built, Prepared]] = field(default_factory=list)
    write: ChunkWrite = field(default_factory=lambda: ChunkWrite(articles=[]))


def run(
    paths: Iterable[str],
    store: Store,
    *,
    max_bytes: int = ingest.DEFAULT_MAX_BYTES,
    on_item: Callable[[str, QuarantineEntry | None], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    labels: Mapping[str, str] | None = None,
    outlets: Mapping[str, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    stories: bool = True,
    embed: bool = True,
    extract: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    wait: float = INGEST_WAIT_SECONDS,
    clusterer: str = stages.DEFAULT_STORIES,
    copy_finder: str = stages.DEFAULT_COPIES,
) -> IngestReport:
    """Ingest everything under `paths` into `store`; with `stories`, also mark copies
    and assign stories (title embeddings unless `embed` is off) with the copy finder and
    the clusterer registered under those names (`stages.py`; an unknown name raises
    `stages.UnknownStage` before anything is read); with `extract`, find
    entities, quotes, claims and figures. With `workers` > 1 (or a Dask `scheduler`
    address) the per-article work runs on a Dask cluster; what is stored is the same.
    Runs on one store take turns: this waits up to `wait` seconds for another to finish
    (`StoreBusy` after that). `on_bytes` is told how many input bytes each read consumed.
    `labels` maps an input path to the name its documents are stored and reported under
    (a web upload is spooled under a generated name; the client's file name is the label).
    `outlets` maps an input file to the outlet every article read from it belongs to, whatever
    its URL or page says (`kabar fetch`: the source that fetched the pages)."""
    make_stories, make_copies = stages.CLUSTERERS.get(clusterer), stages.COPY_FINDERS.get(copy_finder)
    with store.ingest_lock(wait), open_pool(workers, scheduler) as pool:
        run = _Run(store, pool, BuildOptions(extract, stories, embed), on_item, on_bytes, labels, outlets,
                   make_stories, make_copies)  # fmt: skip
        return run.ingest(paths, max_bytes, chunk_size)


class _Run:
    """One ingest run: chunk k+1 is cleaned and featurised (in the pool) while chunk k
    goes through the ordered stages (copies, stories, the store) here."""

    def __init__(
        self,
        store: Store,
        pool: Pool,
        options: BuildOptions,
        on_item: Callable[[str, QuarantineEntry | None], None] | None,
        on_bytes: Callable[[int], None] | None = None,
        labels: Mapping[str, str] | None = None,
        outlets: Mapping[str, str] | None = None,
        make_stories: Callable[[Store], stages.Clusterer] | None = None,
        make_copies: Callable[[Store], stages.CopyFinder] | None = None,
    ) -> None:
        self.store = store
        # The ordered stages are made from the store by these, at the start and after a failure.
        self.make_stories = make_stories or stages.CLUSTERERS.get(stages.DEFAULT_STORIES)
        self.make_copies = make_copies or stages.COPY_FINDERS.get(stages.DEFAULT_COPIES)
        self.on_bytes = on_bytes
        self.read_bytes = 0  # input bytes read since the last chunk was started
        self.outlet_names: dict[str, str | None] = {}  # a name, domain or URL -> its canonical outlet
        self.labels = labels or {}
        self.file_outlets = outlets or {}
        self.pool = pool
        self.options = options
        self.on_item = on_item
        self.report = IngestReport()
        self.evidence = LineEvidence(store)
        self.stories, self.copies = self._ordered_stages()

    def ingest(self, paths: Iterable[str], max_bytes: int, chunk_size: int) -> IngestReport:
        pending: _Chunk | None = None
        for raws in _batches(self._documents(paths, max_bytes), chunk_size):
            if pending is not None:
                self._settle(pending)
            started = self._start(raws, pending)
            if pending is not None:
                self._commit(pending)
                self._stored_bytes(pending.read_bytes)
            for content_id, source in started.late_sources:
                self.store.add_source(content_id, source)
            pending = started
        if pending is not None:
            self._settle(pending)
            self._commit(pending)
            self._stored_bytes(pending.read_bytes)
        self._stored_bytes(self.read_bytes)  # what was read after the last document
        return self.report

    def _canonical_outlets(self, articles: list[Article]) -> None:
        """An outlet the store's sources know by another of its names (a domain, an alias,
        a brand) takes its canonical name; one without any takes the outlet its URL's
        domain names. Looked up once per name and run. An article of a file `outlets` names
        takes that outlet."""
        for a in articles:
            if self.file_outlets and (fixed := self.file_outlets.get(a.source.rsplit("#", 1)[0])):
                a.outlet = fixed
                continue
            for ref in (a.outlet, meta.outlet_from_url(a.url)):  # never raises, even on "http://[x]/"
                if not ref:
                    continue
                if ref not in self.outlet_names:
                    self.outlet_names[ref] = self.store.outlet_for(ref)
                if (canonical := self.outlet_names[ref]) is not None:
                    a.outlet = canonical
                    break

    def _read(self, n: int) -> None:
        self.read_bytes += n

    def _stored_bytes(self, n: int) -> None:
        """Progress counts input as done once its chunk is stored, not when it was read:
        the reader runs a chunk or two ahead, and a bar by reads sat full while they ran."""
        if self.on_bytes is not None and n:
            self.on_bytes(n)

    def _commit(self, chunk: _Chunk) -> None:
        """The ordered stages and the store write for a settled chunk.

        If they fail, the in-memory state (copy window, active stories, line evidence) is
        read back from the store, which holds only whole chunks; the articles the failure
        comes from are found by bisection (trials that store nothing); they are quarantined
        with the stage, and the rest of the chunk is committed as one chunk again, so its
        stories are those of a run without the culprits. Should that fail too, the articles
        are committed one at a time. A failure that every article meets (the store itself
        is broken) is raised."""
        try:
            _commit_chunk(self.store, chunk, self.stories, self.copies, self.evidence)
            return
        except OrderedStageError as exc:
            guard.report_traceback(exc.error)
            first = exc
        culprits = self._culprits(chunk.built) if first.stage != "store write" else {}
        for built, _ in chunk.built:
            if built.article.id in culprits:
                self.report.stored -= 1
                stage, error = culprits[built.article.id]
                self._quarantine(guard.failure(built.article.source, stage, error))
        kept = [(b, p) for b, p in chunk.built if b.article.id not in culprits]
        try:
            self._commit_alone(kept)
            return
        except OrderedStageError as exc:
            if not kept:  # nothing of the chunk is left, and still its commit fails
                raise exc.error from exc
        stored_any = False
        failed: list[tuple[str, OrderedStageError]] = []
        for one in kept:
            try:
                self._commit_alone([one])
                stored_any = True
            except OrderedStageError as exc:
                failed.append((one[0].article.source, exc))
        if failed and not stored_any and all(f.stage == "store write" for _, f in failed):
            raise failed[0][1].error  # no article can be stored: the store is at fault, not them
        for source, f in failed:
            self.report.stored -= 1
            self._quarantine(guard.failure(source, f.stage, f.error))

    def _culprits(self, built: list[tuple[Built, Prepared]]) -> dict[str, tuple[str, Exception]]:
        """The articles the ordered stages fail on, by bisection: each trial runs a part of
        the chunk from the state in the store and stores nothing."""
        self._reload()
        try:
            _commit_chunk(self.store, self._rechunk(built), self.stories, self.copies, None)
            return {}
        except OrderedStageError as exc:
            if len(built) == 1:
                return {built[0][0].article.id: (exc.stage, exc.error)}
        half = len(built) // 2
        return self._culprits(built[:half]) | self._culprits(built[half:])

    def _commit_alone(self, built: list[tuple[Built, Prepared]]) -> None:
        """Commit these articles as a chunk of their own, from the state in the store."""
        self._reload()
        try:
            _commit_chunk(self.store, self._rechunk(built), self.stories, self.copies, self.evidence)
        except OrderedStageError:
            self._reload()
            raise

    def _rechunk(self, built: list[tuple[Built, Prepared]]) -> _Chunk:
        """A chunk of these settled articles, with what an earlier attempt set on them undone."""
        for b, _ in built:
            b.article.story = b.article.duplicate_of = b.article.duplicate_similarity = None
        chunk = _Chunk([p for _, p in built], {}, Done([]), [], built=list(built))
        chunk.write = ChunkWrite(articles=[b.article for b, _ in built])
        self.evidence.add(_line_counts([(b.article, p) for b, p in built]), chunk.write)
        return chunk

    def _reload(self) -> None:
        """Forget the ordered stages' memory; the next chunk reads it back from the store."""
        self.evidence = LineEvidence(self.store)
        self.stories, self.copies = self._ordered_stages()

    def _ordered_stages(self) -> tuple[stages.Clusterer | None, stages.CopyFinder | None]:
        """The chosen clusterer and copy finder, new from the store (none without stories)."""
        if not self.options.stories:
            return None, None
        return self.make_stories(self.store), self.make_copies(self.store)

    def _documents(self, paths: Iterable[str], max_bytes: int) -> Iterator[RawDocument]:
        for found in ingest.discover(paths):
            if isinstance(found, QuarantineEntry):
                self.report.seen += 1
                self._quarantine(found)
                continue
            reader = ingest.read(found, max_bytes, self._read)
            while True:
                try:
                    item = next(reader)
                except StopIteration:
                    break
                except Exception as exc:  # a reader's bug costs the rest of that file only
                    self.report.seen += 1
                    self._quarantine(guard.failure(self.labels.get(found, found), "read", exc))
                    break
                if found in self.labels and item.source.startswith(found):
                    item = replace(item, source=self.labels[found] + item.source[len(found) :])
                if isinstance(item, QuarantineEntry):
                    self.report.seen += 1
                    self._quarantine(item)
                else:
                    yield item

    def _quarantine(self, entry: QuarantineEntry) -> None:
        self.report.quarantined.append(entry)
        self.store.add_quarantine(entry)
        if self.on_item:
            self.on_item(entry.source, entry)

    def _start(self, chunk: list[RawDocument], before: _Chunk | None) -> _Chunk:
        """Set aside documents already stored (or stored by the chunk `before`, which is
        settled but not yet written), prepare the rest, and submit their building."""
        self.report.seen += len(chunk)
        known = self.store.existing_ids([r.content_id for r in chunk])
        in_flight = {b.article.id for b, _ in before.built} if before else set()
        fresh: list[RawDocument] = []
        also_at: dict[str, list[str]] = defaultdict(list)
        late: list[tuple[str, str]] = []
        for raw in chunk:
            if raw.content_id in known:
                self.report.already += 1
                self.store.add_source(raw.content_id, raw.source)
            elif raw.content_id in in_flight:
                self.report.already += 1
                late.append((raw.content_id, raw.source))
            elif raw.content_id in also_at:
                self.report.already += 1
                also_at[raw.content_id].append(raw.source)
            else:
                also_at[raw.content_id] = []
                fresh.append(raw)
                continue
            if self.on_item:
                self.on_item(raw.source, None)
        prepared: list[Prepared] = []
        for p in self.pool.submit(prepare_all, fresh).result():
            if isinstance(p, QuarantineEntry):
                self._quarantine(p)
            else:
                prepared.append(p)
        recurring, brands = _recurring(prepared, self.evidence)
        build = self.pool.submit(build_all, prepared, recurring, brands, self.options)
        read_bytes, self.read_bytes = self.read_bytes, 0
        return _Chunk(prepared, also_at, build, late, read_bytes)

    def _settle(self, chunk: _Chunk) -> None:
        """Take the chunk's built articles and count its lines into the evidence."""
        for built, p in zip(chunk.build.result(), chunk.prepared, strict=True):
            if isinstance(built, QuarantineEntry):
                self._quarantine(built)
                continue
            built.article.sources.extend(chunk.also_at[built.article.id])
            chunk.built.append((built, p))
            if self.on_item:
                self.on_item(p.raw.source, None)
        articles = [(b.article, p) for b, p in chunk.built]
        _infer_site_outlets(articles, self.evidence)
        self._canonical_outlets([a for a, _ in articles])
        chunk.write = ChunkWrite(articles=[a for a, _ in articles])
        self.evidence.add(_line_counts(articles), chunk.write)
        self.report.stored += len(articles)


def _line_counts(articles: list[tuple[Article, Prepared]]) -> dict[str, Counter[str]]:
    """Per site, the evidence keys of these articles (lines, dateline word, outlet)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for article, p in articles:
        counts[p.raw.site_key].update(_evidence_keys(p))
        if article.outlet and not article.outlet_from_folder:  # a folder's name is no evidence
            counts[p.raw.site_key][f"{_OUTLET}{article.outlet}"] += 1
    return counts


def _batches(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    batch: list[RawDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class OrderedStageError(Exception):
    """An ordered stage (copies, stories, the store write) failed for a chunk."""

    def __init__(self, stage: str, error: Exception) -> None:
        super().__init__(f"{stage}: {guard.one_line(error)}")
        self.stage = stage
        self.error = error


def _commit_chunk(
    store: Store,
    chunk: _Chunk,
    stage: stages.Clusterer | None,
    copy_stage: stages.CopyFinder | None,
    evidence: LineEvidence | None,
) -> None:
    """The ordered stages for one settled chunk: copies, stories, then one transaction
    (none without `evidence`: a trial run that stores nothing). Each stage hands back
    update records, folded here into the chunk's write."""
    write = chunk.write
    write.search_terms = {b.article.id: b.search_terms for b, _ in chunk.built}
    current = "copies"
    try:
        if stage is not None and copy_stage is not None:
            signatures = {b.article.id: b.signature for b, _ in chunk.built if b.signature is not None}
            copies = copy_stage.process(write.articles, NEW_ARTICLE_SEQ, signatures)
            write.minhashes = copies.minhashes
            write.paragraph_signatures = copies.paragraph_signatures
            write.syndications = copies.syndications
            write.duplicate_updates = copies.duplicate_updates
            current = "stories"
            updates = stages.StoryUpdates()
            stage.process(write.articles, [b.features for b, _ in chunk.built if b.features is not None], updates)
            updates.fold(write.articles, write)
        if evidence is None:
            return
        current = "store write"
        store.save_chunk(write)
    except Exception as exc:  # the runner isolates the article that caused it
        raise OrderedStageError(current, exc) from exc
    evidence.saved()
