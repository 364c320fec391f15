"""Alerts in the web UI and the JSON API, and an Atom feed per alert (issue 17).

The pages: /alerts lists the alerts and the latest notifications across them, with a form
to add an alert and a button to remove each; /alerts/{id} is one alert and its
notifications; /alerts/{id}.atom its notifications as an Atom 1.0 feed. The API: GET and
POST /api/alerts, GET and DELETE /api/alerts/{id}.

Adding and removing follow the uploads' rule: writes need the server's token (none set:
writes are disabled). The API takes it as `Authorization: Bearer ...`; the page's forms
as a `token` field the reader types, which a page on another site cannot know, so a
cross-site form cannot add or remove an alert. An alert's secret (it signs the webhook's
posts) is answered once, to the request that made the alert, and never to a read; reads
show a webhook's host only, since a webhook URL often carries a key of its own. An alert
made here never posts to a private or loopback address (`allow_private` stays False).

Every list is bounded: the latest `LATEST` notifications across alerts, an alert's latest
`ALERT_EVENTS`, and each alert's count of notifications (one GROUP BY).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kabar import alerts
from kabar.store import Alert, AlertEvent, Store
from kabar.web.auth import bearer, token_matches

if TYPE_CHECKING:
    from kabar.web import Settings

# Notifications across alerts on /alerts: a screenful of what happened lately.
LATEST = 50
# An alert's notifications on its page and in its JSON, newest first (its page says "100+"
# when it has more).
ALERT_EVENTS = 100
FEED_ENTRIES = 50  # entries of an alert's Atom feed: what a feed reader polls for
# A form or JSON field's characters, as a search's or a filter's (web.MAX_TEXT); a webhook
# URL may be longer (a chat service's hook carries a long key): the common URL bound.
MAX_FIELD = 500
MAX_URL = 2000
MAX_FORM_FIELDS = 20  # the add form has 9
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
# Names under which the feed's and its entries' ids are made (uuid5): the same alert,
# story and event give the same id on every read, on any host.
FEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://kabar.invalid/alerts")
LANGUAGES = ("id", "en", "ms")  # the language filter's choices, as on the search page

_NO_NUL = r"^[^\x00]*$"
AlertId = Annotated[str, Path(min_length=1, max_length=MAX_FIELD, pattern=_NO_NUL)]
Limit = Annotated[int, Query(ge=1, le=ALERT_EVENTS)]


class AlertBody(BaseModel):
    """POST /api/alerts: an alert as `kabar alerts add` makes it. `condition` is
    new-story, new-outlet, sources:N (N >= 2) or conflict; words or an entity are needed."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_FIELD, pattern=_NO_NUL)
    query: str = Field("", max_length=MAX_FIELD, pattern=_NO_NUL)
    condition: str = Field("new-story", max_length=MAX_FIELD, pattern=_NO_NUL)
    entity: str | None = Field(None, max_length=MAX_FIELD, pattern=_NO_NUL)
    outlet: str | None = Field(None, max_length=MAX_FIELD, pattern=_NO_NUL)
    language: str | None = Field(None, max_length=MAX_FIELD, pattern=_NO_NUL)
    webhook: str | None = Field(None, max_length=MAX_URL, pattern=_NO_NUL)


# ---- Records


def webhook_host(url: str | None) -> str | None:
    """The host a webhook posts to: what a read shows of it."""
    return (urlsplit(url).hostname or None) if url else None


def alert_record(alert: Alert, *, notifications: int | None = None, secret: bool = False) -> dict[str, Any]:
    """An alert as the API answers it: the secret and the webhook's URL only when `secret`
    (the answer to the request that made it), else the webhook's host only."""
    record: dict[str, Any] = {
        "id": alert.id, "name": alert.name, "query": alert.query, "condition": alert.condition,
        "entity": alert.entity, "outlet": alert.outlet, "language": alert.language,
        "webhook_host": webhook_host(alert.webhook), "created": alert.created,
    }  # fmt: skip
    if notifications is not None:
        record["notifications"] = notifications
    if secret:
        record["webhook"] = alert.webhook
        record["secret"] = alert.secret
    return record


