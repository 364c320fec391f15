"""Ingest on hostile and huge input (issue 13): archives streamed record by record with the
size limit per record, truncation and non-archives reported, one bad JSON line costing only
itself, encodings recognised, a killed ingest rerun storing every record once, and
property tests over arbitrary bytes."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import ROOT, SHARED
from costs import within_budget
from kabar import synth
from kabar.ingest import DEFAULT_MAX_BYTES, decode, discover, input_bytes, read
from kabar.model import QuarantineEntry, RawDocument

PAGES = SHARED / "data" / "html-eval-dev" / "pages"
needs_pages = pytest.mark.skipif(not PAGES.is_dir(), reason="../shared/data/html-eval-dev is not here")


def _items(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[RawDocument | QuarantineEntry]:
    return list(read(str(path), max_bytes))


def _docs(items: list[RawDocument | QuarantineEntry]) -> list[RawDocument]:
    return [i for i in items if isinstance(i, RawDocument)]


def _problems(items: list[RawDocument | QuarantineEntry]) -> list[QuarantineEntry]:
    return [i for i in items if isinstance(i, QuarantineEntry)]


def _articles(n: int, seed: int = 11) -> list[str]:
    """Distinct synthetic Indonesian articles (kabar.synth)."""
    texts = list(dict.fromkeys(a.text for a in synth.generate(n, seed=seed)))
    return texts


def _real_pages(n: int) -> list[bytes]:
    return [gzip.decompress(p.read_bytes()) for p in sorted(PAGES.glob("*.html.gz"))[:n]]


def _write_warc(path: Path, pages: list[bytes], gz: bool = True) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for i, html in enumerate(pages):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                f"https://site{i % 7}.example.id/berita/{i}", "response", payload=io.BytesIO(html), http_headers=headers
            )
            writer.write_record(record)


def _jsonl(texts: list[str]) -> bytes:
    return b"".join(json.dumps({"id": f"a{i}", "text": t}).encode() + b"\n" for i, t in enumerate(texts))


# ---- archives streamed, limit per record


def test_a_jsonl_larger_than_the_limit_is_read_record_by_record(tmp_path: Path) -> None:
    texts = _articles(300)
    data = _jsonl(texts)
    limit = 20_000  # each record is under 5 KB, the file over 400 KB
    assert len(data) > 10 * limit
    for name, content in (("feed.jsonl", data), ("feed.jsonl.gz", gzip.compress(data))):
        (tmp_path / name).write_bytes(content)
        items = _items(tmp_path / name, limit)
        assert _problems(items) == []
        assert [d.body for d in _docs(items)] == texts


def test_an_over_long_jsonl_line_is_quarantined_alone_without_being_held(tmp_path: Path) -> None:
    texts = _articles(20)
    huge = json.dumps({"id": "huge", "text": "kata " * 2_000_000}).encode() + b"\n"  # 10 MB
    data = _jsonl(texts[:10]) + huge + _jsonl(texts[10:]).replace(b'"id": "a', b'"id": "b')
    path = tmp_path / "feed.jsonl"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        items = _items(path, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (problem,) = _problems(items)
    assert (problem.source, problem.reason) == (f"{path}#11", "record too large")
    assert len(_docs(items)) == 20
    assert peak < 6_000_000, peak  # the 10 MB line was never in memory, only a few 1 MB pieces of it


def test_a_big_jsonl_streams_in_flat_memory(tmp_path: Path) -> None:
    texts = _articles(400)
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as fh:
        for _ in range(10):
            fh.write(_jsonl(texts))
    size = path.stat().st_size
    assert size > 7_000_000
    tracemalloc.start()
    try:
        count = 0
        for item in read(str(path), max_bytes=1_000_000):
            assert isinstance(item, RawDocument)
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 10 * len(texts)
    assert peak < size / 5, (peak, size)


@needs_pages
@pytest.mark.parametrize("gz", [True, False])
def test_a_warc_larger_than_the_limit_keeps_every_record_and_refuses_only_the_big_one(tmp_path: Path, gz: bool) -> None:
    pages = _real_pages(40)
    limit = max(len(p) for p in pages) + 1
    big = b"<html><body>" + b"<p>kata kata kata</p>" * (limit // 10) + b"</body></html>"
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    _write_warc(path, [*pages[:20], big, *pages[20:]], gz=gz)
    assert path.stat().st_size > limit
    items = _items(path, limit)
    (problem,) = _problems(items)
    assert problem.reason == "record too large" and "record 21" in problem.detail
    docs = _docs(items)
    assert len(docs) == 40
    assert docs[0].url == "https://site0.example.id/berita/0" and docs[0].site_key == "site0.example.id"


def _bomb_stream(size: int) -> bytes:
    """`size` bytes of NULs as gzip members of 1 MB each (as pigz writes), about 1 KB a member."""
    member = gzip.compress(b"\0" * (1 << 20), 9)
    return member * (size >> 20)


def test_a_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = _bomb_stream(2 << 30)  # 2 GB of NULs in about 2 MB
    limit = 1_000_000
    for name in ("bomb.txt.gz", "bomb.jsonl.gz"):
        (tmp_path / name).write_bytes(bomb)
    (txt,) = _items(tmp_path / "bomb.txt.gz", max_bytes=len(bomb) + 1)
    assert isinstance(txt, QuarantineEntry)
    assert (txt.reason, txt.detail) == ("file too large", f"decompressed size over limit {len(bomb) + 1}")
    jsonl = _items(tmp_path / "bomb.jsonl.gz", max_bytes=limit)
    assert [q.reason for q in _problems(jsonl)] == ["record too large", "gzip bomb"]


@needs_pages
def test_a_gzip_bomb_record_in_a_warc_stops_at_the_limit(tmp_path: Path) -> None:
    pages = _real_pages(3)
    path = tmp_path / "crawl.warc.gz"
    _write_warc(path, pages)
    with open(path, "ab") as fh:  # one more gzip member: a response of 64 MB of NULs in 64 KB
        header = (
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bomb>\r\n"
            "WARC-Target-URI: https://x.example/b\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {(64 << 20) + 45}\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
        ).encode()
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # one member, as a WARC record is
        parts = [compressor.compress(header)]
        parts += [compressor.compress(b"\0" * (1 << 20)) for _ in range(64)]
        fh.write(b"".join(parts) + compressor.flush())
    items = _items(path, max_bytes=1_000_000)
    assert len(_docs(items)) == 3
    assert [q.reason for q in _problems(items)] == ["record too large", "gzip bomb"]


def test_a_warc_header_line_without_end_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "long-header.warc"
    path.write_bytes(
        b"WARC/1.0\r\nWARC-Type: response\r\nX-Note: " + b"a" * 30_000_000 + b"\r\nContent-Length: 5\r\n\r\nhalo"
    )
    tracemalloc.start()
    try:
        (problem,) = _items(path, max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(problem, QuarantineEntry) and problem.reason == "broken WARC record"
    assert peak < 15_000_000, peak  # the 30 MB line is cut at the 1 MB record limit


# ---- truncation and things that are not archives


@needs_pages
@pytest.mark.parametrize("gz", [True, False])
def test_a_truncated_warc_keeps_the_records_before_the_cut(tmp_path: Path, gz: bool) -> None:
    whole = tmp_path / "whole.warc"
    _write_warc(whole, _real_pages(6), gz=gz)
    data = whole.read_bytes()
    complete = _items(whole)
    assert len(_docs(complete)) == 6 and _problems(complete) == []
    for fraction in (0.3, 0.55, 0.8, 0.999):
        cut = tmp_path / f"cut{fraction}.warc{'.gz' if gz else ''}"
        cut.write_bytes(data[: int(len(data) * fraction)])
        items = _items(cut)
        kept = len(_docs(items))
        assert [q.reason for q in _problems(items)] == [f"truncated after record {kept}"], (fraction, items[-1])
        assert kept < 6 or fraction == 0.999


def test_a_truncated_jsonl_keeps_the_lines_before_the_cut(tmp_path: Path) -> None:
    texts = _articles(30)
    data = _jsonl(texts)
    for gz in (True, False):
        content = gzip.compress(data)[:-200] if gz else data[: len(data) // 2]
        path = tmp_path / ("cut.jsonl.gz" if gz else "cut.jsonl")
        path.write_bytes(content)
        items = _items(path)
        docs = _docs(items)
        (problem,) = _problems(items)
        assert problem.reason == f"truncated after line {len(docs)}"
        assert [d.body for d in docs] == texts[: len(docs)] and 0 < len(docs) < 30
    # A last line without its newline that parses is not a truncation.
    (tmp_path / "no-newline.jsonl").write_bytes(data.rstrip(b"\n"))
    assert len(_docs(_items(tmp_path / "no-newline.jsonl"))) == 30


def test_a_text_file_named_warc_is_not_a_warc_archive(tmp_path: Path) -> None:
    for name, content in (("notes.warc", "Catatan rapat redaksi\nbesok pagi\n"), ("blank.warc", "\n\nCatatan\n")):
        (tmp_path / name).write_text(content, encoding="utf-8")
        (problem,) = _items(tmp_path / name)
        assert isinstance(problem, QuarantineEntry) and problem.reason == "not a WARC archive", problem
    (tmp_path / "page.warc.gz").write_bytes(gzip.compress(b"<html><body>halo</body></html>\n"))
    (problem,) = _items(tmp_path / "page.warc.gz")
    assert isinstance(problem, QuarantineEntry) and problem.reason == "not a WARC archive"


def test_empty_archives_and_a_fifo_are_quarantined(tmp_path: Path) -> None:
    (tmp_path / "blank.jsonl").write_bytes(b"\n  \n\n")
    (tmp_path / "empty.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "empty.warc.gz").write_bytes(gzip.compress(b""))
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would wait for a writer forever
    found = [f for f in discover([str(tmp_path)]) if isinstance(f, str)]
    reasons = {Path(f).name: [q.reason for q in _problems(list(read(f)))] for f in found}
    assert reasons == {
        "blank.jsonl": ["empty file"],
        "empty.jsonl.gz": ["empty file"],
        "empty.warc.gz": ["empty file"],
        "pipe.txt": ["not a regular file"],
    }


@needs_pages
def test_a_warc_gzipped_as_one_stream_is_read(tmp_path: Path) -> None:
    """`gzip crawl.warc` makes one gzip stream, not one member per record; warcio refuses
    it after the first record, so it is read again through a plain gzip reader."""
    plain = tmp_path / "crawl.warc"
    _write_warc(plain, _real_pages(5), gz=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    items = _items(whole)
    assert _problems(items) == [] and len(_docs(items)) == 5
    assert len({d.source for d in _docs(items)}) == 5


def test_a_folder_that_cannot_be_listed_is_quarantined(tmp_path: Path) -> None:
    """A folder nested deeper than PATH_MAX cannot be listed by its path (ENAMETOOLONG),
    even by root: discover reports it instead of skipping it."""
    (tmp_path / "ok.txt").write_text("Banjir di Kudus.\n", encoding="utf-8")
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(20):  # 20 × 250 characters > 4096
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    found = list(discover([str(tmp_path)]))
    assert str(tmp_path / "ok.txt") in found
    problems = [f for f in found if isinstance(f, QuarantineEntry)]
    assert [p.reason for p in problems] == ["cannot read folder"] and problems[0].detail == "File name too long"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_an_unreadable_folder_is_quarantined(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("x", encoding="utf-8")
    locked.chmod(0)
    try:
        found = list(discover([str(tmp_path)]))
    finally:
        locked.chmod(0o755)
    assert [(f.source, f.reason) for f in found if isinstance(f, QuarantineEntry)] == [
        (str(locked), "cannot read folder")
    ]


# ---- hostile JSON lines


def test_one_bad_jsonl_line_costs_only_itself(tmp_path: Path) -> None:
    good = _articles(3)
    lines = [
        json.dumps({"id": "first", "text": good[0]}).encode(),
        b'{"id": "nul", "text": "Banjir\x00 di Kudus"}',  # a raw NUL: invalid JSON, this line only
        b"9" * 5001,  # over the int digit limit: ValueError, not JSONDecodeError
        b"[" * 100_000,  # RecursionError
        b'{"id": "deep", "text": ' + b"[" * 100_000 + b"}",
        json.dumps({"id": "escaped-nul", "text": "Banjir\u0000 di Kudus melanda tiga desa."}).encode(),
        json.dumps({"id": "surrogate", "text": good[1] + "\ud800", "title": "Judul \udfff"}).encode(),
        json.dumps({"id": "types", "text": good[2], "url": ["x"], "title": {}, "published": 5, "outlet": 1}).encode(),
        json.dumps({"id": ["list"], "text": "Jalan rusak di Blora."}).encode(),
        json.dumps({"id": 42, "html": "<p>Harga cabai turun.</p>", "text": None}).encode(),
        json.dumps({"id": "nothing", "text": ["not", "text"]}).encode(),
        b"\xff\xfe{bytes that are no encoding",
        b'{"id": "cp1252", "text": "Kafe milik Andr\xe9 di Kemang menjual kopi seharga Rp 25.000 \x96 30.000 per gelas."}',
    ]
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = _items(path)
    reasons = {Path(i.source).name: i.reason for i in _problems(items)}
    assert reasons.pop("feed.jsonl#12") in ("broken JSON line", "undecodable text")
    assert reasons == {
        "feed.jsonl#2": "broken JSON line",
        "feed.jsonl#3": "broken JSON line",
        "feed.jsonl#4": "broken JSON line",
        "feed.jsonl#5": "broken JSON line",
        "feed.jsonl#11": "record has no text or html",
    }
    assert all("line " in i.detail for i in _problems(items))
    docs = {Path(d.source).name: d for d in _docs(items)}
    assert set(docs) == {"feed.jsonl#" + k for k in ("first", "escaped-nul", "surrogate", "types", "9", "42", "cp1252")}
    assert docs["feed.jsonl#escaped-nul"].body == "Banjir di Kudus melanda tiga desa."
    surrogate = docs["feed.jsonl#surrogate"]
    assert surrogate.body.endswith("\ufffd") and surrogate.title == "Judul \ufffd"
    surrogate.body.encode("utf-8")  # nothing downstream meets a lone surrogate
    typed = docs["feed.jsonl#types"]
    assert (typed.url, typed.title, typed.published, typed.outlet, typed.body) == (None, None, None, None, good[2])
    assert docs["feed.jsonl#42"].format == "html"
    assert "André" in docs["feed.jsonl#cp1252"].body and "–" in docs["feed.jsonl#cp1252"].body


# ---- decoding


_LINES_UTF8 = ["Menteri mengatakan “kami siap” menghadapi banjir tahun ini.",
               "Harga cabai naik menjadi Rp 45.000 per kilogram — tertinggi sejak Maret."]  # fmt: skip
_LINES_CP1252 = ["Kafe milik André di Kemang menjual kopi seharga Rp 25.000 – 30.000 per gelas.",
                 "Suhu udara mencapai 35°C dengan kelembapan ±80 persen, kata petugas BMKG."]  # fmt: skip
_MIXED = [_LINES_UTF8[0], "Warga mengungsi ke balai desa.", _LINES_CP1252[0], _LINES_UTF8[1], _LINES_CP1252[1]]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom_are_text(tmp_path: Path, encoding: str) -> None:
    text = "\n".join(_MIXED) + "\n"
    assert decode(text.encode(encoding)) == text
    (tmp_path / "a.txt").write_bytes(text.encode(encoding))
    (doc,) = _items(tmp_path / "a.txt")
    assert isinstance(doc, RawDocument) and doc.body == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32-be"])
def test_a_jsonl_in_utf16_or_utf32_is_read_line_by_line(tmp_path: Path, encoding: str) -> None:
    texts = [*_articles(3), "\n".join(_MIXED)]
    data = "".join(json.dumps({"id": f"a{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    for name, content in (
        ("feed.jsonl", data.encode(encoding)),
        ("feed.jsonl.gz", gzip.compress(data.encode(encoding))),
    ):
        (tmp_path / name).write_bytes(content)
        items = _items(tmp_path / name)
        assert [d.body for d in _docs(items)] == texts and _problems(items) == [], name


def test_a_file_mixing_utf8_and_cp1252_is_decoded_line_by_line(tmp_path: Path) -> None:
    data = b"\n".join(line.encode("cp1252" if line in _LINES_CP1252 else "utf-8") for line in _MIXED)
    assert decode(data) == "\n".join(_MIXED)
    # Binary stays binary.
    assert decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)[0] == "binary file"


# ---- progress by bytes


@needs_pages
def test_on_bytes_adds_up_to_the_input_size_as_records_are_read(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(_jsonl(_articles(600))))
    _write_warc(tmp_path / "crawl.warc.gz", _real_pages(30))
    (tmp_path / "a.txt").write_text("Banjir di Kudus.\n", encoding="utf-8")
    (tmp_path / "cut.jsonl").write_bytes(b'{"text": "a"}\n{"text": ')
    with open(tmp_path / "images.warc.gz", "wb") as fh:  # records that give no document
        writer = WARCWriter(fh, gzip=True)
        for i in range(40):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
            payload = io.BytesIO(os.urandom(20_000))
            writer.write_record(writer.create_warc_record(f"https://x.example/{i}.jpg", "response", payload=payload,
                                                          http_headers=headers))  # fmt: skip
    for path in sorted(tmp_path.iterdir()):
        steps: list[int] = []
        documents = sum(1 for _ in read(str(path), on_bytes=steps.append))
        assert sum(steps) == path.stat().st_size and all(s > 0 for s in steps), path.name
        if path.name not in ("a.txt", "cut.jsonl"):
            assert len(steps) > 3, path.name  # reported as the archive is read, not at its end
    assert documents == 0  # images.warc.gz, the last: progress without a document
    assert input_bytes([str(tmp_path)]) == sum(p.stat().st_size for p in tmp_path.iterdir())


# ---- kill -9 midway, then rerun


def _stored(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0  # not created yet


def _kabar(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kabar", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_kill_9_midway_then_rerun_stores_every_record_once(tmp_path: Path) -> None:
    texts = _articles(330, seed=5)  # two chunks of 256 documents: killed once the first is stored
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(_jsonl(texts))
    db = tmp_path / "k.db"
    args = ("ingest", "--db", str(db), "--no-embed", "--quiet", str(feed))
    first = _kabar(*args)
    deadline = time.monotonic() + 60
    while _stored(db) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = _stored(db)
    assert first.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert 0 < killed_at < len(texts)
    second = _kabar(*args)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()
    assert _stored(db) == len(texts)
    con = sqlite3.connect(db)
    sources = sorted(row[0] for row in con.execute("SELECT source FROM articles"))
    con.close()
    assert sources == sorted(f"{feed}#a{i}" for i in range(len(texts)))  # each record once, none lost


# ---- properties over arbitrary bytes


_SUFFIXES = [".txt", ".html", ".jsonl", ".warc", ".txt.gz", ".jsonl.gz", ".warc.gz"]


def _check(items: Iterator[RawDocument | QuarantineEntry]) -> None:
    for item in items:
        assert isinstance(item, RawDocument | QuarantineEntry)
        if isinstance(item, QuarantineEntry):
            assert item.reason
        else:
            item.body.encode("utf-8")


def _timed(path: Path) -> None:
    within_budget(lambda: _check(read(str(path), max_bytes=50_000)), path.stat().st_size)


@settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=100_000), suffix=st.sampled_from(_SUFFIXES))
def test_read_never_raises_on_arbitrary_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    path.write_bytes(gzip.compress(data, 1) if suffix.endswith(".gz") else data)
    _timed(path)


# The last two go past the int digit limit and the nesting limit.
_JSON_BITS = st.sampled_from([b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u", b"d800", b":", b",", b"\n", b"\x00",
                              b'"text"', b'"url"', b'"id"', b"9" * 50, b"1e999", b"null", b"\xff", b"\xe9",
                              b"9" * 4400, b"[" * 2000])  # fmt: skip


@settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(st.one_of(_JSON_BITS, st.binary(max_size=20)), max_size=400))
def test_read_never_raises_on_jsonish_lines(tmp_path: Path, parts: list[bytes]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(parts))
    _timed(path)


_WARC_HEAD = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response\r\n"


@settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(length=st.integers(min_value=-5, max_value=10**12), tail=st.binary(max_size=2_000), gz=st.booleans())
def test_read_never_raises_on_warc_like_bytes(tmp_path: Path, length: int, tail: bytes, gz: bool) -> None:
    data = _WARC_HEAD + f"Content-Length: {length}\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".encode()
    data += tail
    path = tmp_path / ("x.warc.gz" if gz else "x.warc")
    path.write_bytes(gzip.compress(data, 1) if gz else data)
    _timed(path)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=100_000), st.text(max_size=20_000).map(lambda t: t.encode("utf-16-le", "surrogatepass"))
    )
)
def test_decode_never_raises(data: bytes) -> None:
    result = within_budget(lambda: decode(data), len(data))
    if isinstance(result, str):
        result.encode("utf-8", "surrogatepass")
    else:
        reason, _ = result
        assert reason
