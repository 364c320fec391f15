from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from kabar import pipeline
from kabar.model import Article
from kabar.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DEMO = ROOT / "examples" / "demo"


def collapse(text: str) -> str:
    return " ".join(text.split())


# The pipeline, search and API tests run on both backends. PostgreSQL needs a server:
# .ci/run starts a throwaway one (.ci/postgres) and sets KABAR_TEST_PG to its URL.
BACKENDS = ["sqlite", "postgresql"]
PG_URL = os.environ.get("KABAR_TEST_PG")


def _require(kind: str) -> str:
    if kind == "postgresql" and not PG_URL:
        pytest.skip("KABAR_TEST_PG is not set (.ci/run starts a PostgreSQL for the tests)")
    return kind


def new_location(kind: str, folder: Path) -> str:
    """A fresh, empty store location: a SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        return str(folder / f"kabar-{uuid4().hex[:8]}.db")
    import psycopg

    assert PG_URL
    name = f"kabar_test_{uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return _require(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    return _require(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    s = open_store(new_location(backend, tmp_path))
    yield s
    s.close()


def ingest_into(store: Store, *paths: Path | str) -> pipeline.IngestReport:
    return pipeline.run([str(p) for p in paths], store)


def articles_by_stem(store: Store) -> dict[str, Article]:
    return {Path(a.source).stem: a for a in store.iter_articles()}


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))


@contextmanager
def serving(db: str, **settings: Any) -> Iterator[str]:
    """The web app under a real uvicorn on 127.0.0.1 (a free port), and its base URL while
    it runs; `settings` are `kabar.web.Settings` fields besides the store."""
    import socket
    import threading
    import time

    import uvicorn

    from kabar.web import Settings, create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(db=db, **settings)), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
