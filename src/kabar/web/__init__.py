"""The web UI and JSON API (FastAPI), started by `kabar serve`.

Pages are rendered on the server with Jinja2 (autoescaping on: article text is hostile
input and is never marked safe); charts are server-side SVG; nothing is fetched from a
CDN. The API lives under /api/ with its OpenAPI document at /openapi.json.

Writes (POST /api/ingest) need the token from KABAR_TOKEN or the config file, sent as
`Authorization: Bearer ...`. Reads are open unless `closed_reads` is set, in which case
they need the same token. Every list is paginated; request bodies are size-limited
(while they stream, so a chunked body is capped too); no URL parameter ever names a file.
Uploads are spooled and ingested in turn by a worker (`uploads.py`), so an upload never
waits for another ingest to release the store.

Every response carries the security headers, errors included; an unhandled exception is
a generic 500 (an HTML page, or JSON under /api/) that names no file and shows no
traceback. Pages show article text without control or bidi characters (`safe.displayable`
on everything a template prints).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import threading
import tomllib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kabar import export, guard
from kabar.lang import get, known
from kabar.safe import displayable
from kabar.store import Store, open_store
from kabar.web import alerts as alert_routes
from kabar.web import views
from kabar.web.auth import bearer, token_matches
from kabar.web.uploads import QueueFull, Uploads, shown_source

HERE = FilePath(__file__).resolve().parent
MAX_BODY = 20 * 1024 * 1024  # bytes per request (uploads included)
MAX_PER_PAGE = 100
# A page past the last is an empty page; the bound keeps the row offset, (page - 1) x
# per_page, inside SQL's 64-bit integers (page 9223372036854775807 overflowed: a 500).
# 10^7 pages of 100 is 10^9 rows, a thousand times the million-article stream.
MAX_PAGE = 10_000_000
MAX_TEXT = 500  # characters of a search, a question or a filter value
MAX_UPLOAD_FILES = 1000  # files in one multipart upload (Starlette's own default)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Settings:
    db: str
    token: str | None = None  # needed for writes; None = writes disabled
    closed_reads: bool = False


def load_settings(db: str, config: str | None = None, closed_reads: bool | None = None) -> Settings:
    """Settings from the environment (KABAR_TOKEN, KABAR_CLOSED_READS) and a TOML config file
    (`token = "..."`, `closed_reads = true`): `config`, else KABAR_CONFIG, else ./kabar.toml."""
    path = FilePath(config or os.environ.get("KABAR_CONFIG", "kabar.toml"))
    values: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    token = os.environ.get("KABAR_TOKEN") or values.get("token")
    closed = (
        closed_reads
        if closed_reads is not None
        else (
            os.environ.get("KABAR_CLOSED_READS", "").lower() in ("1", "true", "yes") or bool(values.get("closed_reads"))
        )
    )
    return Settings(db=db, token=str(token) if token else None, closed_reads=closed)


class _SecurityHeaders:
    """Adds the security headers to every response that passes through the app's layers
    (errors from routing, validation and the body cap included). The generic 500 is made
    outside them (Starlette's ServerErrorMiddleware), so it sets them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


log = logging.getLogger("kabar.web")
# Protocol text, not language data: the page says no more than the status line does.
ERROR_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>500 · kabar</title>'
    '<link rel="stylesheet" href="/static/kabar.css"></head>\n<body><main><h1>500</h1>'
    '<p>Internal Server Error</p><p><a href="/">kabar</a></p></main></body></html>\n'
)


async def _server_error(request: Request, exc: Exception) -> Response:
    """What an unhandled exception answers: nothing of the exception reaches the client.
    The exception goes on to the server, which logs it."""
    log.error("%s %s: %s", request.method, request.url.path, guard.one_line(exc))
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"detail": "internal server error"}, status_code=500, headers=SECURITY_HEADERS)
    return HTMLResponse(ERROR_PAGE, status_code=500, headers=SECURITY_HEADERS)


