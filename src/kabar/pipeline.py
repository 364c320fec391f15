"""The pipeline: raw documents in, clean articles stored.

Documents are processed in chunks. For each chunk the pipeline first gathers
corpus evidence (lines and dateline words that recur across one site's
articles, from the store plus the chunk), then builds each article, then stores
the chunk in one transaction, so a killed process leaves whole chunks or nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from kabar import clean as clean_stage
from kabar import dedup, ingest, meta
from kabar.extract import extract_article
from kabar.features import Embedder, featurize
from kabar.lang import LanguageData, get
from kabar.model import Article, ArticleFeatures, ChunkWrite, QuarantineEntry, RawDocument, Removal
from kabar.parallel import Pending, Pool, open_pool
from kabar.search import index_terms
from kabar.store import Store, line_hash
from kabar.stories import StoryStage
from kabar.text import collapse, key, split_sentences

CHUNK_SIZE = 256
# Articles of the chunk being stored come after every stored one in ingest order.
NEW_ARTICLE_SEQ = 1 << 62
MIN_BODY_CHARS = 40
ONE_LINE_ARTICLE_WORDS = 8
TITLE_FALLBACK_CHARS = 120
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
    seen: int = 0
    stored: int = 0
    already: int = 0
    quarantined: list[QuarantineEntry] = field(default_factory=list)


def prepare(raw: RawDocument) -> Prepared | QuarantineEntry:
    """Turn a raw document into numbered text lines plus what its header says."""
    url = raw.url
    html_published = html_site = None
    title_hint = raw.title
    if raw.format == "html":
        extracted = clean_stage.extract_html(raw.body, url)
        if extracted is None:
            return QuarantineEntry(raw.source, "no article text found in HTML")
        text, html_title, html_published, html_site, html_url = extracted
        title_hint = title_hint or html_title
        url = url or html_url
    else:
        text = raw.body
    lines = list(enumerate(text.split("\n")))
    header = meta.read_header(lines, title_hint)
    url = url or header.url
    body_lines = [(n, t) for n, t in lines if n not in header.consumed]
    line_keys = {key(t) for _, t in body_lines if t.strip()}
    dateline_word = next(
        (w for _, t in body_lines[:DATELINE_SCAN_LINES] if (w := meta.dateline_token(t.strip()))), None
    )
    return Prepared(raw, lines, header, url, html_published, html_site, line_keys - {""}, dateline_word)


def lead_title(lead: str, lang: LanguageData) -> str:
    """A title for an article that came without one: the lead's first sentence, cut at a
    word boundary to at most TITLE_FALLBACK_CHARS."""
    first = next(iter(split_sentences(lead, lang.abbreviations, lang.non_final_words)), lead).strip()
    if len(first) <= TITLE_FALLBACK_CHARS:
        return first
    return first[: TITLE_FALLBACK_CHARS + 1].rsplit(" ", 1)[0].rstrip(",;:–—- ") + " …"


def build_article(p: Prepared, recurring: set[str], brands: frozenset[str]) -> Article | QuarantineEntry:
    raw, header = p.raw, p.header
    removed = [Removal(collapse(t), why, n) for n, t in p.lines if (why := header.consumed.get(n))]
    body_lines = [(n, t) for n, t in p.lines if n not in header.consumed]
    body_sample = "\n".join(t for _, t in body_lines)
    language = raw.language if raw.language in ("id", "en", "ms") else meta.detect_language(body_sample)
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
    published = (
        meta.normalize_published(raw.published)
        or (header.published.iso() if header.published else None)
        or meta.normalize_published(p.html_published)
    )
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
        raw_text=raw.body,
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
    articles of that site (a scrape folder) overwhelmingly name one."""
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


_EMBEDDER: Embedder | None = None


def _embedder() -> Embedder:
    """One embedder per process (the model loads once, however many runs)."""
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = Embedder()
    return _EMBEDDER


def prepare_all(raws: list[RawDocument]) -> list[Prepared | QuarantineEntry]:
    return [prepare(raw) for raw in raws]


def build_all(
    prepared: list[Prepared],
    recurring: dict[str, set[str]],
    brands: dict[str, frozenset[str]],
    options: BuildOptions,
) -> list[Built | QuarantineEntry]:
    """Clean and read each prepared document, with its site's recurring lines and
    dateline brands, and compute what the later stages need from the article alone."""
    results: list[Article | QuarantineEntry] = []
    for p in prepared:
        site = p.raw.site_key
        built = build_article(p, recurring.get(site, set()), brands.get(site, frozenset()))
        if options.extract and isinstance(built, Article):
            extract_article(built)
        results.append(built)
    articles = [a for a in results if isinstance(a, Article)]
    feats = iter(featurize(articles, _embedder() if options.embed else None) if options.stories else [])
    return [
        Built(
            r, index_terms(r),
            dedup.article_signature(r) if options.stories else None,
            next(feats) if options.stories else None,
        )
        if isinstance(r, Article) else r
        for r in results
    ]  # fmt: skip