def shown_event(event: str) -> str:
    """An event as readers see it: a conflict's key (a digest that keeps one conflict from
    notifying twice) left out."""
    return "conflict" if event.startswith("conflict:") else event


def _story(event: AlertEvent) -> dict[str, Any]:
    story = event.payload.get("story")
    return story if isinstance(story, dict) and story.get("id") else {"id": event.story}


def event_record(event: AlertEvent, alert: Alert | None = None) -> dict[str, Any]:
    """A notification as the API answers it: the story, the event, when, the new articles,
    what the condition found (outlet, sources, conflict) and, for an alert with a webhook,
    its delivery (an error names the webhook's host, never its URL)."""
    payload = event.payload
    record: dict[str, Any] = {"alert": event.alert, "story": _story(event), "event": event.event,
                              "created": event.created, "articles": list(payload.get("articles") or [])}  # fmt: skip
    for key in ("outlet", "sources", "conflict"):
        if key in payload:
            record[key] = payload[key]
    if alert is not None and alert.webhook:
        error = event.last_error
        if error:
            error = error.replace(alert.webhook, webhook_host(alert.webhook) or "")
        record["delivery"] = {"delivered": event.delivered, "attempts": event.attempts,
                              "next_try": event.next_try, "last_error": error}  # fmt: skip
    return record


def _summary(event: AlertEvent, t: Mapping[str, str]) -> str:
    """An entry's text, in the labels `t`: what the condition found, then the new articles."""
    payload = event.payload
    lines: list[str] = []
    if payload.get("outlet"):
        lines.append(t["new_outlet_named"].format(outlet=payload["outlet"]))
    if payload.get("sources"):
        lines.append(f"{t['independent']}: " + ", ".join(str(s) for s in payload["sources"]))
    conflict = payload.get("conflict")
    if isinstance(conflict, dict):
        figures = conflict.get("figures") or []
        lines.append(f"{t['conflicts']} ({conflict.get('unit', '')}): "
                     + " / ".join(f"{f.get('figure')} ({f.get('outlet') or '?'})" for f in figures))  # fmt: skip
        lines.extend(f"- {f.get('outlet') or '?'}: {f.get('text', '')}" for f in figures)
    articles = payload.get("articles") or []
    if articles:
        lines.append(f"{t['articles']}:")
        for a in articles:
            when = (a.get("published") or "")[:10]
            lines.append(f"- {a.get('title', '')} ({', '.join(x for x in (a.get('outlet'), when) if x)})")
    return "\n".join(lines)