def _shown(value: Any) -> Any:
    """Jinja's `finalize`: every value a template prints loses control and bidi characters
    (then autoescaping does its part), so no template can forget to clean article text."""
    if isinstance(value, Markup):
        return Markup(displayable(str(value)))
    return displayable(value) if isinstance(value, str) else value


def _link(url: str | None) -> str | None:
    """An href for an article's URL: only http(s), and nothing that can turn it around."""
    return views.safe_url(displayable(url)) if url else None


def _authorised(settings: Settings, request: Request) -> bool:
    return token_matches(settings.token, bearer(request))


@lru_cache(maxsize=1)
def _embedder() -> Any:
    from kabar.features import Embedder

    return Embedder()


UI_DEFAULT = "en"  # the pages' language when the reader names none


class _Labels(dict[str, str]):
    """A language's UI labels; a label it lacks comes from its fallback languages, then
    from the default page language, and last reads as its own key (so a label not yet
    translated shows as words, never as an empty string or an error)."""

    def __init__(self, code: str) -> None:
        chain, seen = [], set()
        while code and code not in seen:  # the language, then the fallbacks it names
            seen.add(code)
            chain.append(get(code))
            code = chain[-1].fallback
        labels: dict[str, str] = {}
        for lang in [*chain, get(UI_DEFAULT)]:
            for key, value in lang.ui.items():
                labels.setdefault(key, value)
        super().__init__(labels)

    def __missing__(self, key: str) -> str:
        return key.replace("_", " ")

    # What the pages print from the data, in the page's language; a value the language
    # has no label for is printed as the data gives it.
    def removal(self, reason: str) -> str:
        """A removal reason (`views.removal_label`)."""
        key, values = views.removal_label(reason)
        label = self.get(key)
        return label.format(**values) if label else reason

    def claim_kind(self, kind: str) -> str:
        """claim, accusation, estimate, report, denial."""
        return self.get(f"kind_{kind}", kind)

    def unit_name(self, unit: str | None) -> str:
        """What a figure counts (`Quantity.unit`: person, soldier, IDR, percent ...)."""
        return self.get(f"unit_{unit}", unit) if unit else ""

    def stance_name(self, stance: str | None) -> str:
        """An answer's stance: yes, no, mixed."""
        return self.get(f"stance_{stance}", stance) if stance else "—"


def ui_language(request: Request) -> str:
    """The interface's language: the reader's choice (`?lang=`), not a text's: any
    registered language with UI labels, else English (the pages' language without it)."""
    code = request.query_params.get("lang", UI_DEFAULT)
    return code if known(code) and get(code).ui else UI_DEFAULT


@lru_cache(maxsize=16)
def labels(code: str) -> _Labels:
    """The UI labels pages in language `code` are written with."""
    return _Labels(code)


# A NUL cannot go into a PostgreSQL text value (psycopg raises: a 500), and no stored
# text holds one.
_NO_NUL = r"^[^\x00]*$"
PageNo = Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Filter = Annotated[str | None, Query(max_length=MAX_TEXT, pattern=_NO_NUL)]
Text = Annotated[str, Query(max_length=MAX_TEXT, pattern=_NO_NUL)]
# Article ids are 16 hex digits, story ids 17 characters, job ids 16; 64 leaves room.
Id = Annotated[str, Path(max_length=64, pattern=_NO_NUL)]
# An entity key ("vladimir putin", "C:KP") or an outlet's name; a name may hold a slash.
Name = Annotated[str, Path(min_length=1, max_length=MAX_TEXT, pattern=_NO_NUL)]


# The date pickers: a day (YYYY-MM-DD) or an ISO week (YYYY-Www, as <input type="week">
# sends it) stands for since and until.
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Week = Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$")]


def _picked(since: str | None, until: str | None, day: str | None, week: str | None) -> tuple[str | None, str | None]:
    """since and until, or the range a day or week picker chose (422 if it does not exist)."""
    try:
        picked = views.picked_range(day, week)
    except ValueError as exc:
        raise HTTPException(422, f"no such day or week: {day or week}") from exc
    return picked if picked else (since or None, until or None)


