"""Ingest: find input files, read them safely, and yield raw documents.

Formats: `.txt`, `.html`/`.htm`, `.jsonl`, `.warc`/`.warc.gz`, and gzip of any
of them. Bad input never stops a batch: it becomes a `QuarantineEntry` naming
the file (and line or record) and the reason.

Each format is a `Reader`, registered by suffix in `READERS`: a function from the
`Opened` file (its handle, size, limit, ...) to the items it holds. A new format is
one module with a reader and one call, made before `pipeline.run` (reading happens in
the calling process, whatever the worker count)::

    from kabar import ingest

    def read_csv(opened: ingest.Opened) -> Iterator[ingest.Item]: ...

    ingest.register_reader((".csv",), read_csv)

`read` opens the file, quarantines what cannot be opened or is empty, and reports
progress; the reader owns everything else, limits included. A gzip of a registered
suffix (`x.csv.gz`) reaches the same reader with `gz` set; a file given by name with a
suffix nobody registered is read as plain text.

JSONL and WARC are archives: they are streamed record by record from the file (memory
stays flat whatever their size), and the size limit applies to each record. A plain
text or HTML file is one document, and the limit applies to the whole file (after
decompression, so a gzip bomb stops at the limit).

JSONL fields: `text` or `html` (the first that is a non-blank string) is the body; `id`
(a string or an integer) keys the record, else its line number does; `url`, `title`,
`published`, `outlet`, `language` are hints, kept only when they are strings. A hint of
another type (`"url": ["x"]`, `"published": 5`) is dropped and the record goes through;
a line that is not a JSON object, or has no body, is quarantined naming the line.
Every string read from a record has lone surrogates replaced by U+FFFD and NUL removed
(neither can be encoded or stored).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, KeysView
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import IO, Any

from kabar import pages
from kabar.guard import one_line
from kabar.model import DocFormat, QuarantineEntry, RawDocument

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Share of control characters above which a file is binary, not text.
MAX_CONTROL_SHARE = 0.01
# Decompressed bytes per compressed byte beyond which a gzip stream is a bomb. Of the 487
# real pages in ../shared/data/html-eval-dev the most compressible expands 27 times (the
# median 4.6); deflate's ceiling is about 1,032 (a stream of one repeated byte). Judged
# only once a stream has given more than the size limit, so small files are never refused.
MAX_EXPANSION = 200
# Bytes read at a time when skipping the rest of an over-long JSONL line or WARC record.
SKIP_PIECE = 1 << 20

Item = RawDocument | QuarantineEntry
OnBytes = Callable[[int], None]
# A suffix a reader can register: a dot and one lower-case extension (files match it in
# any case; `.gz` is taken off first, so it and two-part suffixes would never match).
_SUFFIX = re.compile(r"\.[a-z0-9_+-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UTF8_BOM = b"\xef\xbb\xbf"
_JSON_FIELDS = ("url", "title", "published", "outlet", "language")


def discover(paths: Iterable[str]) -> Iterator[str | QuarantineEntry]:
    """Input files under `paths`, recursively, in a stable order. A folder that cannot
    be listed is a quarantine entry, not a silent gap."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            unreadable: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unreadable.append):
                yield from _folder_errors(unreadable)
                dirs.sort()
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    if not name.startswith(".") and _inner_suffix(name) in READERS:
                        yield str(Path(root) / name)
            yield from _folder_errors(unreadable)
        elif path.is_file():
            yield given
        else:
            yield QuarantineEntry(given, "no such file or folder")


def _folder_errors(errors: list[OSError]) -> Iterator[QuarantineEntry]:
    for exc in errors:
        yield QuarantineEntry(str(exc.filename), "cannot read folder", exc.strerror or str(exc))
    errors.clear()


def input_bytes(paths: Iterable[str]) -> int:
    """Total on-disk size of the files `discover` finds: the total of a progress bar
    driven by `read`'s `on_bytes`."""
    total = 0
    for found in discover(paths):
        if isinstance(found, str):
            try:
                total += os.path.getsize(found)
            except OSError:
                continue
    return total


def _inner_suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return os.path.splitext(lower)[1]


