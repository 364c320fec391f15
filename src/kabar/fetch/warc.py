"""Rolling WARC files of everything fetched (issue 17), so `kabar ingest DIR` can rebuild a
store from them and nothing depends on a site staying online.

Each response (with the request that got it) goes to `DIR/kabar-YYYYMMDD-HHMMSS-NNNNN.warc.gz`,
one gzip member per record as WARC readers expect. A record is built in memory and written
with one `write`, then flushed; if the write fails the file is cut back to where the record
began, so a record is in the file whole or not at all. The file is fsynced and closed when it
passes `max_bytes` (a new one is started for the next record) and on `close()`. A `kill -9`
can at worst leave the last record cut short, which `kabar ingest` reports as truncated
after the records before it, which it keeps.

The body is stored decompressed (the fetcher has already inflated it under its size cap), so
the recorded headers drop Content-Encoding and Transfer-Encoding and give the real length.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# A WARC file is rolled past this size: 1 GB is the usual crawler size (Heritrix); smaller
# files let `kabar ingest` and backups work in pieces.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Headers not true of the stored (decompressed, unchunked) body.
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class RollingWarc:
    """Appends request/response record pairs to rolling `.warc.gz` files under `folder`."""

    def __init__(self, folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, software: str = "kabar") -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.software = software
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._serial = 0
        self.records = 0

    @property
    def path(self) -> Path | None:
        """The file being written, if one is open."""
        return self._path

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("kabar-*.warc.gz"))

    def record(
        self,
        url: str,
        request_headers: Mapping[str, str],
        status: int,
        reason: str,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> None:
        """Append the request and the response for `url` (one record pair, whole or not at all)."""
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        kept = [(k, v) for k, v in response_headers if k.lower() not in _DROPPED]
        kept.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req = StatusAndHeaders(f"GET /{path} HTTP/1.1", list(request_headers.items()), is_http_request=True)
        request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=req)
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(response)
        writer.write_record(request)
        self._append(buffer.getvalue(), records=2)

    def _append(self, data: bytes, records: int) -> None:
        with self._lock:
            fh = self._open()
            start = fh.tell()
            try:
                fh.write(data)
                fh.flush()
            except OSError:
                fh.truncate(start)
                fh.seek(start)
                raise
            self.records += records
            if fh.tell() >= self.max_bytes:
                self._close_file()

    def _open(self) -> IO[bytes]:
        if self._file is not None:
            return self._file
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        while True:
            self._serial += 1
            path = self.folder / f"kabar-{stamp}-{self._serial:05d}.warc.gz"
            try:
                fh = open(path, "xb")  # noqa: SIM115 - held open across records, closed at roll
            except FileExistsError:
                continue
            break
        self._file, self._path = fh, path
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": self.software, "format": "WARC/1.1"}))
        fh.write(buffer.getvalue())
        fh.flush()
        return fh

    def _close_file(self) -> None:
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file, self._path = None, None

    def close(self) -> None:
        """Fsync and close the file being written; the next record starts a new one."""
        with self._lock:
            self._close_file()

    def __enter__(self) -> RollingWarc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