def _story_query(
    page_no: PageNo = 1,
    per_page: PerPage = 20,
    sort: str = Query("recent", pattern="^(recent|largest)$"),
    since: Filter = None,
    until: Filter = None,
    outlet: Filter = None,
    language: Filter = None,
    storyline: Filter = None,
    entity: Filter = None,
    day: Day = None,
    week: Week = None,
) -> dict[str, Any]:
    """The stories list's query parameters (page and API alike): stories active between
    `since` and `until` (or on the `day`, in the `week`), reported by `outlet`, with articles
    in `language`, of `storyline`, naming `entity`."""
    since, until = _picked(since, until, day, week)
    return {"page": page_no, "per_page": per_page, "sort": sort, "since": since, "until": until,
            "outlet": outlet or None, "language": language or None, "storyline": storyline or None,
            "entity": entity or None}  # fmt: skip


def _search_query(
    page_no: PageNo = 1,
    per_page: PerPage = 20,
    since: Filter = None,
    until: Filter = None,
    outlet: Filter = None,
    language: Filter = None,
    entity: Filter = None,
    story: Filter = None,
    day: Day = None,
    week: Week = None,
) -> dict[str, Any]:
    """Search's paging and filter parameters (page and API alike); `day` or `week` stand
    for since and until."""
    since, until = _picked(since, until, day, week)
    return {"page": page_no, "per_page": per_page, "since": since, "until": until, "outlet": outlet or None,
            "language": language or None, "entity": entity or None, "story": story or None}  # fmt: skip


StoryQuery = Annotated[dict[str, Any], Depends(_story_query)]
SearchQuery = Annotated[dict[str, Any], Depends(_search_query)]
ExportKind = Annotated[str, Path(pattern=f"^({'|'.join(export.KINDS)})$")]
ExportFormat = Annotated[str, Path(pattern=f"^({'|'.join(export.TABLE_FORMATS + export.GRAPH_FORMATS)})$")]


def _query_string(**values: str | None) -> str:
    """A URL query of the values given (empty ones left out)."""
    return urlencode({k: v for k, v in values.items() if v})


EXPORT_QUEUE = 4  # pieces (~1 MB each) an export runs ahead of the client