class _Progress:
    """Reports the on-disk bytes consumed from one file since the last report."""

    def __init__(self, on_bytes: OnBytes | None) -> None:
        self.on_bytes = on_bytes
        self.reported = 0

    def to(self, position: int) -> None:
        if self.on_bytes is not None and position > self.reported:
            self.on_bytes(position - self.reported)
            self.reported = position


@dataclass(frozen=True)
class Opened:
    """One input file as `read` hands it to a reader: open, regular, not empty."""

    source: str  # the path; a record's source is `source#<its id or number>`
    fh: IO[bytes]  # the raw file, at its start (still compressed when `gz`)
    gz: bool  # the name ends in `.gz`: the reader decompresses (and guards against bombs)
    size: int  # bytes on disk
    max_bytes: int  # the size limit, per document (per record in an archive)
    site_key: str  # the file's folder: the site of its documents when nothing better is known
    tick: Callable[[], None]  # report progress up to `fh`'s position (between records)


Reader = Callable[[Opened], Iterator[Item]]
READERS: dict[str, Reader] = {}
# The suffixes `discover` picks up in folders; a live view of `READERS`.
SUPPORTED: KeysView[str] = READERS.keys()


def register_reader(suffixes: Iterable[str], reader: Reader, *, replace: bool = False) -> None:
    """Read files ending in any of `suffixes` (and their `.gz`) with `reader`. A suffix
    is a dot and one lower-case extension (`".csv"`); one taken by another reader is
    refused unless `replace`. Nothing is registered when any suffix is refused."""
    wanted = [suffixes] if isinstance(suffixes, str) else list(suffixes)
    if not wanted:
        raise ValueError("no suffix to register")
    for suffix in wanted:
        if not isinstance(suffix, str) or not _SUFFIX.fullmatch(suffix) or suffix == ".gz":
            raise ValueError(f"bad reader suffix {suffix!r}: a dot and one lower-case extension, like '.csv'")
        taken = READERS.get(suffix, reader)
        if taken is not reader and not replace:
            raise ValueError(f"suffix {suffix!r} is already read by {getattr(taken, '__name__', taken)!r}")
    for suffix in wanted:
        READERS[suffix] = reader


def read(source: str, max_bytes: int = DEFAULT_MAX_BYTES, on_bytes: OnBytes | None = None) -> Iterator[Item]:
    """Raw documents (or quarantine entries) from one input file.

    `on_bytes`, when given, is called with the number of on-disk bytes consumed since its
    last call; over the whole file the calls add up to the file's size.
    """
    progress = _Progress(on_bytes)
    try:
        if not stat.S_ISREG(os.stat(source).st_mode):  # a FIFO would block the open
            yield QuarantineEntry(source, "not a regular file")
            return
        fh = open(source, "rb")  # noqa: SIM115 - closed below, after the generator is done
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        yield QuarantineEntry(source, "cannot read file", exc.strerror or str(exc))
        return
    try:
        if size == 0:
            yield QuarantineEntry(source, "empty file")
            return
        gz = source.lower().endswith(".gz")
        site_key = str(Path(source).parent)

        # Archives report progress per line or record, skipped ones included.
        def tick() -> None:
            progress.to(fh.tell())

        reader = READERS.get(_inner_suffix(source), read_text)
        try:
            for item in reader(Opened(source, fh, gz, size, max_bytes, site_key, tick)):
                progress.to(fh.tell())
                yield item
        except OSError as exc:  # the disk failed under us (a gzip's own errors are caught inside)
            yield QuarantineEntry(source, "cannot read file", exc.strerror or one_line(exc))
    finally:
        fh.close()
        progress.to(size)


def read_text(opened: Opened) -> Iterator[Item]:
    """A plain text file: one document."""
    return _read_whole(opened, "txt")


def read_html(opened: Opened) -> Iterator[Item]:
    """An HTML page: one document."""
    return _read_whole(opened, "html")


