"""The `kabar` command line."""

from __future__ import annotations

import errno
import json
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from kabar import __version__, guard, ingest, pipeline, stages
from kabar.brief import Brief
from kabar.export import DEFAULT_KINDS as DEFAULT_EXPORT_KINDS
from kabar.export import KINDS as EXPORT_KINDS
from kabar.export import ExportError, GraphFormat, Selection, TableFormat, quotes_by_speaker, story_brief, story_detail
from kabar.export import export as export_store
from kabar.model import (
    Article,
    Evidence,
    QuarantineEntry,
    Story,
    StoryFacts,
    StorySelection,
)
from kabar.safe import displayable
from kabar.sources import Source
from kabar.store import Store, open_store

# Emoji codes off: ":flag_id:" in an article is text, not a picture.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)
EXIT_QUARANTINED = 3
EXIT_USAGE = 2


class _Guarded(TyperGroup):
    """Runs a command so that an unexpected failure is one line on stderr and exit 1; its
    traceback only with `kabar --debug` (or KABAR_DEBUG=1)."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, EOFError):
            raise  # an exit code, a usage error or ^D: typer reports them itself
        except Exception as exc:
            if guard.debug_enabled() or (isinstance(exc, OSError) and exc.errno == errno.EPIPE):
                raise  # click quiets a closed pipe (`kabar articles | head`)
            err.print(
                f"kabar: error: {displayable(guard.one_line(exc))} (run with --debug for the traceback)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    name="kabar",
    help="Turn piles of news articles from many outlets into clean, dated, attributed stories.",
    no_args_is_help=True,
    add_completion=False,
    cls=_Guarded,
    pretty_exceptions_show_locals=False,  # locals hold article text
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kabar {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an unexpected error or a quarantined failure.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print kabar's version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    if debug:
        guard.set_debug(True)


StoriesOption = Annotated[
    str, typer.Option("--stories", help="The story clusterer, by its registered name (kabar/stages.py).")
]
CopiesOption = Annotated[
    str, typer.Option("--copies", help="The copy finder, by its registered name (kabar/stages.py).")
]


def _check_stages(clusterer: str, copy_finder: str) -> None:
    """Exit 2, naming the known ones, when no module registered these names."""
    try:
        stages.CLUSTERERS.get(clusterer)
        stages.COPY_FINDERS.get(copy_finder)
    except stages.UnknownStage as exc:
        _fail(str(exc))


DbOption = Annotated[
    str,
    typer.Option("--db", envvar="KABAR_DB", help="SQLite file or postgresql:// URL (ingest creates a new file)."),
]
# No progress bar below this many input bytes: the demo's 42 articles (106 KB) take 1.6 s
# once the models are loaded, so a smaller input is done before a bar says anything.
PROGRESS_MIN_BYTES = 250_000


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr, and exit `code`."""
    err.print(f"kabar: {displayable(message)}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _is_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def _existing(db: str) -> None:
    """Exit 2 unless `db` is a PostgreSQL URL or a SQLite file that is there: a read on a
    mistyped path must not create an empty store and answer "0 articles"."""
    if not _is_url(db):
        path = Path(db)
        if path.is_dir():
            _fail(f"{db} is a folder, not a store")
        if not path.exists():
            _fail(f"no store at {db}; run `kabar ingest` first")


def _open(db: str) -> Store:
    """An existing store (see `_existing`)."""
    _existing(db)
    return open_store(db)


def _open_new(db: str) -> Store:
    """A store to write into, created if it is not there (its folder must be)."""
    if not _is_url(db):
        path = Path(db)
        if path.is_dir():
            _fail(f"{db} is a folder, not a store")
        if not path.parent.is_dir():
            _fail(f"no folder {path.parent} for the store {db}")
    return open_store(db)


def _say(text: str | None, limit: int | None = None, empty: str = "—") -> str:
    """Stored text inside a Rich markup string: controls and bidi marks out, brackets escaped."""
    return escape(displayable(text or empty)[:limit])


def _cell(text: str | None, limit: int | None = None, empty: str = "—") -> Text:
    """Stored text as a table cell, never read as markup."""
    return Text(displayable(text or empty)[:limit])


# A listing's columns by kind: an id or a date is never cut or wrapped (it must be
# copyable); a count is right-aligned; text gives way first, cut on one line with "…".
_KEY, _COUNT, _TEXT = "key", "count", "text"
# Below this terminal width the `optional` columns of a listing are left out, so that at
# 80 columns the ids, the dates and some of the title still fit.
WIDE_LISTING = 120
LISTING_TEXT = 16  # characters of a text column that is not the last (an outlet's name)


def _listing(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Mapping[str, str | Text | None]],
    optional: Sequence[str] = (),
    title: str | None = None,
) -> Table:
    """A compact table of `(header, kind)` columns over `rows` (cells by header), the
    `optional` columns only on a wide terminal. Ids, dates and counts keep their full
    width; a text column takes at most `LISTING_TEXT` characters, and the last one what
    is left of the terminal, each cut on one line with "…"."""
    shown = [(h, k) for h, k in columns if h not in optional or console.width >= WIDE_LISTING]
    longest = {h: max([len(h), *(len(str(r.get(h) or "")) for r in rows)]) for h, _ in shown}
    widths = {h: longest[h] if k != _TEXT else min(longest[h], LISTING_TEXT) for h, k in shown[:-1]}
    last = shown[-1][0]
    # Columns are three spaces apart (rich's padding and separator, no outer edge).
    widths[last] = max(LISTING_TEXT, console.width - 1 - sum(widths.values()) - 3 * (len(shown) - 1))
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for header, kind in shown:
        table.add_column(header, width=widths[header], no_wrap=True, overflow="ellipsis",
                         justify="right" if kind == _COUNT else "left")  # fmt: skip
    for r in rows:
        table.add_row(*(r.get(h) for h, _ in shown))
    return table


def _plain(text: str) -> None:
    """A line of stored text, printed as it is (no markup) once made displayable."""
    console.print(displayable(text), markup=False, highlight=False)


def _json(value: Any, indent: int | None = None) -> str:
    """JSON whose strings keep their data, with C1 controls and bidi marks written as \\u
    escapes (json.dumps escapes C0 itself), so none reaches a terminal raw."""
    out = json.dumps(value, ensure_ascii=False, indent=indent)
    hidden = {ord(ch): f"\\u{ord(ch):04x}" for ch in set(out) if not displayable(ch)}
    return out.translate(hidden) if hidden else out


