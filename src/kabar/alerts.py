"""Saved watches and their notifications (`kabar alerts`, issue 17).

An alert is a saved search (words, an entity by any of its names, an outlet, a language)
and a condition:

- `new-story`: a story that began after the alert's last look has a matching article;
- `new-outlet`: a story the alert follows gains an outlet;
- `sources:N`: a story the alert follows reaches N independent outlets (an outlet whose
  articles in the story are all copies of others' does not count);
- `conflict`: a new article in a followed story gives a figure that contradicts another's.

A story is followed once one of its articles matched the alert (a "watching" row marks it).

`check(store)` looks at the articles stored since each alert's `checked_seq` (at most
`CHECK_BATCH` a call, in ingest order), and writes the notifications with the alert's new
`checked_seq` in one transaction: one keyed by (alert, story, event) is written once, so a
story and condition notify once, across restarts and repeated checks. Every read is bounded:
the new articles by the batch, a story's outlets by one GROUP BY, a conflict by the new
articles and the story's first `CONFLICT_SAMPLE`.

`deliver(store)` posts each pending notification of an alert with a webhook as JSON, signed
with HMAC-SHA256 of the body under the alert's secret (`SIGNATURE_HEADER`: "sha256=HEX"). A
failed post is tried again later with a growing wait, at most `MAX_DELIVERIES` times.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from kabar.extract.story import figure_conflicts
from kabar.fetch.client import address_problem
from kabar.query import Filters
from kabar.search import query_variants, resolved
from kabar.store import Alert, AlertEvent, Store

CONDITIONS = ("new-story", "new-outlet", "sources:N", "conflict")
WATCHING = "watching"
# New articles one batch of a check looks at per alert, so a check after a bulk ingest of a
# million articles holds one batch at a time.
CHECK_BATCH = 5000
# Batches one check reads per alert: 200 × 5,000 = a million articles, a bulk ingest's worth;
# past that the next check goes on.
MAX_ROUNDS = 200
# Stories one check looks at per alert (the rest of the batch moves on without them):
# a monitor's pass of 10,000 pages touches a few hundred stories.
MAX_STORIES = 1000
# A new article's figures are compared with the story's first this many articles (and the
# other new ones): where the figures an event is known by are first given.
CONFLICT_SAMPLE = 60
# New articles of a story a notification lists.
PAYLOAD_ARTICLES = 10
# Webhook delivery: a post's timeout, the waits between tries (30 s, 1, 2, 4, 8 min, ...)
# and the tries before a notification is given up (it stays in the feed and the UI).
WEBHOOK_TIMEOUT = 10.0
RETRY_BASE = timedelta(seconds=30)
MAX_DELIVERIES = 8
DELIVERY_BATCH = 200
SIGNATURE_HEADER = "X-Kabar-Signature"
EVENT_HEADER = "X-Kabar-Event"
MIN_SOURCES = 2
MAX_NAME = 100
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")  # no nested quantifier over one class: linear


class AlertError(ValueError):
    """An alert that cannot be made as asked (the message says why)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def condition_of(text: str) -> str:
    """`text` as a condition ("sources:3" kept with its number); AlertError if it is none."""
    value = text.strip().lower()
    if value in ("new-story", "new-outlet", "conflict"):
        return value
    kind, _, number = value.partition(":")
    if kind == "sources" and number.isdigit() and int(number) >= MIN_SOURCES:
        return f"sources:{int(number)}"
    raise AlertError(
        f"unknown condition {text!r}: one of new-story, new-outlet, sources:N (N ≥ {MIN_SOURCES}), conflict"
    )


