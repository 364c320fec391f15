"""The `kabar` command line."""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kabar import __version__, ingest, pipeline
from kabar.export import export as export_store
from kabar.model import QuarantineEntry, Story
from kabar.store import Store, open_store

app = typer.Typer(
    name="kabar",
    help="Turn piles of news articles from many outlets into clean, dated, attributed stories.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[str, typer.Option("--db", envvar="KABAR_DB", help="SQLite file (created if missing).")]
EXIT_QUARANTINED = 3


def _open(db: str) -> Store:
    return open_store(db)


def _ingest(paths: list[str], store: Store, quiet: bool, max_bytes: int, embed: bool = True) -> pipeline.IngestReport:
    files = [f for f in ingest.discover(paths) if isinstance(f, str)]
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=quiet or len(files) < 50, transient=True,
    )  # fmt: skip

    def on_item(source: str, problem: QuarantineEntry | None) -> None:
        if problem is not None:
            # One unwrapped line per problem, so scripts can grep it.
            err.print(
                f"quarantined: {problem.message()}",
                style="yellow",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        progress.advance(task)

    with progress:
        task = progress.add_task("ingest", total=None)
        return pipeline.run(paths, store, max_bytes=max_bytes, on_item=on_item, embed=embed)


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (recursive).")],
    db: DbOption = "kabar.db",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    max_bytes: Annotated[int, typer.Option(help="Quarantine files larger than this.")] = ingest.DEFAULT_MAX_BYTES,
    embed: Annotated[
        bool, typer.Option(help="Compare titles by multilingual embeddings (about 1 ms per article).")
    ] = True,
) -> None:
    """Ingest articles: .txt, .html, .jsonl, .warc, and .gz of any of them.

    Exit code 0 when everything was stored, 3 when something was quarantined.
    """
    with _open(db) as store:
        report = _ingest(paths, store, quiet, max_bytes, embed)
    if not quiet:
        console.print(
            f"{report.seen} documents: {report.stored} stored, {report.already} already in the store, "
            f"{len(report.quarantined)} quarantined"
        )
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


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
            typer.echo(json.dumps(a.to_record(), ensure_ascii=False))
        return
    table = Table("id", "outlet", "published", "lang", "title")
    for a in rows:
        table.add_row(a.id[:10], a.outlet or "—", a.published or "—", a.language, a.title[:70])
    console.print(table)


@app.command("stories")
def stories_cmd(
    db: DbOption = "kabar.db",
    since: Annotated[str | None, typer.Option(help="Only stories last updated on or after this date.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only stories this outlet reported.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only stories with articles in this language.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines for scripts.")] = False,
) -> None:
    """Stories, most recent and largest first."""
    with _open(db) as store:
        rows = store.stories()
    if since:
        rows = [s for s in rows if (s.last_published or "") >= since]
    if outlet:
        rows = [s for s in rows if any(outlet.lower() in o.lower() for o in s.outlets)]
    if lang:
        rows = [s for s in rows if lang in s.languages]
    rows.sort(key=lambda s: ((s.last_published or "")[:10], len(s.articles), s.id), reverse=True)
    rows = rows[:limit]
    if as_json:
        for story in rows:
            typer.echo(json.dumps(story.to_record(), ensure_ascii=False))
        return
    table = Table("story", "articles", "outlets", "lang", "first", "last", "storyline", "title")
    for st in rows:
        table.add_row(st.id, str(len(st.articles)), str(len(st.outlets)), ",".join(st.languages),
                      (st.first_published or "—")[:10], (st.last_published or "—")[:10], st.storyline,
                      st.title[:60])  # fmt: skip
    console.print(table)