def _entry_id(event: AlertEvent) -> str:
    return uuid.uuid5(FEED_NAMESPACE, "\x1f".join((event.alert, event.story, event.event))).urn


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (control characters but tab and
    newline, lone surrogates, U+FFFE/U+FFFF): escaping does not help those."""
    return "".join(
        c for c in text
        if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000"
    )  # fmt: skip


def atom_feed(alert: Alert, events: list[AlertEvent], base: str, t: Mapping[str, str]) -> bytes:
    """The alert's notifications as an Atom 1.0 document (RFC 4287): one entry per
    notification, titled "<event>: <story title>", linking to the story's page under
    `base` (the site's absolute URL, ending in "/"), summarised in the labels `t`."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", uuid.uuid5(FEED_NAMESPACE, alert.id).urn)
    _text(feed, "title", f"kabar: {alert.name}")
    _text(feed, "subtitle", f"{alert.condition}: {alert.query or alert.entity or ''}".strip())
    _text(feed, "updated", events[0].created if events else alert.created)
    page = f"{base}alerts/{quote(alert.id, safe='')}"
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": ATOM_TYPE, "href": page + ".atom"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": page})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "kabar")
    _text(feed, "generator", "kabar")
    for event in events:
        story = _story(event)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", _entry_id(event))
        _text(entry, "title", f"{shown_event(event.event)}: {story.get('title') or story['id']}")
        href = f"{base}stories/{quote(str(story['id']), safe='')}"
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": href})
        _text(entry, "updated", event.created)
        _text(entry, "summary", _summary(event, t), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


# ---- Routes


class _FormError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _condition(form: dict[str, str]) -> str:
    """The form's condition: the select's choice, and for "sources" its number."""
    chosen = form.get("condition", "new-story")
    return f"sources:{form.get('sources', '').strip()}" if chosen == "sources" else chosen


def register(
    app: FastAPI,
    *,
    settings: Settings,
    opened: Callable[[], AbstractContextManager[Store]],
    page: Callable[..., HTMLResponse],
    reader: Any,
    writer: Any,
    labels_of: Callable[[Request], Mapping[str, str]],
) -> None:
    """Add the alerts' pages, feed and API to `app`: `opened` opens the store, `page`
    renders a template, `reader` and `writer` are the read and write guards (Depends),
    `labels_of` the UI labels of a request's language (the feed's words)."""

    def lang_query(request: Request) -> str:
        lang = request.query_params.get("lang")
        return f"?lang={quote(lang)}" if lang else ""

    def listing(store: Store) -> dict[str, Any]:
        every = store.alerts()
        totals = store.alert_counts()
        counts = {a.id: totals.get(a.id, 0) for a in every}
        names = {a.id: a.name for a in every}
        latest = store.alert_events(None, LATEST)
        return {"alerts": every, "counts": counts, "names": names, "latest": latest}

    def alerts_page(request: Request, *, status: int = 200, error: str | None = None,
                    form: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
        with opened() as store:
            data = listing(store)
        response = page("alerts.html", request, **data, error=error, form=form or {},
                        writes=bool(settings.token), webhook_host=webhook_host,
                        languages=LANGUAGES)  # fmt: skip
        response.status_code = status
        return response

    def one(store: Store, alert_id: str) -> Alert:
        alert = alerts.find(store, alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        return alert

    async def form_of(request: Request) -> dict[str, str]:
        """The posted form's fields, the token checked (the uploads' rule); _FormError if
        it cannot be taken."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise _FormError(415, "send the page's form")
        async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as data:
            form = {k: v for k, v in data.items() if not isinstance(v, UploadFile)}
        for key, value in form.items():
            if "\x00" in value or len(value) > (MAX_URL if key == "webhook" else MAX_FIELD):
                raise _FormError(422, f"{key}: at most {MAX_FIELD} characters, no NUL")
        if not settings.token:
            raise _FormError(403, "writes_disabled")
        if not token_matches(settings.token, form.pop("token", None) or bearer(request)):
            raise _FormError(401, "token_needed")
        return form

    # --- pages ---------------------------------------------------------------------------

    @app.get("/alerts", response_class=HTMLResponse, dependencies=[reader], include_in_schema=False)
    def alerts_list_page(request: Request) -> HTMLResponse:
        return alerts_page(request)

    @app.post("/alerts", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_add_page(request: Request) -> HTMLResponse:
        form: dict[str, str] = {}
        try:
            form = await form_of(request)

            def add() -> Alert:
                with opened() as store:
                    return alerts.new_alert(
                        store, form.get("name", ""), form.get("query", ""), condition=_condition(form),
                        entity=form.get("entity"), outlet=form.get("outlet"), language=form.get("language"),
                        webhook=form.get("webhook"), allow_private=False,
                    )  # fmt: skip

            alert = await run_in_threadpool(add)
        except _FormError as exc:
            return await run_in_threadpool(alerts_page, request, status=exc.status, error=str(exc), form=form)
        except alerts.AlertError as exc:
            return await run_in_threadpool(alerts_page, request, status=422, error=str(exc), form=form)
        # Answered here, not redirected: the page that shows the secret is this answer.
        response = page("alert.html", request, alert=alert, events=[], added=True, secret=alert.secret,
                        webhook_host=webhook_host, writes=True)  # fmt: skip
        response.status_code = 201
        return response

    @app.post("/alerts/{alert_id}/remove", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_remove_page(request: Request, alert_id: AlertId) -> Response:
        try:
            await form_of(request)
        except _FormError as exc:
            return await run_in_threadpool(alerts_page, request, status=exc.status, error=str(exc))

        def remove() -> Alert | None:
            with opened() as store:
                alert = alerts.find(store, alert_id)
                return store.remove_alert(alert.id) if alert else None

        if await run_in_threadpool(remove) is None:
            raise HTTPException(404, "no such alert")
        return RedirectResponse(f"/alerts{lang_query(request)}", status_code=303)

    # The feed before the page: "/alerts/{id}" would take "x.atom" as an id.
    @app.get("/alerts/{alert_id}.atom", dependencies=[reader], include_in_schema=False)
    def alert_feed(request: Request, alert_id: AlertId) -> Response:
        with opened() as store:
            alert = one(store, alert_id)
            events = store.alert_events(alert.id, FEED_ENTRIES)
        return Response(atom_feed(alert, events, str(request.base_url), labels_of(request)), media_type=ATOM_TYPE)

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, dependencies=[reader], include_in_schema=False)
    def alert_page(request: Request, alert_id: AlertId) -> HTMLResponse:
        with opened() as store:
            alert = one(store, alert_id)
            events = store.alert_events(alert.id, ALERT_EVENTS)
        return page("alert.html", request, alert=alert, events=events, added=False, secret=None, bound=ALERT_EVENTS,
                    webhook_host=webhook_host, writes=bool(settings.token))  # fmt: skip

    # --- API -----------------------------------------------------------------------------

    @app.get("/api/alerts", dependencies=[reader])
    def api_alerts() -> dict[str, Any]:
        """The alerts, by name, each with its count of notifications; no secret, a
        webhook's host only."""
        with opened() as store:
            data = listing(store)
        return {"alerts": [alert_record(a, notifications=data["counts"][a.id]) for a in data["alerts"]],
                "total": len(data["alerts"])}  # fmt: skip

    @app.post("/api/alerts", status_code=201, dependencies=[writer])
    def api_add_alert(body: AlertBody, response: Response) -> dict[str, Any]:
        """Add an alert; 201 with it, its `secret` included: the only answer that holds it
        (it signs the webhook's posts, `X-Kabar-Signature: sha256=HMAC`). 422 when the alert
        cannot be made (no words and no entity, an unknown condition, a name taken, a
        webhook that is not http(s)). The webhook may not be on a private address."""
        with opened() as store:
            try:
                alert = alerts.new_alert(store, body.name, body.query, condition=body.condition, entity=body.entity,
                                         outlet=body.outlet, language=body.language, webhook=body.webhook,
                                         allow_private=False)  # fmt: skip
            except alerts.AlertError as exc:
                raise HTTPException(422, str(exc)) from None
        response.headers["Location"] = f"/api/alerts/{alert.id}"
        return alert_record(alert, secret=True)

    @app.get("/api/alerts/{alert_id}", dependencies=[reader])
    def api_alert(alert_id: AlertId, limit: Limit = ALERT_EVENTS) -> dict[str, Any]:
        """One alert (by id or name) and its latest `limit` notifications, newest first."""
        with opened() as store:
            alert = one(store, alert_id)
            events = store.alert_events(alert.id, limit)
        return {**alert_record(alert), "events": [event_record(e, alert) for e in events]}

    @app.delete("/api/alerts/{alert_id}", dependencies=[writer])
    def api_remove_alert(alert_id: AlertId) -> dict[str, Any]:
        """Remove an alert (by id or name) and its notifications; the alert removed."""
        with opened() as store:
            alert = one(store, alert_id)
            store.remove_alert(alert.id)
        return {"removed": alert_record(alert)}