def _webhook(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertError(f"a webhook is an http(s) URL, not {url!r}")
    return url.strip()


def new_alert(
    store: Store,
    name: str,
    query: str = "",
    *,
    condition: str = "new-story",
    entity: str | None = None,
    outlet: str | None = None,
    language: str | None = None,
    webhook: str | None = None,
    allow_private: bool = False,
) -> Alert:
    """Make and store an alert that looks at articles stored from now on. AlertError if it
    is not well formed (no words and no entity, a query with no searchable word, an unknown
    condition, a webhook that is not http(s)) or its name is taken."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise AlertError(f"an alert needs a name of 1 to {MAX_NAME} characters")
    query = " ".join(query.split())
    if not query and not (entity and entity.strip()):
        raise AlertError("an alert needs words (--query) or an entity (--entity)")
    if query and not query_variants(query):
        raise AlertError(f"nothing to search for in {query!r}")
    alert = Alert(
        id=secrets.token_hex(6),
        name=name,
        query=query,
        condition=condition_of(condition),
        secret=secrets.token_hex(32),
        created=now_iso(),
        checked_seq=store.max_seq(),
        entity=(entity or "").strip() or None,
        outlet=(outlet or "").strip() or None,
        language=(language or "").strip() or None,
        webhook=_webhook(webhook),
        allow_private=allow_private,
    )
    try:
        store.save_alert(alert)
    except ValueError as exc:
        raise AlertError(str(exc)) from None
    return alert


def find(store: Store, id_or_name: str) -> Alert | None:
    key = id_or_name.strip().lower()
    return next((a for a in store.alerts() if a.id == key or a.name.lower() == key), None)


# ---- Checking


# The latest article when a batch was read, and the batch: (ingest order, id, story).
_Batch = tuple[int, list[tuple[int, str, str | None]]]


@dataclass
class _Story:
    new_articles: list[str] = field(default_factory=list)
    matched: bool = False


def _story_payload(store: Store, story_id: str) -> dict[str, Any]:
    ref = store.story_refs([story_id]).get(story_id)
    if ref is None:
        return {"id": story_id}
    return ref.to_record()


def _articles_payload(store: Store, ids: Sequence[str]) -> list[dict[str, Any]]:
    refs = store.article_refs(list(ids[-PAYLOAD_ARTICLES:]))
    return [refs[i].to_record() for i in ids[-PAYLOAD_ARTICLES:] if i in refs]


def _independent(outlets: dict[str, bool]) -> int:
    return sum(outlets.values())


class _Check:
    """One alert's look at the articles stored since its last."""

    def __init__(self, store: Store, alert: Alert, when: str) -> None:
        self.store, self.alert, self.when = store, alert, when
        self.events: list[AlertEvent] = []

    def event(self, story: str, name: str, stories: dict[str, _Story], detail: dict[str, Any]) -> None:
        payload = {
            "alert": {"id": self.alert.id, "name": self.alert.name, "condition": self.alert.condition},
            "event": name,
            "created": self.when,
            "story": _story_payload(self.store, story),
            "articles": _articles_payload(self.store, stories[story].new_articles),
            **detail,
        }
        delivery = self.when if self.alert.webhook else None
        self.events.append(AlertEvent(self.alert.id, story, name, self.when, payload, next_try=delivery))

    def run(self, limit: int, batches: dict[int, _Batch]) -> int:
        """Collect this alert's events; the `checked_seq` it reached. `batches` keeps the
        new articles read after a mark, for the other alerts at the same mark."""
        alert, store = self.alert, self.store
        if alert.checked_seq not in batches:
            # The latest article first: what is stored after this read waits for the next.
            top = store.max_seq()
            batches[alert.checked_seq] = (top, store.articles_after(alert.checked_seq, None, "all", Filters(), limit))
        # Every new article (matching or not) tells which followed stories moved.
        top, every = batches[alert.checked_seq]
        variants = query_variants(alert.query) if alert.query else None
        filters = resolved(Filters(outlet=alert.outlet, language=alert.language, entity=alert.entity))
        matched = store.articles_after(alert.checked_seq, variants, "all", filters, limit)
        reached = max([top, *(s for s, _, _ in every)]) if len(every) < limit else every[-1][0]
        stories: dict[str, _Story] = defaultdict(_Story)
        matched_ids = {aid for seq, aid, _ in matched if seq <= reached}
        resolved_ids: dict[str, str] = {}
        for seq, aid, story in every:
            if seq > reached or story is None:
                continue
            if story not in resolved_ids:
                resolved_ids[story] = store.resolve_story(story)
            entry = stories[resolved_ids[story]]
            entry.new_articles.append(aid)
            entry.matched = entry.matched or aid in matched_ids
        followed = store.alert_stories(alert.id, [s for s, e in stories.items() if not e.matched])
        chosen = [s for s, e in stories.items() if e.matched or s in followed][:MAX_STORIES]
        for story in chosen:
            if stories[story].matched and story not in followed:
                self.events.append(AlertEvent(alert.id, story, WATCHING, self.when, {}))
            self._conditions(story, stories)
        return reached

    def _conditions(self, story: str, stories: dict[str, _Story]) -> None:
        alert, store = self.alert, self.store
        started = store.story_started(story)
        kind, _, number = alert.condition.partition(":")
        if kind == "new-story":
            if started > alert.checked_seq and stories[story].matched:
                self.event(story, "new-story", stories, {})
        elif kind == "new-outlet":
            # Outlets the story had when the alert last looked, or at its first article.
            before = store.story_outlets(story, max(alert.checked_seq, started))
            now = store.story_outlets(story)
            for outlet in sorted(set(now) - set(before)):
                self.event(story, f"new-outlet:{outlet}", stories, {"outlet": outlet})
        elif kind == "sources":
            n = int(number)
            had = _independent(store.story_outlets(story, alert.checked_seq))
            now_outlets = store.story_outlets(story)
            if had < n <= _independent(now_outlets):
                independent = sorted(o for o, ok in now_outlets.items() if ok)
                self.event(story, f"sources:{n}", stories, {"sources": independent})
        elif kind == "conflict":
            self._conflicts(story, stories)

    def _conflicts(self, story: str, stories: dict[str, _Story]) -> None:
        new = stories[story].new_articles
        earlier = [r.id for r in self.store.story_first_articles(story, CONFLICT_SAMPLE)]
        ids = list(dict.fromkeys([*earlier, *new]))
        fresh = set(new)
        for conflict in figure_conflicts(self.store.get_articles(ids)):
            if conflict.first.article not in fresh and conflict.second.article not in fresh:
                continue
            # The figures, not the articles: a third outlet repeating a figure already in
            # conflict is not a new conflict.
            figures = sorted(_numbers(f) for f in (conflict.first_figure, conflict.second_figure))
            key = "|".join((conflict.unit, *figures))
            digest = hashlib.sha1(key.encode()).hexdigest()[:12]
            detail = {"conflict": {
                "unit": conflict.unit,
                "figures": [
                    {"figure": conflict.first_figure, "article": conflict.first.article,
                     "outlet": conflict.first.outlet, "text": conflict.first.text},
                    {"figure": conflict.second_figure, "article": conflict.second.article,
                     "outlet": conflict.second.outlet, "text": conflict.second.text},
                ],
            }}  # fmt: skip
            self.event(story, f"conflict:{digest}", stories, detail)


def _numbers(figure: str) -> str:
    """A figure's digits, without its words ("mencapai 7 orang" and "7 orang" are one)."""
    return " ".join(_DIGITS.findall(figure)) or figure


def check(store: Store, *, limit: int = CHECK_BATCH, rounds: int = MAX_ROUNDS) -> list[AlertEvent]:
    """Look at what was stored since each alert's last look, `limit` articles at a time and
    at most `rounds` times an alert (each batch is committed with its notifications, so
    memory stays bounded and a killed check resumes where it stopped); the new notifications
    (see the module doc)."""
    new: list[AlertEvent] = []
    batches: dict[int, _Batch] = {}  # alerts mostly share their mark
    for alert in store.alerts():
        for _ in range(rounds):
            run = _Check(store, alert, now_iso())
            reached = run.run(limit, batches)
            fresh = store.add_alert_events(run.events, {alert.id: reached})
            new.extend(e for e in fresh if e.event != WATCHING)
            if reached >= store.max_seq() or reached == alert.checked_seq:
                break
            alert = replace(alert, checked_seq=reached)
    return new


# ---- Delivery


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`: "sha256=" and the HMAC-SHA256 in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """Whether `signature` (the header's value) is `body`'s under `secret` (constant time)."""
    return hmac.compare_digest(sign(secret, body), signature)


def _public(url: str) -> str | None:
    """Why `url`'s host may not take a webhook (the fetcher's address rule), or None."""
    parts = urlsplit(url)
    problem = address_problem(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    return f"{problem} (add the alert with --allow-private)" if problem else None


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0  # tried and to be tried again
    given_up: int = 0


def _body(event: AlertEvent) -> bytes:
    return json.dumps(event.payload, ensure_ascii=False, sort_keys=True).encode()


def deliver(
    store: Store,
    *,
    client: httpx.Client | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    limit: int = DELIVERY_BATCH,
) -> DeliveryReport:
    """Post the pending notifications to their alerts' webhooks (see the module doc)."""
    report = DeliveryReport()
    own = client is None
    http = client or httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False, trust_env=False)
    try:
        for alert, event in store.pending_deliveries(clock().isoformat(timespec="seconds"), limit):
            assert alert.webhook is not None
            problem = None if alert.allow_private else _public(alert.webhook)
            if problem is None:
                body = _body(event)
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(alert.secret, body),
                    EVENT_HEADER: event.event,
                    "User-Agent": "kabar-alerts",
                }
                try:
                    response = http.post(alert.webhook, content=body, headers=headers)
                    if 200 <= response.status_code < 300:
                        store.save_delivery(replace(event, delivered=now_iso(), attempts=event.attempts + 1,
                                                    next_try=None, last_error=None))  # fmt: skip
                        report.delivered += 1
                        continue
                    problem = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"[:300]
            attempts = event.attempts + 1
            if attempts >= MAX_DELIVERIES:
                store.save_delivery(replace(event, attempts=attempts, next_try=None, last_error=problem))
                report.given_up += 1
            else:
                wait = RETRY_BASE * 2 ** (attempts - 1)
                later = (clock() + wait).isoformat(timespec="seconds")
                store.save_delivery(replace(event, attempts=attempts, next_try=later, last_error=problem))
                report.failed += 1
    finally:
        if own:
            http.close()
    return report