@dataclass
class _Chunk:
    prepared: list[Prepared]
    also_at: dict[str, list[str]]  # content id -> more sources of it in this chunk
    build: Pending[Built | QuarantineEntry]
    late_sources: list[tuple[str, str]]  # (content id, source) of articles the chunk before stores
    built: list[tuple[Built, Prepared]] = field(default_factory=list)
    write: ChunkWrite = field(default_factory=lambda: ChunkWrite(articles=[]))


def run(
    paths: Iterable[str],
    store: Store,
    *,
    max_bytes: int = ingest.DEFAULT_MAX_BYTES,
    on_item: Callable[[str, QuarantineEntry | None], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    stories: bool = True,
    embed: bool = True,
    extract: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    wait: float = INGEST_WAIT_SECONDS,
) -> IngestReport:
    """Ingest everything under `paths` into `store`; with `stories`, also mark copies
    and assign stories (title embeddings unless `embed` is off); with `extract`, find
    entities, quotes, claims and figures. With `workers` > 1 (or a Dask `scheduler`
    address) the per-article work runs on a Dask cluster; what is stored is the same.
    Runs on one store take turns: this waits up to `wait` seconds for another to finish
    (`StoreBusy` after that)."""
    with store.ingest_lock(wait), open_pool(workers, scheduler) as pool:
        return _Run(store, pool, BuildOptions(extract, stories, embed), on_item).ingest(paths, max_bytes, chunk_size)


class _Run:
    """One ingest run: chunk k+1 is cleaned and featurised (in the pool) while chunk k
    goes through the ordered stages (copies, stories, the store) here."""

    def __init__(
        self,
        store: Store,
        pool: Pool,
        options: BuildOptions,
        on_item: Callable[[str, QuarantineEntry | None], None] | None,
    ) -> None:
        self.store = store
        self.pool = pool
        self.options = options
        self.on_item = on_item
        self.report = IngestReport()
        self.evidence = LineEvidence(store)
        self.stories = StoryStage(store) if options.stories else None
        self.copies = dedup.CopyStage(store) if options.stories else None

    def ingest(self, paths: Iterable[str], max_bytes: int, chunk_size: int) -> IngestReport:
        pending: _Chunk | None = None
        for raws in _batches(self._documents(paths, max_bytes), chunk_size):
            if pending is not None:
                self._settle(pending)
            started = self._start(raws, pending)
            if pending is not None:
                _commit_chunk(self.store, pending, self.stories, self.copies, self.evidence)
            for content_id, source in started.late_sources:
                self.store.add_source(content_id, source)
            pending = started
        if pending is not None:
            self._settle(pending)
            _commit_chunk(self.store, pending, self.stories, self.copies, self.evidence)
        return self.report

    def _documents(self, paths: Iterable[str], max_bytes: int) -> Iterator[RawDocument]:
        for found in ingest.discover(paths):
            if isinstance(found, QuarantineEntry):
                self._quarantine(found)
                continue
            for item in ingest.read(found, max_bytes):
                if isinstance(item, QuarantineEntry):
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
        return _Chunk(prepared, also_at, build, late)

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
        line_counts: dict[str, Counter[str]] = defaultdict(Counter)
        for article, p in articles:
            line_counts[p.raw.site_key].update(_evidence_keys(p))
            if article.outlet:
                line_counts[p.raw.site_key][f"{_OUTLET}{article.outlet}"] += 1
        chunk.write = ChunkWrite(articles=[a for a, _ in articles])
        self.evidence.add(line_counts, chunk.write)
        self.report.stored += len(articles)


def _batches(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    batch: list[RawDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _commit_chunk(
    store: Store,
    chunk: _Chunk,
    stage: StoryStage | None,
    copy_stage: dedup.CopyStage | None,
    evidence: LineEvidence,
) -> None:
    """The ordered stages for one settled chunk: copies, stories, then one transaction."""
    write = chunk.write
    write.search_terms = {b.article.id: b.search_terms for b, _ in chunk.built}
    if stage is not None and copy_stage is not None:
        signatures = {b.article.id: b.signature for b, _ in chunk.built if b.signature is not None}
        copies = copy_stage.process(write.articles, NEW_ARTICLE_SEQ, signatures)
        write.minhashes = copies.minhashes
        write.paragraph_signatures = copies.paragraph_signatures
        write.syndications = copies.syndications
        write.duplicate_updates = copies.duplicate_updates
        stage.process(write.articles, [b.features for b, _ in chunk.built if b.features is not None], write)
    store.save_chunk(write)
    evidence.saved()