def _read_whole(opened: Opened, fmt: DocFormat) -> Iterator[Item]:
    source, fh, gz, size, max_bytes, site_key = (
        opened.source, opened.fh, opened.gz, opened.size, opened.max_bytes, opened.site_key,
    )  # fmt: skip
    if size > max_bytes:
        yield QuarantineEntry(source, "file too large", f"{size} bytes > limit {max_bytes}")
        return
    if gz:
        try:
            with gzip.GzipFile(fileobj=fh) as inner:
                data = inner.read(max_bytes + 1)  # a gzip bomb stops here
        except EOFError as exc:
            yield QuarantineEntry(source, "broken gzip", f"truncated: {exc}")
            return
        except (OSError, zlib.error) as exc:
            yield QuarantineEntry(source, "broken gzip", str(exc))
            return
        if len(data) > max_bytes:
            yield QuarantineEntry(source, "file too large", f"decompressed size over limit {max_bytes}")
            return
        if not data:
            yield QuarantineEntry(source, "empty file", "nothing inside the gzip")
            return
    else:
        data = fh.read(max_bytes + 1)
    text = decode(data)
    if isinstance(text, str):
        if not text.strip():
            yield QuarantineEntry(source, "empty file", "only whitespace")
        else:
            yield RawDocument(source=source, body=text, format=fmt, site_key=site_key)
    else:
        yield QuarantineEntry(source, text[0], text[1])


def decode(data: bytes) -> str | tuple[str, str]:
    """Text from bytes, or (reason, detail) when the bytes are not text.

    UTF-8 is tried first because nearly everything is UTF-8 and charset detection is
    slow. Bytes with NULs go to charset-normalizer, which recognises UTF-16 and UTF-32
    without a byte order mark; binary data fails its detection or the control-character
    check. A file whose lines are partly UTF-8 and partly a legacy encoding (cp1252 pasted
    into a UTF-8 page) is decoded line by line; anything else not UTF-8 is left to
    charset-normalizer.
    """
    if data.startswith(_UTF8_BOM):
        data = data[3:]
    text: str | None = None
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            mixed = _mixed_lines(data)
            if isinstance(mixed, tuple):
                return mixed
            text = mixed
    if text is None:
        text = _detect(data)
        if text is None:
            if b"\x00" in data:
                return ("binary file", "contains NUL bytes")
            return ("undecodable text", "no character encoding fits these bytes")
    controls = len(_CONTROL.findall(text, 0, 20000))
    if controls > MAX_CONTROL_SHARE * min(len(text), 20000):
        return ("binary file", f"{controls} control characters")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


def _mixed_lines(data: bytes) -> str | tuple[str, str] | None:
    """Text of bytes mixing UTF-8 lines with lines in one legacy encoding, decoded line by
    line; None when no line needs UTF-8 (the whole is then one legacy encoding)."""
    lines = data.split(b"\n")
    utf8_lines = 0
    legacy: list[int] = []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            legacy.append(number)
    if not utf8_lines:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(b"\n".join(lines[n] for n in legacy)).best()
    if best is None or best.encoding.replace("-", "_") == "utf_8":
        return ("mixed encodings", f"{utf8_lines} lines are UTF-8, {len(legacy)} are in no encoding that fits")
    bad = set(legacy)
    return "\n".join(
        line.decode(best.encoding, errors="replace") if n in bad else line.decode("utf-8")
        for n, line in enumerate(lines)
    )


