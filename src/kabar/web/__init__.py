"""The web UI and JSON API (FastAPI), started by `kabar serve`.

Pages are rendered on the server with Jinja2 (autoescaping on: article text is hostile
input and is never marked safe); charts are server-side SVG; nothing is fetched from a
CDN. The API lives under /api/ with its OpenAPI document at /openapi.json.

Writes (POST /api/ingest) need the token from KABAR_TOKEN or the config file, sent as
`Authorization: Bearer ...`. Reads are open unless `closed_reads` is set, in which case
they need the same token. Every list is paginated; request bodies are size-limited;
no URL parameter ever names a file.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from kabar.export import story_record_detailed
from kabar.lang import get
from kabar.store import Store, StoreBusy, open_store
from kabar.web import views

HERE = Path(__file__).resolve().parent
MAX_BODY = 20 * 1024 * 1024  # bytes per request (uploads included)
MAX_PER_PAGE = 100
UPLOAD_WAIT_SECONDS = 30.0  # for an ingest already running on the store, before answering 409
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
    path = Path(config or os.environ.get("KABAR_CONFIG", "kabar.toml"))
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


class _LimitBody(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _authorised(settings: Settings, request: Request) -> bool:
    given = _bearer(request)
    return bool(settings.token and given and hmac.compare_digest(given.encode(), settings.token.encode()))


@lru_cache(maxsize=1)
def _embedder() -> Any:
    from kabar.features import Embedder

    return Embedder()


def _story_query(
    page_no: int = Query(1, alias="page", ge=1),
    per_page: int = Query(20, ge=1, le=MAX_PER_PAGE),
    sort: str = Query("recent", pattern="^(recent|largest)$"),
    since: str | None = None,
    outlet: str | None = None,
    language: str | None = None,
    storyline: str | None = None,
) -> dict[str, Any]:
    """The stories list's query parameters (page and API alike)."""
    return {"page": page_no, "per_page": per_page, "sort": sort, "since": since, "outlet": outlet,
            "language": language, "storyline": storyline}  # fmt: skip


def _search_query(
    page_no: int = Query(1, alias="page", ge=1),
    per_page: int = Query(20, ge=1, le=MAX_PER_PAGE),
    since: str | None = None,
    until: str | None = None,
    outlet: str | None = None,
    language: str | None = None,
    entity: str | None = None,
    story: str | None = None,
) -> dict[str, Any]:
    """Search's paging and filter parameters (page and API alike)."""
    return {"page": page_no, "per_page": per_page, "since": since, "until": until, "outlet": outlet,
            "language": language, "entity": entity, "story": story}  # fmt: skip