def _ingest(
    paths: list[str],
    store: Store,
    quiet: bool,
    max_bytes: int,
    embed: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    wait: float = pipeline.INGEST_WAIT_SECONDS,
    clusterer: str = stages.DEFAULT_STORIES,
    copy_finder: str = stages.DEFAULT_COPIES,
) -> pipeline.IngestReport:
    total = ingest.input_bytes(paths)
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
        console=err, disable=quiet or total < PROGRESS_MIN_BYTES, transient=True,
    )  # fmt: skip

    def on_item(source: str, problem: QuarantineEntry | None) -> None:
        if problem is not None:
            # One unwrapped line per problem, so scripts can grep it.
            err.print(
                f"quarantined: {displayable(problem.message())}",
                style="yellow",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    with progress:
        task = progress.add_task("ingest", total=total)
        return pipeline.run(
            paths, store, max_bytes=max_bytes, on_item=on_item, embed=embed, workers=workers, scheduler=scheduler,
            wait=wait, on_bytes=lambda n: progress.advance(task, n), clusterer=clusterer, copy_finder=copy_finder,
        )  # fmt: skip


def _quarantine_summary(entries: Sequence[QuarantineEntry]) -> str:
    """The summary's quarantine part: how many, and how many for each reason, most first
    ("12 quarantined: 7 no body text after cleaning, 3 failed in extract, 2 broken JSON line")."""
    if not entries:
        return "0 quarantined"
    reasons = Counter(e.reason for e in entries).most_common()
    return f"{len(entries)} quarantined: " + ", ".join(f"{n} {displayable(reason)}" for reason, n in reasons)


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (recursive).")],
    db: DbOption = "kabar.db",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    max_bytes: Annotated[
        int, typer.Option(help="Quarantine a document (a text or HTML file, a JSONL line, a WARC record) over this.")
    ] = ingest.DEFAULT_MAX_BYTES,
    embed: Annotated[
        bool, typer.Option(help="Compare titles by multilingual embeddings (about 1 ms per article).")
    ] = True,
    workers: Annotated[int, typer.Option(help="Clean, extract and embed articles in this many worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Do that on the Dask cluster at this scheduler address (tcp://host:8786).")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another ingest into the same store to finish.")
    ] = pipeline.INGEST_WAIT_SECONDS,
    clusterer: StoriesOption = stages.DEFAULT_STORIES,
    copy_finder: CopiesOption = stages.DEFAULT_COPIES,
) -> None:
    """Ingest articles: .txt, .html, .jsonl, .warc, and .gz of any of them.

    Exit code 0 when everything was stored, 3 when something was quarantined, 2 when a
    path does not exist (nothing is stored then), --stories or --copies names no
    registered stage, the store's folder is missing, the
    Dask scheduler cannot be reached or has no worker, or another ingest kept the store
    busy for longer than --wait.
    """
    from kabar.parallel import PoolError
    from kabar.store import StoreBusy

    if workers < 1:
        raise typer.BadParameter("--workers must be at least 1")
    _check_stages(clusterer, copy_finder)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        _fail(f"ingest: no such file or folder: {', '.join(missing)}")
    with _open_new(db) as store:
        try:
            report = _ingest(paths, store, quiet, max_bytes, embed, workers, scheduler, wait, clusterer, copy_finder)
        except (PoolError, StoreBusy) as exc:
            err.print(f"kabar ingest: {displayable(str(exc))}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        if not quiet:
            console.print(
                f"{report.seen} documents: {report.stored} stored, {report.already} already in the store, "
                f"{_quarantine_summary(report.quarantined)}",
                markup=False,
                highlight=False,
                soft_wrap=True,  # one line, for scripts
            )
        if report.stored and store.alerts():
            _check_alerts(store, quiet)
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


def _alert_lines(notifications: int, delivered: Any) -> list[str]:
    """What a check of the alerts did (`delivered`: an `alerts.DeliveryReport`, or None)."""
    lines = [f"{notifications} new alert notifications"] if notifications else []
    if delivered is not None and (delivered.delivered or delivered.failed or delivered.given_up):
        lines.append(f"webhooks: {delivered.delivered} delivered, {delivered.failed} to retry, "
                     f"{delivered.given_up} given up")  # fmt: skip
    return lines


def _check_alerts(store: Store, quiet: bool) -> None:
    """Check the alerts after an ingest and post their webhooks (as a fetch pass does)."""
    from kabar import alerts

    new = alerts.check(store)
    delivered = alerts.deliver(store)
    if not quiet:
        for line in _alert_lines(len(new), delivered):
            console.print(line, markup=False, highlight=False, soft_wrap=True)


WarcOption = Annotated[
    Path | None,
    typer.Option("--warc", help="Keep fetched pages in WARC files here (default: warc/ beside the store)."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No per-source lines or summary.")]
EmbedOption = Annotated[
    bool, typer.Option(help="Compare titles by multilingual embeddings (about 1 ms per article).")
]
WaitOption = Annotated[
    float, typer.Option(help="Seconds to wait for another ingest into the same store to finish.")
]
MinIntervalOption = Annotated[
    float, typer.Option(help="Seconds between requests to one host (a robots.txt Crawl-delay can ask for more).")
]
UserAgentOption = Annotated[
    str, typer.Option("--user-agent", help="The agent name sites and their robots.txt rules see.")
]
ContactOption = Annotated[
    str | None, typer.Option("--contact", help="A URL or mailto: sites can reach you at, added to the user agent.")
]


def _print_pass(report: Any, quiet: bool) -> None:
    """The summary of one fetch pass (kabar.monitor.PassReport)."""
    if quiet:
        return
    ing = report.ingest
    lines = []
    if report.recovered:
        lines.append(f"{report.recovered} pages of an interrupted pass recovered from their WARC files")
    if ing is not None:
        lines.append(f"{ing.seen} documents: {ing.stored} stored, {ing.already} already in the store, "
                     f"{_quarantine_summary(ing.quarantined)}")  # fmt: skip
    elif report.ingest_busy:
        lines.append(f"not ingested yet ({report.ingest_busy}); the next pass ingests it")
    else:
        lines.append("nothing new to ingest")
    lines += _alert_lines(len(report.notifications), report.deliveries)
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _follow(
    db: str, warc: Path | None, quiet: bool, embed: bool, wait: float, fetcher: dict[str, Any],
    cycles: int | None, interval: float | None, watch: bool,
) -> None:  # fmt: skip
    """`kabar fetch` (one pass) and `kabar watch` (passes as sources fall due)."""
    import signal

    from kabar import monitor
    from kabar.store import StoreBusy

    command = "watch" if watch else "fetch"
    with _open(db) as store:
        if not store.outlet_sources():
            _fail(f"no sources in {db}; add one with `kabar sources add URL`")
        folder = warc if warc is not None else (Path("warc") if _is_url(db) else Path(db).parent / "warc")

        def on_source(done: monitor.SourcePass) -> None:
            if quiet:
                return
            failed = sum(done.failed.values())
            reasons = ", ".join(f"{n} {r}" for r, n in done.failed.most_common())
            lists = ", ".join(f"{n} {r}" for r, n in done.lists_failed.most_common())
            console.print(
                f"{done.name}: {done.feeds_read} feeds/sitemaps read, {done.feeds_unchanged} unchanged"
                + (f", {sum(done.lists_failed.values())} unreadable ({lists})" if lists else "")
                + f"; {done.new_urls} new URLs"
                + (f", {done.retried} retried" if done.retried else "")
                + f", {done.fetched} fetched, {failed} failed"
                + (f" ({reasons})" if reasons else ""),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

        options: dict[str, Any] = {"embed": embed, "wait": wait}
        if interval is not None:
            options["interval"] = interval
        try:
            with store.monitor_lock(0.0), monitor.Monitor(store, folder, fetcher_options=fetcher, **options) as m:
                if not watch:
                    _print_pass(m.run_pass(on_source=on_source), quiet)
                    return

                def stop(signum: int, frame: object) -> None:
                    m.stop.set()

                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, stop)

                def on_pass(report: monitor.PassReport) -> None:
                    if not quiet:
                        console.print(f"pass at {_now_local()}", markup=False, highlight=False)
                    _print_pass(report, quiet)

                def on_error(exc: BaseException) -> None:
                    guard.report_traceback(exc)
                    err.print(f"kabar watch: a pass failed ({displayable(guard.one_line(exc))}); trying again",
                              markup=False, highlight=False, soft_wrap=True)  # fmt: skip

                m.follow(cycles, on_pass=on_pass, on_source=on_source, on_error=on_error)
        except StoreBusy as exc:
            err.print(f"kabar {command}: {displayable(str(exc))}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc


def _now_local() -> str:
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="seconds")


@app.command("fetch")
def fetch_cmd(
    db: DbOption = "kabar.db",
    warc: WarcOption = None,
    quiet: QuietOption = False,
    embed: EmbedOption = True,
    wait: WaitOption = pipeline.INGEST_WAIT_SECONDS,
    min_interval: MinIntervalOption = 2.0,
    user_agent: UserAgentOption = "kabar/0.1",
    contact: ContactOption = None,
) -> None:
    """One pass over every followed source: read its feeds and sitemaps, fetch the articles
    not seen before and earlier failures due a retry (kept in WARC files), ingest them with
    the source's outlet name, then check the alerts and post their webhooks. For cron.

    Exit code 0 after a pass, even when pages failed (they are recorded with their reason);
    2 when the store is missing, follows no source, another fetch or watch is running on it,
    or another ingest kept it busy for longer than --wait.
    """
    fetcher = {"min_interval": min_interval, "user_agent": user_agent, "contact": contact}
    _follow(db, warc, quiet, embed, wait, fetcher, cycles=None, interval=None, watch=False)


@app.command("watch")
def watch_cmd(
    db: DbOption = "kabar.db",
    interval: Annotated[
        float, typer.Option(min=1.0, help="Seconds between two reads of a source (a source's own interval wins).")
    ] = 900.0,
    cycles: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many passes (default: run until stopped).")
    ] = None,
    warc: WarcOption = None,
    quiet: QuietOption = False,
    embed: EmbedOption = True,
    wait: WaitOption = pipeline.INGEST_WAIT_SECONDS,
    min_interval: MinIntervalOption = 2.0,
    user_agent: UserAgentOption = "kabar/0.1",
    contact: ContactOption = None,
) -> None:
    """Follow the sources until stopped: a pass whenever a source falls due (every
    --interval seconds), as `kabar fetch` does one. SIGTERM or Ctrl-C stops it after the
    page being fetched; what was fetched is ingested by the next start if not before. A
    `kill -9` loses nothing and fetches nothing twice (the WARC files are the journal).

    Exit code 0 when stopped or after --cycles passes; 2 as for `kabar fetch`.
    """
    fetcher = {"min_interval": min_interval, "user_agent": user_agent, "contact": contact}
    _follow(db, warc, quiet, embed, wait, fetcher, cycles=cycles, interval=interval, watch=True)


@app.command("articles")
def articles_cmd(
    db: DbOption = "kabar.db",
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines for scripts.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
) -> None:
    """List stored articles."""
    with _open(db) as store:
        rows = [a for _, a in zip(range(limit), store.iter_articles(), strict=False)]
    if as_json:
        for a in rows:
            typer.echo(_json(a.to_record()))
        return
    cells = [{"id": _cell(a.id), "published": _cell((a.published or "")[:16] or None), "outlet": _cell(a.outlet, 30),
              "lang": _cell(a.language), "title": _cell(a.title)} for a in rows]  # fmt: skip
    table = _listing([("id", _KEY), ("published", _KEY), ("lang", _KEY), ("outlet", _TEXT), ("title", _TEXT)], cells)
    console.print(table)


class StorySort(StrEnum):
    recent = "recent"
    largest = "largest"


@app.command("stories")
def stories_cmd(
    db: DbOption = "kabar.db",
    since: Annotated[str | None, typer.Option(help="Only stories last updated on or after this date.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only stories this outlet reported.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only stories with articles in this language.")] = None,
    storyline: Annotated[
        str | None, typer.Option(help="Only the stories of this storyline (its id, or any of its stories' ids).")
    ] = None,
    sort: Annotated[
        StorySort, typer.Option(help="recent: the latest day first, then the largest; largest: most articles first.")
    ] = StorySort.recent,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines for scripts.")] = False,
) -> None:
    """Stories, most recent and largest first (or largest first, with --sort largest);
    with --storyline, one matter's stories."""
    with _open(db) as store:
        if storyline and (member := store.get_story(storyline)) is not None:
            storyline = member.storyline
        rows, _ = store.list_stories(StorySelection(since, outlet, lang, storyline, sort.value, limit=limit))
    if as_json:
        for story in rows:
            typer.echo(_json(story.to_record()))
        return
    console.print(_stories_table(rows))


def _stories_table(rows: Sequence[Story], title: str | None = None) -> Table:
    cells: list[Mapping[str, str | Text | None]] = [
        {"story": _cell(st.id), "articles": str(len(st.articles)), "outlets": str(len(st.outlets)),
         "lang": _cell(",".join(st.languages)), "first": _cell(st.first_published, 10),
         "last": _cell(st.last_published, 10), "storyline": _cell(st.storyline), "title": _cell(st.title)}
        for st in rows
    ]  # fmt: skip
    return _listing(
        [("story", _KEY), ("first", _KEY), ("last", _KEY), ("articles", _COUNT), ("outlets", _COUNT),
         ("lang", _KEY), ("storyline", _KEY), ("title", _TEXT)],
        cells, optional=("first", "outlets", "storyline"), title=title,
    )  # fmt: skip


@app.command("storylines")
def storylines_cmd(
    db: DbOption = "kabar.db",
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines for scripts.")] = False,
) -> None:
    """Storylines: matters reported as more than one story over time, the most recently
    active first, each with its stories in order (the latest 50 of a larger one)."""
    with _open(db) as store:
        lines, total = store.list_storylines(limit)
    if as_json:
        for line in lines:
            typer.echo(_json(line.to_record()))
        return
    narrow = console.width < WIDE_LISTING
    cells: list[Mapping[str, str | Text | None]] = []
    for line in lines:
        if narrow:  # the storyline's id on a line of its own, above its stories
            cells.append({"first": Text("storyline", style="bold"), "story": Text(line.id, style="bold"),
                          "title": Text(f"{line.total} stories", style="bold")})  # fmt: skip
        for i, st in enumerate(line.stories):
            cells.append({"storyline": _cell(line.id) if i == 0 else "", "first": _cell(st.first_published, 10),
                          "last": _cell(st.last_published, 10), "story": _cell(st.id),
                          "articles": str(len(st.articles)), "title": _cell(st.title)})  # fmt: skip
        if line.total > len(line.stories):
            more = f"… and {line.total - len(line.stories)} earlier stories (kabar stories --storyline {line.id})"
            cells.append({"title": Text(more)})
    table = _listing(
        [("storyline", _KEY), ("first", _KEY), ("last", _KEY), ("story", _KEY), ("articles", _COUNT),
         ("title", _TEXT)],
        cells, optional=("storyline", "last"), title=f"{len(lines)} of {total} storylines with more than one story",
    )  # fmt: skip
    console.print(table)


def _show_story(store: Store, story: Story, as_json: bool, n_sentences: int = 5) -> None:
    from kabar.web.views import story_coverage

    detail = story_detail(store, story, n_sentences)
    coverage = story_coverage(store, story)
    if as_json:  # the record of GET /api/stories/{id}
        typer.echo(_json({**detail.to_record(), "coverage": coverage.to_record()}, indent=1))
        return
    console.print(f"[bold]{_say(story.title)}[/]", highlight=False)
    _plain(
        f"  story {story.id} · storyline {story.storyline} · {len(story.articles)} articles · "
        f"{len(story.outlets)} outlets · {', '.join(story.languages)} · "
        f"{(story.first_published or '—')[:16]} → {(story.last_published or '—')[:16]}"
    )
    cells: list[Mapping[str, str | Text | None]] = [
        {"article": _cell(a.id), "published": _cell((a.published or "")[:16] or None), "outlet": _cell(a.outlet, 30),
         "lang": _cell(a.language), "copy of": _cell(a.duplicate_of, empty=""),
         "shared ¶": str(detail.syndicated[a.id] or ""), "title": _cell(a.title)}
        for a in detail.articles
    ]  # fmt: skip
    table = _listing(
        [("article", _KEY), ("published", _KEY), ("outlet", _TEXT), ("lang", _KEY), ("copy of", _KEY),
         ("shared ¶", _COUNT), ("title", _TEXT)],
        cells, optional=("lang", "copy of", "shared ¶"),
    )  # fmt: skip
    console.print(table)
    if detail.articles_more:
        _plain(
            f"  and {detail.articles_more} more articles, not listed: the facts and brief below "
            f"are read from these {len(detail.articles)}"
        )
    console.print("\n[bold]Coverage[/] (outlets by their first report)")
    for o in coverage.outlets[:12]:
        first = o["first"] or {}
        n = f"{o['articles']} article" + ("s" if o["articles"] != 1 else "")
        copied = " · only copies" if o["only_copies"] else ""
        when = (first.get("published") or "—")[:16]
        _plain(f"  {when}  {o['name'] or '(no outlet)'}: {n}{copied}  ({first.get('id', '')})")
    if coverage.outlets_total > 12:
        _plain(f"  and {coverage.outlets_total - 12} more outlets")
    if detail.storyline:
        console.print("\n[bold]Same storyline[/]")
        for other in detail.storyline:
            _plain(f"  {(other.first_published or '—')[:10]}  {other.id}  {displayable(other.title)[:70]}")
    _print_brief(detail.brief)
    _print_facts(detail.facts)


def _print_brief(summary: Brief) -> None:
    console.print(f"\n[bold]Brief[/] ({_say(summary.language)})")
    for c in summary.sentences:
        sources = f" · {c.sources} sources" if c.sources > 1 else ""
        console.print(f"  {_say(c.text)} [dim]{_say(c.citation())}{sources}[/]", highlight=False)
    if summary.timeline:
        console.print("\n[bold]Timeline[/]")
        for e in summary.timeline:
            cites = _say(" ".join(c.citation() for c in e.evidence[:4]))
            console.print(f"  {_say(e.date)}  {_say(e.text, 150)} [dim]{cites}[/]", highlight=False)
    if summary.outlet_adds:
        console.print("\n[bold]What each outlet adds[/]")
        for outlet, cited in list(summary.outlet_adds.items())[:8]:
            for c in cited[:1]:
                line = f"  [cyan]{_say(outlet)}[/]: {_say(c.text, 150)} [dim]{_say(c.citation())}[/]"
                console.print(line, highlight=False)


def _cite(e: Evidence) -> str:
    return f"[{e.outlet or '?'}, {e.article[:10]}, ¶{e.paragraph + 1}]"


def _print_facts(found: StoryFacts) -> None:
    people = [e for e in found.entities if e["label"] == "PERSON"]
    others = [e for e in found.entities if e["label"] != "PERSON"]
    if people:
        console.print("\n[bold]People[/]  " + _say(", ".join(e["name"] for e in people[:12])), highlight=False)
    if others:
        named = ", ".join(f"{e['name']} ({e['label']})" for e in others[:12])
        console.print("[bold]Organisations and places[/]  " + _say(named), highlight=False)
    if found.quotes:
        console.print("\n[bold]Quotes by speaker[/]")
        for speaker, quotes in quotes_by_speaker(found.quotes, "(unattributed)"):
            console.print(f"  [cyan]{_say(speaker)}[/]", highlight=False)
            for q in quotes[:6]:
                mark = "“”" if q.kind == "direct" else "~"
                n = q.independent_sources
                cites = " ".join(_cite(e) for e in q.sources)
                many = "s" if n != 1 else ""
                _plain(f"    {mark} {displayable(q.content)[:160]}  ({n} independent source{many}: {cites})")
    if found.claims:
        console.print("\n[bold]Claims, accusations and denials[/]")
        for c in found.claims:
            _plain(f"  {c.kind:10} {c.holder or '(no holder)'}: {displayable(c.content)[:140]} {_cite(c.evidence)}")
            for d in c.denied_by:
                _plain(f"    denied: {displayable(d.text)[:140]} {_cite(d)}")
    if found.conflicts:
        console.print("\n[bold]Conflicting figures[/]")
        for k in found.conflicts:
            _plain(f"  {k.unit}: “{k.first_figure}” {_cite(k.first)} vs “{k.second_figure}” {_cite(k.second)}")


@app.command("entity")
def entity_cmd(
    name: Annotated[str, typer.Argument(help="An entity key (C:KP, vladimir putin) or a name in any language.")],
    db: DbOption = "kabar.db",
    as_json: Annotated[bool, typer.Option("--json", help="The same JSON as GET /api/entities/{key}.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many stories, quotes and claims.")] = 10,
) -> None:
    """One person, organisation or place: its names across languages, the stories and
    storylines it is in (newest first), its quotes and the claims by or about it, with
    citations, and the names it appears with. Exit 1 when no article names it."""
    from kabar.web.views import entity_detail

    with _open(db) as store:
        page = entity_detail(store, name)
    if page is None:
        _fail(f"entity: no article names {name}", code=1)
    if as_json:
        typer.echo(_json(page.to_record(), indent=1))
        return
    info = page.info
    console.print(f"[bold]{_say(page.name)}[/] ({_say(page.label or 'named')})", highlight=False)
    _plain(
        f"  key {page.key} · {info.articles} articles · quoted in {info.quoted_in} · in claims of "
        f"{info.claimed_in} · {(info.first_published or '—')[:10]} → {(info.last_published or '—')[:10]}"
    )
    names = "; ".join(f"{a['name']} ({', '.join(a['languages'])})" for a in page.aliases[:12])
    _plain(f"  names: {names}")
    if page.stories:
        cells: list[Mapping[str, str | Text | None]] = [
            {"story": _cell(s["id"]), "last": _cell(s["last"]), "mentions": str(s["mentions"]),
             "articles": str(s["articles"]), "title": _cell(s["title"])}
            for s in page.stories[:limit]
        ]  # fmt: skip
        columns = [("story", _KEY), ("last", _KEY), ("mentions", _COUNT), ("articles", _COUNT), ("title", _TEXT)]
        console.print(_listing(columns, cells, optional=("articles",), title="Stories, newest first"))
    if page.storylines:
        console.print("[bold]Storylines[/]")
        for line in page.storylines[:limit]:
            _plain(f"  {line.get('storyline') or line.get('id')}  {displayable(str(line.get('title', '')))[:70]}")
    if page.quotes:
        console.print("\n[bold]Quotes[/]")
        for q in page.quotes[:limit]:
            cites = " ".join(_cite(e) for e in q.sources[:4])
            _plain(f"  {'“”' if q.kind == 'direct' else '~'} {displayable(q.content)[:160]}  {cites}")
    if page.claims:
        console.print("\n[bold]Claims by or about it[/]")
        for c in page.claims[:limit]:
            _plain(f"  {c.kind:10} {c.holder or '(no holder)'}: {displayable(c.content)[:140]} {_cite(c.evidence)}")
    if page.cooccurring:
        together = ", ".join(f"{e['name']} ({e['articles']})" for e in page.cooccurring[:12])
        _plain(f"\n  named with: {together}")


@app.command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Story id, or article id, id prefix or source path.")],
    db: DbOption = "kabar.db",
    removed: Annotated[bool, typer.Option("--removed", help="Also list what the cleaner removed.")] = False,
    sentences: Annotated[int, typer.Option(help="Sentences in a story's brief.")] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a story (its articles, outlets, copies and dates) or one article (metadata,
    clean text and, with --removed, every removal with its reason)."""
    with _open(db) as store:
        story = store.get_story(ref) if ref.startswith("s") else None
        if story is not None:
            _show_story(store, story, as_json, sentences)
            return
        article = store.get_article(ref)
    if article is None:
        _fail(f"no article matches {ref!r}", 1)
    if as_json:
        typer.echo(_json(article.to_record(), indent=1))
        return
    console.print(f"[bold]{_say(article.title)}[/]", highlight=False)
    for label, value in [
        ("id", article.id), ("source", ", ".join(article.sources)), ("url", article.url),
        ("outlet", article.outlet), ("published", article.published), ("language", article.language),
        ("dateline", article.dateline),
    ]:  # fmt: skip
        console.print(f"  [dim]{label:10}[/] {_say(value)}", highlight=False)
    console.print()
    for paragraph in article.paragraphs:
        _plain(paragraph)
        console.print()
    if article.quotes:
        table = Table("kind", "speaker", "cue", "content", title="Quotes")
        for q in article.quotes:
            table.add_row(_cell(q.kind + (" (in clause)" if q.nested else "")), _cell(q.speaker), _cell(q.cue),
                          _cell(q.content, 100))  # fmt: skip
        console.print(table)
    if article.claims:
        table = Table("kind", "holder", "cue", "content", title="Claims")
        for c in article.claims:
            denies = f" → denies #{c.denies + 1}" if c.denies is not None else ""
            table.add_row(_cell(c.kind + denies), _cell(c.holder), _cell(c.cue), _cell(c.content, 100))
        console.print(table)
    if article.numbers:
        table = Table("figure", "low", "high", "counts", title="Figures")
        for n in article.numbers:
            table.add_row(_cell(n.text), f"{n.low:,.6g}", "—" if n.high is None else f"{n.high:,.6g}", _cell(n.unit))
        console.print(table)
    if removed:
        table = Table("line", "reason", "removed text", title="Removed")
        for r in article.removed:
            table.add_row(str(r.line + 1) if r.line >= 0 else "—", _cell(r.reason), _cell(r.text, 90))
        console.print(table)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find; each matches its stems in Indonesian and English.")],
    db: DbOption = "kabar.db",
    since: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (id, en).")] = None,
    entity: Annotated[str | None, typer.Option(help="Only articles naming this (any alias or language).")] = None,
    story: Annotated[str | None, typer.Option(help="Only this story.")] = None,
    limit: Annotated[int, typer.Option(help="Results per page.")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many results.")] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Full-text search over the stored articles, with snippets."""
    from kabar import search

    filters = search.Filters(since, until, outlet, lang, entity, story)
    with _open(db) as store:
        try:
            hits, total = search.run(store, query, filters, limit, offset)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        typer.echo(_json({"total": total, "offset": offset, "hits": [h.to_record() for h in hits]}))
        return
    _plain(f"{total} articles match {query!r}")
    for h in hits:
        console.print(f"\n[bold]{_say(h.title)}[/]  [dim]{_say(h.outlet, empty='?')} · {_say(h.published, 10)} · "
                      f"{_say(h.article, 10)} · story {_say(h.story, 10)}[/]", highlight=False)  # fmt: skip
        text = "".join(f"[reverse]{_say(t, empty='')}[/]" if m else _say(t, empty="") for t, m in h.snippet)
        console.print(f"  {text}", highlight=False)


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="A question, in Indonesian or English.")],
    db: DbOption = "kabar.db",
    story: Annotated[str | None, typer.Option(help="Only this story's articles.")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after (YYYY-MM-DD).")] = None,
    no_embed: Annotated[bool, typer.Option("--no-embed", help="Words only, no sentence embeddings.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Answer a question from the stored articles, with cited evidence, or abstain."""
    from kabar.ask import ask, group_evidence
    from kabar.features import Embedder
    from kabar.search import Filters

    with _open(db) as store:
        answer = ask(store, question, Filters(since=since, story=story), None if no_embed else Embedder())
    if as_json:
        typer.echo(_json(answer.to_record(), indent=1))
        return
    console.print(f"[bold]{_say(answer.answer)}[/]", highlight=False)
    with_stance = answer.sources_yes + answer.sources_no
    if answer.stance in ("yes", "no"):
        side = answer.sources_yes if answer.stance == "yes" else answer.sources_no
        _plain(f"  {answer.stance}: {side} of {with_stance} independent outlets with a stance")
    elif answer.abstained:
        detail = f" ({answer.sources_yes} for, {answer.sources_no} against)" if with_stance else ""
        _plain(f"  no answer: {answer.reason or 'no evidence'}{detail}")
    for label, items in group_evidence(answer.evidence).items():
        console.print(f"\n[bold]{_say(label)}[/]")
        for e in items:
            cite = f"[{e.outlet or '?'}, {e.article[:10]}, ¶{e.paragraph + 1}]"
            console.print(f"  {_say(e.text)} [dim]{_say(cite)}[/]", highlight=False)
    if answer.dates:
        console.print("\n[bold]dates[/] " + _say(", ".join(answer.dates)), highlight=False)


@app.command("extract")
def extract_cmd(db: DbOption = "kabar.db") -> None:
    """Run extraction again over every stored article (after an upgrade, or for a store
    made before extraction existed); entities, quotes, claims and figures are replaced."""
    from kabar.extract import extract_article

    done = 0
    with _open(db) as store:
        batch = []
        for article in store.iter_articles():
            batch.append(extract_article(article))
            if len(batch) >= pipeline.CHUNK_SIZE:
                store.update_extraction(batch)
                done += len(batch)
                batch = []
        store.update_extraction(batch)
        done += len(batch)
    console.print(f"{done} articles extracted again", highlight=False)


@app.command("serve")
def serve_cmd(
    db: DbOption = "kabar.db",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    config: Annotated[str | None, typer.Option(help="TOML config (token, closed_reads); default ./kabar.toml.")] = None,
    closed_reads: Annotated[bool, typer.Option("--closed-reads", help="Reads need the token too.")] = False,
) -> None:
    """Start the web UI and JSON API (OpenAPI at /openapi.json). Writes need KABAR_TOKEN."""
    import uvicorn

    from kabar.web import create_app, load_settings

    _existing(db)
    settings = load_settings(db, config, closed_reads or None)
    if not settings.token:
        err.print("no KABAR_TOKEN (or `token` in the config): POST /api/ingest is disabled", markup=False)
    _plain(f"kabar on http://{host}:{port}/  (store {db})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command("quarantine")
def quarantine_cmd(db: DbOption = "kabar.db", as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List inputs that were quarantined, and why."""
    with _open(db) as store:
        rows = store.quarantine()
    if as_json:
        typer.echo(_json(rows, indent=1))
        return
    table = Table("source", "reason", "detail")
    for r in rows:
        table.add_row(_cell(r["source"]), _cell(r["reason"]), _cell(r["detail"], empty=""))
    console.print(table)


@app.command("export")
def export_cmd(
    out: Annotated[str, typer.Option("--out", help="Folder to write the files into (one per kind).")],
    db: DbOption = "kabar.db",
    fmt: Annotated[TableFormat, typer.Option("--format", help="File format of every kind.")] = TableFormat.jsonl,
    what: Annotated[
        str | None,
        typer.Option(
            help=f"Kinds to export, comma-separated: {','.join(EXPORT_KINDS)}. Default: articles,stories "
            "(none with --graph)."
        ),
    ] = None,
    graph: Annotated[
        GraphFormat | None, typer.Option(help="Also write the entity co-occurrence graph (entities.graphml/.gexf).")
    ] = None,
    query: Annotated[str | None, typer.Option(help="Only articles matching this search (all its words).")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after (ISO date or time).")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published up to (2024-06 includes June).")] = None,
    story: Annotated[str | None, typer.Option(help="Only this story's articles (id, prefix or merged id).")] = None,
    storyline: Annotated[
        str | None, typer.Option(help="Only this storyline's articles (its id, or any of its stories' ids).")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet's articles (any case).")] = None,
    entity: Annotated[str | None, typer.Option(help="Only articles naming this entity (any alias).")] = None,
    lang: Annotated[str | None, typer.Option(help="Only articles in this language (id, en, ms).")] = None,
) -> None:
    """Export articles, stories, quotes, claims, entities and figures as JSON Lines, CSV or
    Parquet, and the entity graph as GraphML or GEXF (format: docs/export-format.md). The
    filters pick articles and all must hold; the other kinds come from those articles."""
    kinds = [k.strip() for k in what.split(",") if k.strip()] if what is not None else []
    if what is None and graph is None:
        kinds = list(DEFAULT_EXPORT_KINDS)
    selection = Selection(query=query, since=since, until=until, story=story, storyline=storyline, outlet=outlet,
                          entity=entity, language=lang)  # fmt: skip
    with _open(db) as store:
        try:
            counts = export_store(store, out, fmt.value, kinds, selection, graph.value if graph else None)
        except ExportError as exc:
            _fail(f"export: {exc}")
    parts = [f"{counts[k]} {k}" for k in kinds]
    if graph:
        parts.append(f"the entity graph ({counts['nodes']} entities, {counts['edges']} links)")
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    _plain(f"wrote {listed} to {out}")


def demo_corpus() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_demo", here.parent.parent / "examples" / "demo"):
        if candidate.is_dir():
            return candidate
    raise typer.BadParameter("the demo corpus is missing (examples/demo)")


@app.command("demo")
def demo_cmd(
    corpus: Annotated[str | None, typer.Option(help="Folder to use instead of the bundled demo corpus.")] = None,
    keep: Annotated[str | None, typer.Option(help="Keep the demo store at this path.")] = None,
) -> None:
    """Ingest the bundled demo corpus into a temporary store and show what kabar found."""
    folder = Path(corpus) if corpus else demo_corpus()
    if not folder.exists():
        _fail(f"demo: no such file or folder: {folder}")
    with tempfile.TemporaryDirectory() as tmp:
        db = keep or str(Path(tmp) / "demo.db")
        with _open_new(db) as store:
            report = _ingest([str(folder)], store, quiet=True, max_bytes=ingest.DEFAULT_MAX_BYTES)
            articles = list(store.iter_articles())
        console.rule(_say(f"kabar demo: {folder}"))
        _plain(f"{report.seen} documents, {report.stored} articles stored, {len(report.quarantined)} quarantined")
        table = Table("outlet", "articles", "languages", "dated", title="Outlets")
        by_outlet: dict[str, list[str]] = {}
        for a in articles:
            by_outlet.setdefault(a.outlet or "(unknown)", []).append(a.id)
        for outlet, ids in sorted(by_outlet.items(), key=lambda kv: -len(kv[1])):
            own = [a for a in articles if a.id in set(ids)]
            table.add_row(_cell(outlet), str(len(ids)), _cell(",".join(sorted({a.language for a in own}))),
                          str(sum(1 for a in own if a.published)))  # fmt: skip
        console.print(table)
        reasons = Counter(r.reason for a in articles for r in a.removed)
        table = Table("reason", "lines removed", title="What the cleaner removed")
        for reason, n in reasons.most_common():
            table.add_row(_cell(reason), str(n))
        console.print(table)
        with _open(db) as store:
            stories, _ = store.list_stories(StorySelection())
        by_id = {a.id: a for a in articles}
        console.print(_stories_table(stories, title="Stories"))
        copies = [a for a in articles if a.duplicate_of]
        for a in copies:
            original = by_id.get(a.duplicate_of or "")
            _plain(
                f"copy: {a.outlet or a.source} «{displayable(a.title)[:50]}» = "
                f"{original.outlet if original else a.duplicate_of} (similarity {a.duplicate_similarity})"
            )
        with _open(db) as store:
            top, _ = store.list_stories(StorySelection(sort="largest", limit=3))
            for st in top:
                console.rule(_say(st.title, 70))
                summary = story_brief(store, st, 4)
                _print_brief(summary)
        if keep:
            _plain(f"\nstore kept at {keep}: try `kabar show --db {keep} <id> --removed`")
            _plain(f"open the UI: `kabar serve --db {keep}`, then http://127.0.0.1:8000/")
        else:
            console.print(
                "\nopen the UI: `kabar demo --keep demo.db`, then `kabar serve --db demo.db` and "
                "http://127.0.0.1:8000/",
                highlight=False,
            )


eval_app = typer.Typer(help="Score kabar against gold labels.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
train_app = typer.Typer(help="Rebuild the models kabar ships.", no_args_is_help=True)
app.add_typer(train_app, name="train")


@eval_app.command("stories")
def eval_stories_cmd(
    folder: Annotated[str | None, typer.Argument(help="Folder of labelled articles.")] = None,
    gold: Annotated[str | None, typer.Option(help="CSV with columns file,story (file relative to FOLDER).")] = None,
    column: Annotated[str, typer.Option(help="The CSV column holding the gold story.")] = "story",
    storyline_column: Annotated[
        str | None,
        typer.Option(
            help="The CSV column holding the gold storyline (the matter); by default each gold story is its own matter."
        ),
    ] = None,
    leave_one_out: Annotated[
        str | None,
        typer.Option(
            "--leave-one-out",
            help="A TOML list of labelled corpora ([[corpus]] name, folder, gold, "
            "column, storyline_column): choose each --tune value on all corpora but one, and score it on "
            "the one left out.",
        ),
    ] = None,
    tune: Annotated[
        list[str] | None,
        typer.Option(help="With --leave-one-out: NAME=V1,V2,... a constant of kabar.stories and the values to try."),
    ] = None,
    level: Annotated[str, typer.Option(help="With --leave-one-out: score 'story' or 'storyline' B³ F1.")] = "story",
    embed: Annotated[bool, typer.Option(help="Use title embeddings.")] = True,
    errors: Annotated[int, typer.Option(help="List the N gold stories split most and the N stories merging most.")] = 0,
    keep: Annotated[str | None, typer.Option(help="Keep the evaluation store at this new path (`kabar show`).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    clusterer: StoriesOption = stages.DEFAULT_STORIES,
    copy_finder: CopiesOption = stages.DEFAULT_COPIES,
) -> None:
    """Ingest FOLDER into a temporary store and score its stories against GOLD:
    B-cubed precision/recall/F1, ARI, story counts, and gold stories split or merged;
    with --errors, which ones. The storylines are scored the same way against the gold
    storylines (--storyline-column). --stories and --copies choose the stages by name.
    With --leave-one-out CORPORA.toml --tune NAME=V1,V2: leave-one-corpus-out tuning."""
    _check_stages(clusterer, copy_finder)
    if leave_one_out:
        _eval_stories_loco(leave_one_out, tune or [], level, embed, as_json, clusterer, copy_finder)
        return
    if folder is None or gold is None:
        _fail("eval stories needs FOLDER and --gold (or --leave-one-out CORPORA.toml)", 2)
    root = Path(folder)
    if keep and Path(keep).exists():
        _fail(f"{keep}: already exists; --keep wants a new path, so no earlier store is mixed in", 1)
    wanted, wanted_lines = _gold_columns(root, gold, column, storyline_column)
    titles: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, _open_new(keep or str(Path(tmp) / "eval.db")) as store:
        report, lines, found = _score_stories(store, root, wanted, wanted_lines, embed, clusterer, copy_finder, errors)
        if errors and not as_json:  # the listing shows titles; read the articles again only for it
            for article in store.iter_articles():
                titles.update(dict.fromkeys(article.sources, article.title))
    if as_json:
        typer.echo(_json({**report, "storyline": lines}, indent=1))
        return
    table = Table("measure", "stories", "storylines")
    for name, value in report.items():
        if not isinstance(value, list):
            table.add_row(name, *(f"{v:.4f}" if isinstance(v, float) else str(v) for v in (value, lines[name])))
    console.print(table)
    if errors:
        _print_cluster_errors(found, errors, titles, root)


def _gold_columns(
    root: Path, gold: str, column: str, storyline_column: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Source -> gold story, and source -> gold storyline, from a labels CSV."""
    import csv

    with open(gold, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and (column not in rows[0] or (storyline_column and storyline_column not in rows[0])):
        _fail(f"{gold}: no column {column if column not in rows[0] else storyline_column}", 2)
    wanted = {str(root / r["file"]): r[column] for r in rows}
    return wanted, {str(root / r["file"]): r[storyline_column or column] for r in rows}


def _score_stories(
    store: Store, root: Path, wanted: dict[str, str], wanted_lines: dict[str, str], embed: bool,
    clusterer: str, copy_finder: str, errors: int = 0,
) -> tuple[dict[str, Any], dict[str, float | int], dict[str, list[dict[str, Any]]]]:  # fmt: skip
    """Ingest `root` into `store` and score its stories and storylines."""
    from kabar.evaluate import cluster_errors, cluster_report, clustered

    pipeline.run([str(root)], store, embed=embed, clusterer=clusterer, copy_finder=copy_finder)
    predicted, predicted_lines = clustered(store)
    report: dict[str, Any] = dict(cluster_report(predicted, wanted))
    lines = cluster_report(predicted_lines, wanted_lines)
    found = cluster_errors(predicted, wanted) if errors else {"split": [], "merged": []}
    if errors:
        report["split"], report["merged"] = found["split"][:errors], found["merged"][:errors]
    return report, lines, found


def _eval_stories_loco(
    spec: str, tune: list[str], level: str, embed: bool, as_json: bool, clusterer: str, copy_finder: str
) -> None:
    import tomllib

    from kabar import stories
    from kabar.evaluate import leave_one_out

    if level not in ("story", "storyline"):
        _fail(f"--level {level}: 'story' or 'storyline'", 2)
    if len(tune) != 1 or "=" not in tune[0]:
        _fail("--leave-one-out needs one --tune NAME=V1,V2,...", 2)
    name, _, raw = tune[0].partition("=")
    shipped = getattr(stories, name, None)
    if not name.isupper() or not isinstance(shipped, int | float) or isinstance(shipped, bool):
        _fail(f"--tune {name}: not a numeric constant of kabar.stories", 2)
    try:
        values = [type(shipped)(v) for v in raw.split(",") if v.strip()]
    except ValueError:
        _fail(f"--tune {tune[0]}: values must be numbers like {shipped}", 2)
    base = Path(spec).parent
    try:
        with open(spec, "rb") as fh:
            corpora = tomllib.load(fh).get("corpus", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _fail(f"{spec}: {exc}", 2)
    if len(corpora) < 2 or any(not {"name", "folder", "gold"} <= set(c) for c in corpora):
        _fail(f"{spec}: needs at least two [[corpus]] tables, each with name, folder and gold", 2)
    scores: dict[float, dict[str, float]] = {}
    try:
        for value in values:
            setattr(stories, name, value)
            scores[value] = {}
            for c in corpora:
                root = base / c["folder"]
                wanted, wanted_lines = _gold_columns(root, str(base / c["gold"]), c.get("column", "story"),
                                                     c.get("storyline_column"))  # fmt: skip
                with tempfile.TemporaryDirectory() as tmp, _open_new(str(Path(tmp) / "eval.db")) as store:
                    report, lines, _ = _score_stories(store, root, wanted, wanted_lines, embed, clusterer, copy_finder)
                scores[value][c["name"]] = float((report if level == "story" else lines)["bcubed_f1"])
                if not as_json:
                    console.print(f"{name}={value} {c['name']}: {scores[value][c['name']]:.4f}", highlight=False)
    finally:
        setattr(stories, name, shipped)
    chosen = leave_one_out(scores, prefer=shipped if shipped in scores else None)
    if as_json:
        left_out = {c: {"chosen": v, "f1": f} for c, (v, f) in chosen.items()}
        typer.echo(_json({"constant": name, "level": level, "shipped": shipped, "scores": scores,
                          "left_out": left_out}, indent=1))  # fmt: skip
        return
    names = [c["name"] for c in corpora]
    table = Table(f"{name}", *names, title=f"{level} B³ F1; shipped {shipped}")
    for value in values:
        table.add_row(f"{value}{' *' if value == shipped else ''}", *(f"{scores[value][n]:.4f}" for n in names))
    table.add_row("left out", *(f"{chosen[n][1]:.4f} ({chosen[n][0]})" for n in names))
    console.print(table)


def _print_cluster_errors(found: dict[str, list[dict[str, Any]]], n: int, titles: dict[str, str], root: Path) -> None:
    def item(source: str) -> str:
        rel = source[len(str(root)) + 1 :] if source.startswith(f"{root}/") else source
        return displayable(f"{rel}  {titles.get(source, '')[:80]}")

    for e in found["split"][:n]:
        head = f"[bold]gold {_say(e['gold'])}[/] split in {len(e['pieces'])} ({e['pairs_lost']} pairs apart)"
        console.print(head, highlight=False)
        for piece in e["pieces"]:
            _plain(f"  story {piece['predicted']}")
            for source in piece["items"]:
                _plain(f"    {item(source)}")
    for e in found["merged"][:n]:
        head = (f"[bold]story {_say(e['predicted'])}[/] joins {len(e['gold'])} gold stories "
                f"({e['pairs_wrong']} pairs wrong)")  # fmt: skip
        console.print(head, highlight=False)
        for g, sources in e["gold"].items():
            _plain(f"  gold {g}")
            for source in sources:
                _plain(f"    {item(source)}")


@eval_app.command("clean")
def eval_clean_cmd(
    folder: Annotated[str, typer.Argument(help="Folder of articles the gold describes.")],
    gold: Annotated[str, typer.Option(help="Gold JSON (the format of seeds/expected.json).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest FOLDER into a temporary store and score cleaning and metadata against GOLD.

    Gold keys are paths relative to FOLDER without or with their extension
    (`name` or `name.txt`), and `file.jsonl#id` for JSONL records."""
    from kabar.evaluate import score_clean

    root = Path(folder)
    wanted = json.loads(Path(gold).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp, _open_new(str(Path(tmp) / "eval.db")) as store:
        _ingest([folder], store, quiet=True, max_bytes=ingest.DEFAULT_MAX_BYTES)
        articles = {}
        for article in store.iter_articles():
            rel = (
                str(Path(article.source).relative_to(root)) if article.source.startswith(str(root)) else article.source
            )
            articles[rel] = article
            articles.setdefault(str(Path(rel).with_suffix("")) if "#" not in rel else rel, article)
    score = score_clean(articles, wanted)
    if as_json:
        failures = [vars(f) for f in score.failures]
        typer.echo(_json({"scores": score.summary(), "failures": failures}, indent=1))
        return
    _plain(f"cleaning and metadata against {gold}")
    table = Table("check", "pass rate")
    for name, rate in score.summary().items():
        table.add_row(name, f"{rate:.3f}")
    console.print(table)
    for f in score.failures:
        console.print(f"[red]✗[/] {_say(f'{f.article} {f.check}: {f.detail}')}", highlight=False)


@eval_app.command("ask")
def eval_ask_cmd(
    gold: Annotated[str, typer.Argument(help="Questions with gold answers (examples/gold/ask-demo.jsonl).")],
    corpus: Annotated[
        str | None, typer.Option(help="The folder the questions are about, with gold/labels.csv (default: the demo).")
    ] = None,
    no_embed: Annotated[bool, typer.Option("--no-embed", help="Words and names only.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score `kabar ask` on gold questions: accuracy, and the precision and recall of its
    abstentions, over all questions and by half (dev: tuned on; test: held out), language
    and type. The corpus is ingested into a temporary store first."""
    import csv

    from kabar.evaluate import article_labels, ask_gold, ask_report, read_ask_gold
    from kabar.features import Embedder

    folder = Path(corpus) if corpus else demo_corpus()
    labels = folder / "gold" / "labels.csv"
    if not labels.is_file():
        _fail(f"eval ask: no {labels} (file,story) to check where the evidence comes from")
    questions = read_ask_gold(gold)
    with tempfile.TemporaryDirectory() as tmp, _open_new(str(Path(tmp) / "ask.db")) as store:
        _ingest([str(folder)], store, quiet=True, max_bytes=ingest.DEFAULT_MAX_BYTES)
        with open(labels, encoding="utf-8") as fh:
            story_of = article_labels(store, {r["file"]: r["story"] for r in csv.DictReader(fh)})
        results, _ = ask_gold(store, questions, story_of, None if no_embed else Embedder())
    report = ask_report(results)
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    table = Table("questions", "n", "accuracy", "abstained", "abstention P", "abstention R")
    groups = ("split", "language", "kind")
    rows = [("all", report["all"])] + [(f"{g} {k}", v) for g in groups for k, v in report[g].items()]
    for name, sc in rows:
        table.add_row(name, str(sc["questions"]), f"{sc['accuracy']:.3f}", str(sc["abstained"]),
                      f"{sc['abstain_precision']:.3f}", f"{sc['abstain_recall']:.3f}")  # fmt: skip
    console.print(table)


@eval_app.command("quotes")
def eval_quotes_cmd(
    gold: Annotated[str, typer.Argument(help="A brat folder (text/ and attributions/, as PolNeAR) or a JSONL gold.")],
    root: Annotated[str | None, typer.Option(help="Folder the JSONL records' `file` paths are relative to.")] = None,
    lang: Annotated[str, typer.Option(help="Language of a brat folder's texts.")] = "en",
    limit: Annotated[int, typer.Option(help="Score only the first N documents (0 = all).")] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score quote extraction: exact and overlap span F1 and speaker accuracy.

    A brat folder is scored on every attribution relation (quotes and claims), as
    PolNeAR annotates them. A JSONL gold (`{file | text, language, quotes: [{speaker,
    content, kind}]}`, content an exact substring) is scored on quotes; files are
    ingested (cleaned) first, from ROOT."""
    from kabar.evaluate import brat_quotes, jsonl_quotes, quote_report

    def warn(message: str) -> None:
        err.print(displayable(message), markup=False, highlight=False)

    if Path(gold).is_dir():
        texts, wanted, predicted = brat_quotes(gold, lang, limit)
    else:
        texts, wanted, predicted = jsonl_quotes(gold, root or str(Path(gold).parent), limit, warn)
    report = quote_report(texts, wanted, predicted, lang)
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    subsets = [k for k, v in report.items() if isinstance(v, dict)]
    table = Table("measure", *subsets)
    for name in report["all"]:
        values = [report[k][name] for k in subsets]
        table.add_row(name, *(f"{v:.4f}" if isinstance(v, float) else str(v) for v in values))
    console.print(table)
    console.print(f"{report['documents']} documents", highlight=False)


@eval_app.command("brief")
def eval_brief_cmd(
    file: Annotated[str, typer.Argument(help="JSONL: {id, paragraphs, summary} per article, or NeuS-style articles.")],
    summaries: Annotated[
        str | None,
        typer.Option(help="JSONL {story, summary}: score multi-source briefs of FILE's articles grouped by `story`."),
    ] = None,
    sentences: Annotated[int, typer.Option(help="Sentences per brief (LEAD-N uses the same N).")] = 3,
    language: Annotated[str, typer.Option(help="Language of the texts.")] = "id",
    limit: Annotated[int, typer.Option(help="Score only the first N records (0 = all).")] = 0,
    predictions: Annotated[str | None, typer.Option(help="Write {id, summary} per record here.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """ROUGE-1/2/L F1 of kabar's extractive briefs against reference summaries, next to LEAD-N."""
    from kabar.evaluate import brief_cases, brief_report

    cases = brief_cases(file, summaries, language, limit)
    report, written = brief_report(cases, language, sentences)
    if predictions:
        Path(predictions).write_text("\n".join(written) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    table = Table("system", "ROUGE-1 F1", "ROUGE-2 F1", "ROUGE-L F1", title=f"{report['records']} records")
    for name, scores in report.items():
        if isinstance(scores, dict):
            table.add_row(name, *(f"{scores[m]:.2f}" for m in ("rouge1", "rouge2", "rougeL")))
    console.print(table)


@eval_app.command("ner")
def eval_ner_cmd(
    files: Annotated[list[str], typer.Argument(help="CoNLL files: `token<TAB or space>BIO-tag` per line.")],
    lang: Annotated[str, typer.Option(help="Which shipped model: id or en.")] = "id",
    predictions: Annotated[str | None, typer.Option(help="Write the predicted tags here, in the same format.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tag CoNLL files with the shipped NER model and print entity-level precision, recall
    and F1 (seqeval's definition), with tags mapped to PERSON/ORG/LOC/EVENT (see
    src/kabar/models/NER.md for the mapping)."""
    from kabar.extract import ner

    report: dict[str, Any] = {}
    out_lines: list[str] = []
    for name in files:
        path = Path(name)
        sentences = ner.read_conll(path)
        hint = ner.dataset_hint(path)
        gold = [[ner.normalise_tag(t, hint) for _, t in s] for s in sentences]
        pred = [ner.tag([w for w, _ in s], lang) for s in sentences]
        report[name] = ner.entity_scores(gold, pred)
        for s, tags in zip(sentences, pred, strict=True):
            out_lines += [f"{w}\t{t}" for (w, _), t in zip(s, tags, strict=True)] + [""]
    if predictions:
        Path(predictions).write_text("\n".join(out_lines), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    table = Table("file", "type", "precision", "recall", "f1")
    for name, scores in report.items():
        for typ, s in scores.items():
            table.add_row(Path(name).name, typ, f"{s['precision']:.4f}", f"{s['recall']:.4f}", f"{s['f1']:.4f}")
    console.print(table)


@train_app.command("ner")
def train_ner_cmd(
    data: Annotated[str, typer.Option(help="The data folder holding ner-id/ and ner-en/.")] = "../shared/data",
) -> None:
    """Rebuild the shipped NER models from the training data, with the documented
    settings and seed (see src/kabar/models/NER.md); prints the dev scores."""
    from kabar.extract import ner

    info = ner.train_shipped(Path(data))
    typer.echo(json.dumps(info, indent=1, default=str))


@train_app.command("brief")
def train_brief_cmd(
    data: Annotated[str, typer.Option(help="The data folder holding indosum-dev/.")] = "../shared/data",
    train_cases: Annotated[int, typer.Option(help="Articles to train on; the rest are held out.")] = 1700,
) -> None:
    """Rebuild the brief's sentence scorer (src/kabar/models/brief.json): logistic regression
    on sentence features with greedy ROUGE-1 oracle labels, from IndoSum dev articles."""
    from kabar import brief as brief_stage
    from kabar.evaluate import strip_dateline

    rows = [json.loads(line) for line in (Path(data) / "indosum-dev" / "articles.jsonl").open(encoding="utf-8")]
    cases = []
    for r in rows:
        article = Article(id=r["id"], source=r["id"], url=None, outlet=None, title="", published=None, language="id",
                          dateline=None, paragraphs=list(r["paragraphs"]))  # fmt: skip
        strip_dateline(article)
        cases.append(([article], r["summary"]))
    info = brief_stage.train(cases[:train_cases], brief_stage.MODEL, cases[train_cases:])
    typer.echo(json.dumps(info, indent=1))


@train_app.command("title-centre")
def train_title_centre_cmd(
    data: Annotated[str, typer.Option(help="The data folder holding quotes-en/ and indosum-dev/.")] = "../shared/data",
) -> None:
    """Rebuild the centre taken out of title embeddings (src/kabar/models/title-centre.npz):
    the mean USE vector of PolNeAR training headlines and of IndoSum lead sentences."""
    from kabar.features import train_title_centre

    typer.echo(json.dumps(train_title_centre(Path(data)), indent=1))


@app.command("version")
def version_cmd() -> None:
    """Print kabar's version."""
    typer.echo(__version__)


sources_app = typer.Typer(
    help="The outlets kabar follows: their feeds and sitemaps (`kabar fetch` reads them).", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow private and loopback addresses (a test site on 127.0.0.1, an intranet)."
    ),
]


def _save_source(store: Store, source: Source, named: bool) -> Source:
    """Save an outlet source; one whose domain an outlet already has joins that outlet
    (another of its feeds), unless it was given a different name. The source saved."""
    from kabar.sources import joined

    owners = {store.outlet_for(d) for d in source.domains} - {None}
    if len(owners) == 1 and (not named or owners == {source.name}):
        [owner] = owners
        old = next((s for s in store.outlet_sources() if s.name == owner), None)
        if old is not None:
            source = joined(old, source)
    store.save_outlet_source(source)
    return source


def _source_line(source: Source) -> str:
    feeds = f"{len(source.feeds)} feed{'s' * (len(source.feeds) != 1)}"
    maps = f"{len(source.sitemaps)} sitemap{'s' * (len(source.sitemaps) != 1)}"
    extra = f", {source.language}" if source.language else ""
    return f"{source.name} ({', '.join(source.domains) or 'no domain'}{extra}): {feeds}, {maps}"


@sources_app.command("add")
def sources_add_cmd(
    url: Annotated[str, typer.Argument(help="The outlet's home page, a feed or a sitemap.")],
    name: Annotated[str | None, typer.Option(help="The outlet's name (else its site name or domain).")] = None,
    language: Annotated[str | None, typer.Option(help="The outlet's language: id or en.")] = None,
    allow_private: AllowPrivateOption = False,
    interval: Annotated[
        float | None, typer.Option(min=60.0, help="Seconds between two reads of it by `kabar watch` (its own).")
    ] = None,
    db: DbOption = "kabar.db",
) -> None:
    """Follow an outlet: its feeds and sitemaps, found from the URL given."""
    from kabar.sources import LANGUAGES, Problem, discover, now
    from kabar.store import SourceSchedule

    if language is not None and language not in LANGUAGES:
        _fail(f"--language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    skipped: list[Problem] = []
    found = discover(url, name=name, language=language, allow_private=allow_private, problems=skipped)
    if isinstance(found, Problem):
        _fail(f"cannot add {found}")
    for problem in skipped:
        err.print(f"note: left out {displayable(str(problem))}", markup=False, highlight=False, soft_wrap=True)
    with _open_new(db) as store:
        try:
            found = _save_source(store, found, named=name is not None)
        except ValueError as exc:
            _fail(str(exc))
        if interval is not None:
            old = store.source_schedules().get(found.name)
            due = old.next_due if old else now()
            store.save_source_schedules([SourceSchedule(found.name, due, old.last_pass if old else None, interval)])
    _plain(f"added {_source_line(found)}" + (f", read every {interval:g} s" if interval else ""))
    for url_ in (*found.feeds, *found.sitemaps):
        _plain(f"  {url_}")


@sources_app.command("list")
def sources_list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of sources.")] = False,
    db: DbOption = "kabar.db",
) -> None:
    """The outlets followed, with their domains, feeds and sitemaps."""
    with _open(db) as store:
        found = store.outlet_sources()
    if as_json:
        typer.echo(_json([s.to_record() for s in found], indent=1))
        return
    if not found:
        _plain("no sources; add one with `kabar sources add URL`")
    for source in found:
        _plain(_source_line(source))
        for url_ in (*source.feeds, *source.sitemaps):
            _plain(f"  {url_}")


@sources_app.command("remove")
def sources_remove_cmd(
    outlet: Annotated[str, typer.Argument(help="The outlet's name, an alias or one of its domains.")],
    db: DbOption = "kabar.db",
) -> None:
    """Stop following an outlet (its articles stay in the store)."""
    with _open(db) as store:
        removed = store.remove_outlet_source(outlet)
    if removed is None:
        _fail(f"no source named {outlet!r}; see `kabar sources list`")
    _plain(f"removed {removed}")


@sources_app.command("import")
def sources_import_cmd(
    file: Annotated[str, typer.Argument(help="A .toml, .csv or .opml list of sources.")],
    allow_private: AllowPrivateOption = False,
    db: DbOption = "kabar.db",
) -> None:
    """Follow every outlet of a list. An entry naming its feeds or sitemaps is taken as it
    is; one with a URL only is discovered like `sources add`. Entries that cannot be read
    are skipped with a reason (exit 3 when any was)."""
    from kabar.sources import MAX_IMPORT_BYTES, Problem, discover, from_entry, import_text, merge_entries

    path = Path(file)
    if not path.is_file():
        _fail(f"no file {file}")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        _fail(f"{file} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {file}: {guard.one_line(exc)}")
    imported = import_text(text, path.name)
    if not imported.entries and imported.problems:
        _fail(f"{file}: nothing to import ({imported.problems[0]})")
    problems = list(imported.problems)
    added = 0
    with _open_new(db) as store:
        for entry in merge_entries(imported.entries):
            source = from_entry(entry, allow_private) or discover(
                entry.url, name=entry.name, language=entry.language, allow_private=allow_private
            )
            if isinstance(source, Problem):
                problems.append(source)
                continue
            try:
                source = _save_source(store, source, named=entry.name is not None)
            except ValueError as exc:
                problems.append(Problem(source.name, str(exc)))
                continue
            added += 1
            _plain(f"added {_source_line(source)}")
    for problem in problems:
        err.print(f"kabar: skipped {displayable(str(problem))}", markup=False, highlight=False, soft_wrap=True)
    _plain(f"{added} source{'s' * (added != 1)} added, {len(problems)} skipped")
    if problems:
        raise typer.Exit(EXIT_QUARANTINED)


alerts_app = typer.Typer(
    help="Saved watches: word of a new story, a new outlet, N sources or a conflicting figure.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


def _alert_line(alert: Any, notifications: int | None = None) -> str:
    what = " ".join(
        part
        for part in (
            f"«{alert.query}»" if alert.query else "",
            f"entity={alert.entity}" if alert.entity else "",
            f"outlet={alert.outlet}" if alert.outlet else "",
            f"language={alert.language}" if alert.language else "",
        )
        if part
    )
    hook = f", webhook {alert.webhook}" if alert.webhook else ""
    count = f", {notifications} notifications" if notifications is not None else ""
    return f"{alert.id}  {alert.name}: {alert.condition} {what}{hook}{count}"


@alerts_app.command("add")
def alerts_add_cmd(
    name: Annotated[str, typer.Argument(help="A name for the alert.")],
    query: Annotated[str, typer.Option("--query", "-q", help="Words or \"phrases\" an article must have.")] = "",
    entity: Annotated[str | None, typer.Option(help="A person, organisation or place, by any of its names.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only articles of this outlet.")] = None,
    language: Annotated[str | None, typer.Option(help="Only articles in this language (id, en).")] = None,
    when: Annotated[
        str, typer.Option(help="new-story, new-outlet, sources:N (N independent outlets) or conflict.")
    ] = "new-story",
    webhook: Annotated[str | None, typer.Option(help="POST each notification as JSON to this URL.")] = None,
    allow_private: AllowPrivateOption = False,
    db: DbOption = "kabar.db",
) -> None:
    """Save an alert. It looks at articles stored from now on, after each `kabar fetch` or
    watch pass, or `kabar alerts check`. Prints the secret its webhook posts are signed
    with (HMAC-SHA256 of the body, header X-Kabar-Signature: sha256=HEX), shown only here."""
    from kabar import alerts

    with _open_new(db) as store:
        try:
            alert = alerts.new_alert(store, name, query, condition=when, entity=entity, outlet=outlet,
                                     language=language, webhook=webhook, allow_private=allow_private)  # fmt: skip
        except alerts.AlertError as exc:
            _fail(str(exc))
    _plain(f"added {_alert_line(alert)}")
    if alert.webhook:
        _plain(f"webhook secret: {alert.secret}")


@alerts_app.command("list")
def alerts_list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of alerts (without secrets).")] = False,
    db: DbOption = "kabar.db",
) -> None:
    """The alerts, with how many notifications each has raised."""
    with _open(db) as store:
        totals = store.alert_counts()
        found = [(a, totals.get(a.id, 0)) for a in store.alerts()]
    if as_json:
        records = [
            {k: v for k, v in asdict(a).items() if k != "secret"} | {"notifications": n} for a, n in found
        ]
        typer.echo(_json(records, indent=1))
        return
    if not found:
        _plain("no alerts; add one with `kabar alerts add NAME --query WORDS`")
    for alert, n in found:
        _plain(_alert_line(alert, n))


@alerts_app.command("show")
def alerts_show_cmd(
    alert_ref: Annotated[str, typer.Argument(metavar="ALERT", help="The alert's id or name.")],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Notifications shown, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="The notifications as JSON lines.")] = False,
    db: DbOption = "kabar.db",
) -> None:
    """An alert's latest notifications."""
    from kabar import alerts

    with _open(db) as store:
        alert = alerts.find(store, alert_ref)
        if alert is None:
            _fail(f"no alert {alert_ref!r}; see `kabar alerts list`")
        events = store.alert_events(alert.id, limit)
    if as_json:
        for e in events:
            typer.echo(_json(asdict(e)))
        return
    _plain(_alert_line(alert))
    for e in events:
        story = e.payload.get("story", {})
        state = "" if not alert.webhook else (" delivered" if e.delivered else f" not delivered ({e.last_error})"
                                               if e.last_error else " to deliver")  # fmt: skip
        _plain(f"  {e.created[:16]}  {e.event}  {story.get('id', e.story)}  {story.get('title', '')}{state}")


@alerts_app.command("remove")
def alerts_remove_cmd(
    alert_ref: Annotated[str, typer.Argument(metavar="ALERT", help="The alert's id or name.")],
    db: DbOption = "kabar.db",
) -> None:
    """Remove an alert and its notifications."""
    with _open(db) as store:
        removed = store.remove_alert(alert_ref)
    if removed is None:
        _fail(f"no alert {alert_ref!r}; see `kabar alerts list`")
    _plain(f"removed {removed.name}")


@alerts_app.command("check")
def alerts_check_cmd(
    deliver: Annotated[bool, typer.Option(help="Post pending notifications to the webhooks too.")] = True,
    db: DbOption = "kabar.db",
) -> None:
    """Check the alerts against what was stored since their last check (`kabar fetch` and
    `kabar watch` do this after each pass; run it after `kabar ingest`)."""
    from kabar import alerts

    with _open(db) as store:
        new = alerts.check(store)
        for e in new:
            _plain(f"{e.alert}  {e.event}  {e.story}  {e.payload.get('story', {}).get('title', '')}")
        for line in _alert_lines(len(new), alerts.deliver(store) if deliver else None) or ["no new notifications"]:
            _plain(line)