def _show_story(store: Store, story: Story, as_json: bool) -> None:
    articles = [a for aid in story.articles if (a := store.get_article(aid)) is not None]
    if as_json:
        record = story.to_record()
        record["articles"] = [
            {"id": a.id, "outlet": a.outlet, "title": a.title, "published": a.published,
             "language": a.language, "duplicate_of": a.duplicate_of,
             "syndicated_paragraphs": len({s.paragraph for s in store.syndication(a.id)})}
            for a in articles
        ]  # fmt: skip
        typer.echo(json.dumps(record, ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{story.title}[/]", highlight=False)
    console.print(
        f"  story {story.id} · storyline {story.storyline} · {len(articles)} articles · "
        f"{len(story.outlets)} outlets · {', '.join(story.languages)} · "
        f"{(story.first_published or '—')[:16]} → {(story.last_published or '—')[:16]}",
        highlight=False,
    )
    table = Table("article", "published", "outlet", "lang", "copy of", "shared ¶", "title")
    for a in sorted(articles, key=lambda a: a.published or "9999"):
        shared = len({s.paragraph for s in store.syndication(a.id)})
        table.add_row(a.id[:10], (a.published or "—")[:16], a.outlet or "—", a.language,
                      (a.duplicate_of or "")[:10], str(shared or ""), a.title[:60])  # fmt: skip
    console.print(table)


@app.command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Story id, or article id, id prefix or source path.")],
    db: DbOption = "kabar.db",
    removed: Annotated[bool, typer.Option("--removed", help="Also list what the cleaner removed.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a story (its articles, outlets, copies and dates) or one article (metadata,
    clean text and, with --removed, every removal with its reason)."""
    with _open(db) as store:
        story = store.get_story(ref) if ref.startswith("s") else None
        if story is not None:
            _show_story(store, story, as_json)
            return
        article = store.get_article(ref)
    if article is None:
        err.print(f"no article matches {ref!r}")
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(article.to_record(), ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{article.title}[/]", highlight=False)
    for label, value in [
        ("id", article.id), ("source", ", ".join(article.sources)), ("url", article.url),
        ("outlet", article.outlet), ("published", article.published), ("language", article.language),
        ("dateline", article.dateline),
    ]:  # fmt: skip
        console.print(f"  [dim]{label:10}[/] {value or '—'}", highlight=False)
    console.print()
    for paragraph in article.paragraphs:
        console.print(paragraph, highlight=False, markup=False)
        console.print()
    if removed:
        table = Table("line", "reason", "removed text", title="Removed")
        for r in article.removed:
            table.add_row(str(r.line + 1) if r.line >= 0 else "—", r.reason, r.text[:90])
        console.print(table)


@app.command("quarantine")
def quarantine_cmd(db: DbOption = "kabar.db", as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List inputs that were quarantined, and why."""
    with _open(db) as store:
        rows = store.quarantine()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("source", "reason", "detail")
    for r in rows:
        table.add_row(r["source"], r["reason"], r["detail"])
    console.print(table)


@app.command("export")
def export_cmd(
    out: Annotated[str, typer.Option("--out", help="Folder to write articles.jsonl into.")],
    db: DbOption = "kabar.db",
) -> None:
    """Export the store as JSON Lines (format: docs/export-format.md)."""
    with _open(db) as store:
        counts = export_store(store, out)
    console.print(f"wrote {counts['articles']} articles and {counts['stories']} stories to {out}")


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
    with tempfile.TemporaryDirectory() as tmp:
        db = keep or str(Path(tmp) / "demo.db")
        with _open(db) as store:
            report = _ingest([str(folder)], store, quiet=True, max_bytes=ingest.DEFAULT_MAX_BYTES)
            articles = list(store.iter_articles())
        console.rule(f"kabar demo: {folder}")
        console.print(
            f"{report.seen} documents, {report.stored} articles stored, {len(report.quarantined)} quarantined"
        )
        table = Table("outlet", "articles", "languages", "dated", title="Outlets")
        by_outlet: dict[str, list[str]] = {}
        for a in articles:
            by_outlet.setdefault(a.outlet or "(unknown)", []).append(a.id)
        for outlet, ids in sorted(by_outlet.items(), key=lambda kv: -len(kv[1])):
            own = [a for a in articles if a.id in set(ids)]
            table.add_row(outlet, str(len(ids)), ",".join(sorted({a.language for a in own})),
                          str(sum(1 for a in own if a.published)))  # fmt: skip
        console.print(table)
        reasons = Counter(r.reason for a in articles for r in a.removed)
        table = Table("reason", "lines removed", title="What the cleaner removed")
        for reason, n in reasons.most_common():
            table.add_row(reason, str(n))
        console.print(table)
        with _open(db) as store:
            stories = sorted(store.stories(), key=lambda s: (s.last_published or "")[:10], reverse=True)
        by_id = {a.id: a for a in articles}
        table = Table("story", "articles", "outlets", "lang", "dates", "storyline", "title", title="Stories")
        for st in stories:
            table.add_row(st.id[:9], str(len(st.articles)), str(len(st.outlets)), ",".join(st.languages),
                          f"{(st.first_published or '—')[:10]} → {(st.last_published or '—')[:10]}",
                          st.storyline[:9], st.title[:55])  # fmt: skip
        console.print(table)
        copies = [a for a in articles if a.duplicate_of]
        for a in copies:
            original = by_id.get(a.duplicate_of or "")
            console.print(
                f"copy: {a.outlet or a.source} «{a.title[:50]}» = {original.outlet if original else a.duplicate_of}"
                f" (similarity {a.duplicate_similarity})",
                highlight=False,
            )
        if keep:
            console.print(f"store kept at {keep}: try `kabar show --db {keep} <id> --removed`")


eval_app = typer.Typer(help="Score kabar against gold labels.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("stories")
def eval_stories_cmd(
    folder: Annotated[str, typer.Argument(help="Folder of labelled articles.")],
    gold: Annotated[str, typer.Option(help="CSV with columns file,story (file relative to FOLDER).")],
    column: Annotated[str, typer.Option(help="The CSV column holding the gold story.")] = "story",
    embed: Annotated[bool, typer.Option(help="Use title embeddings.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest FOLDER into a temporary store and score its stories against GOLD:
    B-cubed precision/recall/F1, ARI, story counts, and gold stories split or merged."""
    import csv

    from kabar.evaluate import cluster_report

    root = Path(folder)
    with open(gold, encoding="utf-8") as fh:
        wanted = {str(root / r["file"]): r[column] for r in csv.DictReader(fh)}
    with tempfile.TemporaryDirectory() as tmp, _open(str(Path(tmp) / "eval.db")) as store:
        pipeline.run([folder], store, embed=embed)
        predicted = {}
        for article in store.iter_articles():
            for source in article.sources:
                predicted[source] = store.resolve_story(article.story or "")
    report = cluster_report(predicted, wanted)
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    table = Table("measure", "value")
    for name, value in report.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)


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
    with tempfile.TemporaryDirectory() as tmp, _open(str(Path(tmp) / "eval.db")) as store:
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
        typer.echo(json.dumps({"scores": score.summary(), "failures": failures}, ensure_ascii=False, indent=1))
        return
    console.print(f"cleaning and metadata against {gold}", highlight=False)
    table = Table("check", "pass rate")
    for name, rate in score.summary().items():
        table.add_row(name, f"{rate:.3f}")
    console.print(table)
    for f in score.failures:
        console.print(f"[red]✗[/] {f.article} {f.check}: {f.detail}", highlight=False)


@app.command("version")
def version_cmd() -> None:
    """Print kabar's version."""
    typer.echo(__version__)


def main() -> None:  # pragma: no cover - entry point
    sys.exit(app())