StoryQuery = Annotated[dict[str, Any], Depends(_story_query)]
SearchQuery = Annotated[dict[str, Any], Depends(_search_query)]


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="kabar", version="0.1.0", description="Multi-source news story engine: stories, briefs, "
                  "quotes, claims, search and questions answered from the evidence.")  # fmt: skip
    app.add_middleware(_LimitBody)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True, default_for_string=True)
    )
    templates.filters["safe_url"] = views.safe_url

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
        code = request.query_params.get("lang", "en")
        code = code if code in ("en", "id") else "en"
        html = templates.get_template(name).render(
            t=get(code).ui, ui_lang=code, request=request, lang_param=("lang=id" if code == "id" else ""), **context
        )
        return HTMLResponse(html)

    Reader = Depends(read_access)

    # --- pages ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def stories_page(request: Request, query: StoryQuery) -> HTMLResponse:
        with opened() as store:
            listing = views.story_list(store, **query)
        form = {k: query[k] or "" for k in ("sort", "since", "outlet", "language", "storyline")}
        return page("stories.html", request, listing=listing, **form)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def story_page(request: Request, story_id: str, sentences: int = Query(5, ge=1, le=20)) -> HTMLResponse:
        with opened() as store:
            detail = views.story_detail(store, story_id, sentences)
        if detail is None:
            raise HTTPException(404, "no such story")
        return page("story.html", request, d=detail)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def article_page(request: Request, article_id: str) -> HTMLResponse:
        with opened() as store:
            detail = views.article_detail(store, article_id)
        if detail is None:
            raise HTTPException(404, "no such article")
        return page("article.html", request, d=detail)

    @app.get("/search", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def search_page(
        request: Request, query: SearchQuery, q: str = Query("", max_length=500)
    ) -> HTMLResponse:
        with opened() as store:
            result = views.search(store, q, **query) if q else None
        return page("search.html", request, q=q, result=result)

    @app.get("/ask", response_class=HTMLResponse, dependencies=[Reader], include_in_schema=False)
    def ask_page(request: Request, q: str = Query("", max_length=500), story: str | None = None) -> HTMLResponse:
        with opened() as store:
            answer = views.ask(store, q, story, _embedder()) if q else None
        return page("ask.html", request, q=q, answer=answer)

    # --- API -----------------------------------------------------------------------------

    @app.get("/api/stories", dependencies=[Reader])
    def api_stories(query: StoryQuery) -> dict[str, Any]:
        with opened() as store:
            return views.story_list(store, **query)

    @app.get("/api/storylines", dependencies=[Reader])
    def api_storylines(
        page_no: int = Query(1, alias="page", ge=1), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
    ) -> dict[str, Any]:
        with opened() as store:
            return views.storyline_list(store, page_no, per_page)

    @app.get("/api/stories/{story_id}", dependencies=[Reader])
    def api_story(story_id: str, sentences: int = Query(5, ge=1, le=20)) -> dict[str, Any]:
        with opened() as store:
            detail = views.story_detail(store, story_id, sentences)
        if detail is None:
            raise HTTPException(404, "no such story")
        return story_record_detailed(detail)

    @app.get("/api/articles/{article_id}", dependencies=[Reader])
    def api_article(article_id: str) -> dict[str, Any]:
        with opened() as store:
            detail = views.article_detail(store, article_id)
        if detail is None:
            raise HTTPException(404, "no such article")
        return dict(detail["article"].to_record())

    @app.get("/api/search", dependencies=[Reader])
    def api_search(
        query: SearchQuery, q: str = Query(..., min_length=1, max_length=500)
    ) -> dict[str, Any]:
        with opened() as store:
            result = views.search(store, q, **query)
        result["hits"] = [h.to_record() for h in result["hits"]]
        return result

    @app.get("/api/ask", dependencies=[Reader])
    def api_ask(q: str = Query(..., min_length=1, max_length=500), story: str | None = None) -> dict[str, Any]:
        with opened() as store:
            answer = views.ask(store, q, story, _embedder())
        return answer.to_record()

    @app.post("/api/ingest", dependencies=[Depends(write_access)])
    async def api_ingest(request: Request, files: list[UploadFile] | None = None) -> dict[str, Any]:
        """Ingest uploaded files (multipart `files`) or a JSONL body (Content-Type
        application/x-ndjson or application/jsonl). Uploaded names are labels only: files
        are written under generated names in a private temporary folder."""
        with tempfile.TemporaryDirectory(prefix="kabar-upload-") as tmp:
            written: list[str] = []
            if files:
                for upload in files:
                    name = views.upload_name(upload.filename or "upload.txt")
                    target = Path(tmp) / f"{secrets.token_hex(8)}-{name}"
                    target.write_bytes(await upload.read())
                    written.append(str(target))
            else:
                kind = request.headers.get("content-type", "").split(";")[0].strip()
                if kind not in ("application/x-ndjson", "application/jsonl", "application/json-lines"):
                    raise HTTPException(415, "send multipart `files` or a JSONL body")
                target = Path(tmp) / f"{secrets.token_hex(8)}-upload.jsonl"
                target.write_bytes(await request.body())
                written.append(str(target))

            def ingest_written() -> dict[str, Any]:
                with opened() as store:
                    return views.ingest(store, written, tmp, UPLOAD_WAIT_SECONDS)

            # In a worker thread, so reads go on meanwhile; uploads take turns on the store.
            try:
                return await run_in_threadpool(ingest_written)
            except StoreBusy as exc:
                raise HTTPException(409, f"{exc}; try again") from exc

    return app