def clean_string(text: str) -> str:
    """A string read from a record, made safe to encode and store: lone surrogates become
    U+FFFD, NUL goes (PostgreSQL text cannot hold it), line ends are `\\n`, NFC."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", text))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "")


# ---- JSON Lines


class _Recoded:
    """Lines of a UTF-16 or UTF-32 stream given as UTF-8 bytes, so one loop reads every
    JSONL. `readline(limit)` reads at most `limit` characters (at most 4 bytes each)."""

    def __init__(self, stream: IO[bytes] | gzip.GzipFile, encoding: str) -> None:
        self.text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="\n")

    def readline(self, limit: int) -> bytes:
        return self.text.readline(limit).encode("utf-8")


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _wide_encoding(stream: IO[bytes] | gzip.GzipFile) -> str | None:
    """UTF-16 or UTF-32 when the stream starts with its byte order mark, or (without one)
    when charset-normalizer finds it in the first 64 KB, which hold NULs."""
    try:
        head = bytes(getattr(stream, "peek")(1 << 16)[: 1 << 16])  # noqa: B009 - IO has no peek in typing
    except (OSError, EOFError, zlib.error):
        return None  # the line loop meets the same error and reports it
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" not in head[:4096]:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(head[: len(head) // 4 * 4]).best()
    return best.encoding if best is not None and best.encoding.startswith(("utf_16", "utf_32")) else None


def read_jsonl(opened: Opened) -> Iterator[Item]:
    """JSON Lines: one document per line, streamed."""
    source, fh, gz, max_bytes, site_key, tick = (
        opened.source, opened.fh, opened.gz, opened.max_bytes, opened.site_key, opened.tick,
    )  # fmt: skip
    raw: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=fh) if gz else fh
    wide = _wide_encoding(raw)
    stream = raw if wide is None else _Recoded(raw, wide)
    number = 0  # lines read whole
    inflated = 0  # bytes the gzip has given
    anything = False  # a line that is not blank
    while True:
        try:
            line = stream.readline(max_bytes + 1)
            if len(line) > max_bytes and not line.endswith(b"\n"):
                number += 1
                detail = f"line {number}: over {max_bytes} bytes"
                yield QuarantineEntry(f"{source}#{number}", "record too large", detail)
                while True:  # skip the rest of the line without holding it
                    piece = stream.readline(SKIP_PIECE)
                    inflated += len(piece)
                    if gz and _bomb(inflated, fh.tell(), max_bytes):
                        yield _bomb_entry(source, number, "line")
                        return
                    if not piece or piece.endswith(b"\n"):
                        break
                continue
        except EOFError as exc:
            yield QuarantineEntry(source, f"truncated after line {number}", f"gzip stream ended early: {exc}")
            return
        except (OSError, zlib.error) as exc:
            if not gz:
                raise
            yield QuarantineEntry(source, f"broken gzip after line {number}", one_line(exc))
            return
        if not line:
            if not anything:
                yield QuarantineEntry(source, "empty file", "no JSON lines")
            return
        number += 1
        inflated += len(line)
        tick()
        if gz and _bomb(inflated, fh.tell(), max_bytes):
            yield _bomb_entry(source, number - 1, "line")
            return
        if number == 1 and line.startswith(_UTF8_BOM):
            line = line[3:]
        if not line.strip():
            continue
        anything = True
        item = _jsonl_record(source, number, line, site_key)
        if isinstance(item, QuarantineEntry) and item.reason == "broken JSON line" and not line.endswith(b"\n"):
            # The last line, cut short: the file was truncated (a missing final newline
            # alone is not truncation, the line would parse).
            yield QuarantineEntry(source, f"truncated after line {number - 1}", item.detail)
            return
        yield item


def _bomb(inflated: int, compressed: int, max_bytes: int) -> bool:
    return inflated > max_bytes and inflated > MAX_EXPANSION * max(compressed, 1)


def _bomb_entry(source: str, number: int, unit: str) -> QuarantineEntry:
    return QuarantineEntry(
        source, "gzip bomb", f"stopped after {unit} {number}: expands more than {MAX_EXPANSION} times"
    )


def _jsonl_record(source: str, number: int, line: bytes, site_key: str) -> Item:
    where = f"{source}#{number}"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        detected = _detect(line)
        if detected is None:
            return QuarantineEntry(where, "undecodable text", f"line {number}: no character encoding fits")
        text = detected
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return QuarantineEntry(where, "broken JSON line", f"line {number}: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return QuarantineEntry(where, "broken JSON line", f"line {number}: nested too deeply")
    except ValueError as exc:  # e.g. an integer over the interpreter's digit limit
        return QuarantineEntry(where, "broken JSON line", f"line {number}: {one_line(exc)}")
    if not isinstance(record, dict):
        return QuarantineEntry(where, "JSON line is not an object", f"line {number}")
    fmt: DocFormat = "txt"
    body = _field(record, "text")
    if body is None:
        fmt, body = "html", _field(record, "html")
    if body is None or not body.strip():
        return QuarantineEntry(where, "record has no text or html", f"line {number}")
    rid = record.get("id")
    if isinstance(rid, int) and not isinstance(rid, bool):
        rid = str(rid)
    keyed = f"{source}#{clean_string(rid)}" if isinstance(rid, str) and rid else where
    hints = {name: _field(record, name) for name in _JSON_FIELDS}
    return RawDocument(
        source=keyed, body=body, format=fmt, site_key=hints["outlet"] or site_key, url=hints["url"],
        title=hints["title"], published=hints["published"], outlet=hints["outlet"], language=hints["language"],
    )  # fmt: skip


def _field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if not isinstance(value, str):
        return None
    value = clean_string(value)
    return value if value.strip() else None


# ---- WARC


def read_warc(opened: Opened) -> Iterator[Item]:
    """A WARC archive (gzipped per record, as a whole, or not): one document per HTML
    response, streamed; an article's later pages that follow its first page (as `kabar
    fetch` writes them) are that document's `continuations`."""
    return join_pages(_warc_items(opened))


def join_pages(items: Iterable[Item]) -> Iterator[Item]:
    """The documents of `items` with each run of an article's pages joined: a document
    followed by the page its page links as the next one (`pages.next_page_url`), and so on,
    becomes one document whose `continuations` are the later pages' bodies (at most
    `pages.MAX_PAGES` pages in all). A later page without the page before it stays a
    document of its own. Quarantine entries pass through at once; at most one run of pages
    is held, so memory stays bounded by MAX_PAGES documents."""
    group: list[RawDocument] = []
    for item in items:
        if not isinstance(item, RawDocument):
            yield item
        elif group and len(group) < pages.MAX_PAGES and _next_page(group[-1], item):
            group.append(item)
        else:
            if group:
                yield _joined(group)
            group = [item]
    if group:
        yield _joined(group)


def _next_page(before: RawDocument, doc: RawDocument) -> bool:
    """Whether `doc` is the page `before` links as its next one. The URLs are compared
    first, so only a likely next page costs parsing `before`'s HTML."""
    if before.format != "html" or doc.format != "html" or not before.url or not doc.url:
        return False
    if not pages.is_continuation(before.url, doc.url):
        return False
    following = pages.next_page_url(before.body, before.url)
    return following is not None and pages.page_key(following) == pages.page_key(doc.url)


def _joined(group: list[RawDocument]) -> RawDocument:
    if len(group) == 1:
        return group[0]
    return replace(group[0], continuations=tuple(d.body for d in group[1:]))


def _warc_items(opened: Opened) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    source, fh, max_bytes, site_key, tick = opened.source, opened.fh, opened.max_bytes, opened.site_key, opened.tick

    reader = _WarcReader(source, max_bytes, site_key, tick)
    try:
        yield from reader.records(_archive(fh, max_bytes), fh)
    except ArchiveLoadFailed as exc:
        if reader.number == 0:
            yield QuarantineEntry(source, "not a WARC archive", one_line(exc))
        elif ArchiveIterator.GZIP_ERR_MSG.strip()[:40] in str(exc):
            # One gzip stream around the whole archive (`gzip crawl.warc`), not one per
            # record: read it again through a plain gzip reader, past the records done.
            fh.seek(0)
            again = _WarcReader(source, max_bytes, site_key, tick, skip=reader.number)
            try:
                yield from again.records(_archive(gzip.GzipFile(fileobj=fh), max_bytes), fh)
            except (ArchiveLoadFailed, *_WARC_ERRORS) as err:
                yield again.broken(err)
        else:
            yield reader.broken(exc)
    except _WARC_ERRORS as exc:
        # warcio raises whatever its parser trips on when a record is malformed.
        yield reader.broken(exc)


_WARC_ERRORS = (OSError, EOFError, zlib.error, ValueError, AttributeError, TypeError, KeyError, IndexError)


@cache
def _archive_class() -> type:
    """warcio's iterator, noting whether its last gzip member ended properly (a truncated
    `.warc.gz` otherwise just ends early). Built on first use: warcio takes 0.6 s to import."""
    from warcio.archiveiterator import ArchiveIterator

    class Archive(ArchiveIterator):  # type: ignore[misc]
        cut_short = False
        # warcio writes this warning, with the offending line, to stderr: a hostile line
        # would reach the terminal raw. The record that follows is checked anyway.
        INC_RECORD = ""

        def __init__(self, stream: IO[bytes] | gzip.GzipFile, max_bytes: int) -> None:
            super().__init__(stream)
            # warcio reads header lines whole: one line without an end would be read into
            # memory at any length. Capped at the record limit, it is cut and the record
            # fails to parse (quarantined) instead.
            unbounded = self.reader.readline

            def readline(length: int | None = None) -> bytes:
                return bytes(unbounded(max_bytes + 1 if length is None else min(length, max_bytes + 1)))

            self.reader.readline = readline

        def close(self) -> None:
            decompressor = self.reader.decompressor if self.reader is not None else None
            if decompressor is not None and not getattr(decompressor, "eof", True):
                self.cut_short = True
            super().close()

    return Archive


def _archive(stream: IO[bytes] | gzip.GzipFile, max_bytes: int) -> Any:
    return _archive_class()(stream, max_bytes)


class _WarcReader:
    def __init__(self, source: str, max_bytes: int, site_key: str, tick: Callable[[], None], skip: int = 0) -> None:
        self.source = source
        self.tick = tick
        self.max_bytes = max_bytes
        self.site_key = site_key
        self.skip = skip
        self.number = 0  # records read whole
        self.inflated = 0

    def broken(self, exc: BaseException) -> QuarantineEntry:
        n = self.number + 1
        return QuarantineEntry(f"{self.source}#{n}", "broken WARC record", f"record {n}: {one_line(exc)}")

    def records(self, archive: Any, fh: IO[bytes]) -> Iterator[Item]:
        for record in archive:
            if record.rec_type is None or record.rec_headers is None:
                if self.number == 0:
                    yield QuarantineEntry(self.source, "not a WARC archive", "no WARC header at the start")
                else:
                    yield self.broken(ValueError("no WARC header"))
                return
            n = self.number + 1
            rid = clean_string(record.rec_headers.get_header("WARC-Record-ID") or "") or str(n)
            where = f"{self.source}#{rid}"
            item: Item | None = None
            if n > self.skip and record.rec_type == "response":
                item = self._response(record, where, n)
            if not self._drain(record, fh):
                if item is not None:
                    yield item
                yield _bomb_entry(self.source, n, "record")
                return
            stream = record.raw_stream
            if isinstance(getattr(stream, "limit", None), int) and stream.limit > 0:
                yield QuarantineEntry(
                    self.source, f"truncated after record {self.number}", f"record {n} ends {stream.limit} bytes short"
                )
                return
            self.number = n
            self.tick()
            if item is not None:
                yield item
        if archive.cut_short:
            yield QuarantineEntry(self.source, f"truncated after record {self.number}", "gzip member ended early")
        elif self.number == 0:
            yield QuarantineEntry(self.source, "empty file", "no WARC records")

    def _response(self, record: Any, where: str, n: int) -> Item | None:
        url = clean_string(record.rec_headers.get_header("WARC-Target-URI") or "") or None
        ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
        if "html" not in ctype.lower():
            return None
        try:
            payload = record.content_stream().read(self.max_bytes + 1)
        except (OSError, zlib.error, ValueError, EOFError) as exc:
            return QuarantineEntry(where, "broken WARC record", f"record {n}: {one_line(exc)}")
        self.inflated += len(payload)
        if len(payload) > self.max_bytes:
            return QuarantineEntry(where, "record too large", f"record {n}: over {self.max_bytes} bytes")
        text = decode(payload)
        if not isinstance(text, str):
            return QuarantineEntry(where, text[0], f"record {n}: {text[1]}")
        if not text.strip():
            return QuarantineEntry(where, "empty WARC record", f"record {n}")
        host = url.split("/")[2] if isinstance(url, str) and url.count("/") >= 2 else self.site_key
        return RawDocument(source=where, body=text, format="html", url=url, site_key=host or self.site_key)

    def _drain(self, record: Any, fh: IO[bytes]) -> bool:
        """Read the rest of the record in bounded pieces; False when it is a gzip bomb."""
        while piece := record.raw_stream.read(SKIP_PIECE):
            self.inflated += len(piece)
            if _bomb(self.inflated, fh.tell(), self.max_bytes):
                return False
        return True


# ---- The built-in formats

register_reader((".txt", ".text"), read_text)
register_reader((".html", ".htm"), read_html)
register_reader((".jsonl",), read_jsonl)
register_reader((".warc",), read_warc)