async def _exported(db: str, kind: str, fmt: str, selection: export.Selection) -> AsyncIterator[bytes]:
    """An export's bytes (`export.stream`) as the client takes them. The export runs in a
    thread of its own, which opens the store, writes into a short queue and stops when the
    client goes; the store is read in that one thread only (a SQLite connection stays in
    the thread that opened it)."""
    pieces: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=EXPORT_QUEUE)
    stop = threading.Event()

    def put(item: bytes | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            store = open_store(db)
            try:
                chunks, _, _ = export.stream(store, kind, fmt, selection)
                for chunk in chunks:
                    if not put(chunk):
                        return
            finally:
                store.close()
        except Exception as exc:  # handed to the response, which logs it
            put(exc)
            return
        put(None)

    threading.Thread(target=produce, name="kabar-export", daemon=True).start()
    try:
        while True:
            item = await anyio.to_thread.run_sync(pieces.get)
            if item is None:
                return
            if isinstance(item, BaseException):
                log.error("export %s.%s: %s", kind, fmt, guard.one_line(item))
                raise item
            yield item
    finally:
        stop.set()


def create_app(settings: Settings) -> FastAPI:
    uploads = Uploads(settings.db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(uploads.close)

    # No /docs or /redoc: both load their scripts from a CDN, which the CSP (rightly)
    # blocks, and no locked package ships the assets; /openapi.json describes the API.
    app = FastAPI(title="kabar", version="0.1.0", description="Multi-source news story engine: stories, briefs, "
                  "quotes, claims, search and questions answered from the evidence.",
                  docs_url=None, redoc_url=None, lifespan=lifespan)  # fmt: skip
    # Added innermost first: the cap counts body bytes as they arrive (a chunked body has
    # no Content-Length to check), and its 413 passes out through the security headers.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY)
    app.add_middleware(_SecurityHeaders)
    app.add_exception_handler(Exception, _server_error)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_shown,
    )
    templates.filters["safe_url"] = _link
    templates.filters["query"] = lambda values: _query_string(**values)
    templates.globals.update(export_kinds=export.KINDS, export_formats=export.TABLE_FORMATS,
                             graph_formats=export.GRAPH_FORMATS)  # fmt: skip

    @contextmanager
    def opened() -> Iterator[Store]:
        store = open_store(settings.db)
        try:
            yield store
        finally:
            store.close()

    def read_access(request: Request) -> None:
        if settings.closed_reads and not _authorised(settings, request):
            raise HTTPException(401, "reads need a token", headers={"WWW-Authenticate": "Bearer"})

    def write_access(request: Request) -> None:
        if not settings.token:
            raise HTTPException(403, "writes are disabled: set KABAR_TOKEN or `token` in the config file")
        if not _authorised(settings, request):
            raise HTTPException(401, "writes need a bearer token", headers={"WWW-Authenticate": "Bearer"})

    def page(name: str, request: Request, **context: Any) -> HTMLResponse:
        code = ui_language(request)
        # The language links keep the page's other parameters (a search stays a search).
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        switch = {other: "?" + urlencode([*kept, ("lang", other)]) for other in ("en", "id")}
        html = templates.get_template(name).render(
            t=labels(code), ui_lang=code, request=request, lang_param=_lang_param(code), lang_links=switch, **context
        )
        return HTMLResponse(html)

    def _lang_param(code: str) -> str:
        return f"lang={code}" if code != UI_DEFAULT else ""

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        """A page that is not there is an HTML page with the site's navigation; the API
        keeps its JSON errors, and other statuses their usual answer."""
        path = request.url.path
        if exc.status_code != 404 or path.startswith("/api/") or path == "/openapi.json":
            return await http_exception_handler(request, exc)
        response = page("error.html", request, code=404, detail=str(exc.detail))
        response.status_code = 404
        return response

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]

    Reader = Depends(read_access)
    Writer = Depends(write_access)

    # --- pages ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def stories_page(request: Request, query: StoryQuery) -> HTMLResponse:
        with opened() as store:
            listing = views.story_list_page(store, **query)
        form = {k: query[k] or "" for k in ("sort", "since", "until", "outlet", "language", "storyline", "entity")}
        filters = {k: query[k] for k in ("since", "until", "outlet", "language", "storyline", "entity")}
        return page("stories.html", request, listing=listing, form=form, filters=filters,
                    nav=views.date_navigation(query["since"], query["until"]), **form)  # fmt: skip

    @app.get("/storylines", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def storylines_page(request: Request, page_no: PageNo = 1, per_page: PerPage = 20) -> HTMLResponse:
        with opened() as store:
            listing = views.storylines_page(store, page_no, per_page)
        response = page("storylines.html", request, listing=listing)
        if page_no > listing["pages"]:  # past the last page: there is no such page
            response.status_code = 404
        return response

    @app.get("/stories/{story_id}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def story_page(request: Request, story_id: Id, sentences: int = Query(5, ge=1, le=20)) -> HTMLResponse:
        with opened() as store:
            detail = views.story_detail(store, story_id, sentences)
        if detail is None:
            raise HTTPException(404, "no such story")
        return page("story.html", request, d=detail)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def article_page(request: Request, article_id: Id) -> HTMLResponse:
        with opened() as store:
            detail = views.article_detail(store, article_id)
        if detail is None:
            raise HTTPException(404, "no such article")
        return page("article.html", request, d=detail)

    @app.get("/entities/{key:path}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def entity_page(request: Request, key: Name) -> Response:
        with opened() as store:
            detail = views.entity_detail(store, key)
        if detail is None:
            raise HTTPException(404, "no such entity")
        if detail.key != key:  # a name ("North Korea") for the key its articles use (C:KP)
            lang = request.query_params.get("lang")
            query = f"?{urlencode({'lang': lang})}" if lang else ""
            return RedirectResponse(f"/entities/{quote(detail.key, safe='')}{query}", status_code=307)
        return page("entity.html", request, d=detail)

    @app.get("/outlets/{name:path}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def outlet_page(request: Request, name: Name) -> HTMLResponse:
        with opened() as store:
            detail = views.outlet_detail(store, name)
        if detail is None:
            raise HTTPException(404, "no such outlet")
        return page("outlet.html", request, d=detail)

    @app.get("/search", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def search_page(request: Request, query: SearchQuery, q: Text = "") -> HTMLResponse:
        with opened() as store:
            result = views.search(store, q, **query) if q else None
        filters = {k: query[k] for k in ("since", "until", "outlet", "language", "entity", "story")}
        return page("search.html", request, q=q, result=result, filters=filters,
                    form={k: v or "" for k, v in filters.items()},
                    nav=views.date_navigation(query["since"], query["until"]))  # fmt: skip

    @app.get("/ask", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def ask_page(request: Request, q: Text = "", story: Filter = None) -> HTMLResponse:
        with opened() as store:
            answer = views.ask(store, q, story, _embedder()) if q else None
        return page("ask.html", request, q=q, answer=answer)

    # Alerts: their pages, Atom feeds and API (alerts.py); writes under the uploads' rule.
    alert_routes.register(app, settings=settings, opened=opened, page=page, reader=Reader, writer=Writer,
                          labels_of=lambda request: labels(ui_language(request)))  # fmt: skip

    # --- API -----------------------------------------------------------------------------

    @app.get("/api/export/{kind}.{fmt}", dependencies=[Reader])
    def api_export(
        kind: ExportKind,
        fmt: ExportFormat,
        q: Filter = None,
        since: Filter = None,
        until: Filter = None,
        story: Filter = None,
        storyline: Filter = None,
        outlet: Filter = None,
        entity: Filter = None,
        language: Filter = None,
    ) -> StreamingResponse:
        """An export as a download, streamed as it is written (docs/export-format.md): `kind`
        one of articles, stories, quotes, claims, entities, figures; `fmt` jsonl, csv or
        parquet, or for entities also graphml or gexf (the co-occurrence graph). The
        filters choose articles (all must hold): `q` full text, `since`/`until`, `story`,
        `storyline`, `outlet`, `entity` (any of its names), `language`. 400 when the
        selection cannot be exported (no such story, a date that is not ISO-8601)."""
        selection = export.Selection(q, since, until, story, storyline, outlet, entity, language)
        with opened() as store:
            try:  # checks the selection before anything is sent; the export runs as it streams
                _, media, name = export.stream(store, kind, fmt, selection)
            except export.ExportError as exc:
                raise HTTPException(400, str(exc)) from exc
        return StreamingResponse(_exported(settings.db, kind, fmt, selection), media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    @app.get("/api/stories", dependencies=[Reader])
    def api_stories(query: StoryQuery) -> dict[str, Any]:
        with opened() as store:
            return views.story_list(store, **query)

    @app.get("/api/storylines", dependencies=[Reader])
    def api_storylines(page_no: PageNo = 1, per_page: PerPage = 20) -> dict[str, Any]:
        with opened() as store:
            return views.storyline_list(store, page_no, per_page)

    @app.get("/api/stories/{story_id}", dependencies=[Reader])
    def api_story(story_id: Id, sentences: int = Query(5, ge=1, le=20)) -> dict[str, Any]:
        with opened() as store:
            detail = views.story_detail(store, story_id, sentences)
        if detail is None:
            raise HTTPException(404, "no such story")
        return detail.to_record()

    @app.get("/api/articles/{article_id}", dependencies=[Reader])
    def api_article(article_id: Id) -> dict[str, Any]:
        with opened() as store:
            detail = views.article_detail(store, article_id)
        if detail is None:
            raise HTTPException(404, "no such article")
        record = dict(detail["article"].to_record())
        # An uploaded file is named by its label, never by where the server spooled it.
        record["source"] = shown_source(record["source"])
        record["sources"] = [shown_source(s) for s in record["sources"]]
        return record

    @app.get("/api/entities/{key:path}", dependencies=[Reader])
    def api_entity(key: Name) -> dict[str, Any]:
        """One entity, by its key ("vladimir putin", "C:KP") or a name any language gives
        it ("North Korea"): its names across languages, stories and storylines (newest
        first), quotes by it and claims by or about it with citations, articles per day,
        and the entities named with it. Read from bounded samples of its latest articles."""
        with opened() as store:
            detail = views.entity_detail(store, key)
        if detail is None:
            raise HTTPException(404, "no such entity")
        return detail.to_record()

    @app.get("/api/outlets/{name:path}", dependencies=[Reader])
    def api_outlet(name: Name) -> dict[str, Any]:
        """One outlet (any case of its name): its counts, its latest stories and in which it
        reported first, what it adds that other outlets' reports do not, its copies of
        earlier reports and its paragraphs from other outlets' earlier reports."""
        with opened() as store:
            detail = views.outlet_detail(store, name)
        if detail is None:
            raise HTTPException(404, "no such outlet")
        return detail.to_record()

    @app.get("/api/search", dependencies=[Reader])
    def api_search(query: SearchQuery, q: Annotated[Text, Query(min_length=1)]) -> dict[str, Any]:
        with opened() as store:
            result = views.search(store, q, **query)
        result["hits"] = [h.to_record() for h in result["hits"]]
        return result

    @app.get("/api/ask", dependencies=[Reader])
    def api_ask(q: Annotated[Text, Query(min_length=1)], story: Filter = None) -> dict[str, Any]:
        with opened() as store:
            answer = views.ask(store, q, story, _embedder())
        return answer.to_record()

    @app.post("/api/ingest", status_code=202, dependencies=[Writer], openapi_extra=_INGEST_BODY)
    async def api_ingest(request: Request, response: Response) -> dict[str, Any]:
        """Accept files to ingest (multipart `files`) or a JSONL body (Content-Type
        application/x-ndjson or application/jsonl) and answer at once, 202 with the job:
        the upload is ingested in turn, after any ingest that holds the store; follow it
        at GET /api/ingest/{job}. Uploaded names are labels only."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "multipart/form-data" and kind not in JSONL_TYPES:
            raise HTTPException(415, "send multipart `files` or a JSONL body")
        try:
            job = uploads.open_job()
        except QueueFull as exc:
            raise HTTPException(503, f"{exc}; try again later", headers={"Retry-After": "60"}) from exc
        try:
            if kind == "multipart/form-data":
                async with request.form(max_files=MAX_UPLOAD_FILES) as form:
                    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
                    if not files:
                        raise HTTPException(422, "no `files` in the form")
                    for upload in files:
                        await run_in_threadpool(_copy, upload, job.spool(upload.filename or "upload.txt"))
            else:
                async with await anyio.open_file(job.spool("upload.jsonl"), "wb") as out:
                    async for chunk in request.stream():
                        await out.write(chunk)
        except BaseException:
            uploads.discard(job)
            raise
        try:
            record = uploads.submit(job)
        except QueueFull as exc:
            raise HTTPException(503, f"{exc}; try again later", headers={"Retry-After": "60"}) from exc
        response.headers["Location"] = f"/api/ingest/{job.id}"
        return record

    @app.get("/api/ingest/{job_id}", dependencies=[Writer])
    def api_ingest_job(job_id: Id) -> dict[str, Any]:
        """An upload's status (queued, running, done, failed) and, once done, its report:
        documents seen, stored, already stored, and the quarantined ones with reasons."""
        status = uploads.status(job_id)
        if status is None:
            raise HTTPException(404, "no such upload job (finished jobs are forgotten after a while)")
        return status

    return app


def _copy(upload: UploadFile, target: FilePath) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)


_INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                }
            },
            "application/x-ndjson": {"schema": {"type": "string", "description": "one JSON article per line"}},
        },
    }
}
