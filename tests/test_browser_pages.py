"""Every page type in real headless Chromium (Playwright), in both languages, at a phone's
390 px and a desktop's 1400 px: nothing wider than the screen, a legend for every chart of
more than one colour, no two labels of a chart overlapping (their boxes as drawn), no link
that answers 404, and no serious accessibility violation (axe-core from npm, injected into
the page). The page types: the story list, storylines, a story, an article, an entity, an
outlet, search, ask, the alerts list and an alert (with the notifications of an alert
made between the seeds' ingest and the demo's), and a page that is not there (its 404).
Screenshots go to build/screenshots/."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from conftest import DEMO, ROOT, SEEDS, ingest_into, serving
from kabar import alerts
from kabar.store.sqlite import SQLiteStore

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` in tests/a11y (.ci/run)
WIDTHS = (390, 1400)
PER_TYPE = 2  # pages visited of each type (a story, an entity, ...)
SERIOUS = {"serious", "critical"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout"),
]


def _install_axe() -> bool:
    """axe-core from the npm registry, pinned by tests/a11y/package-lock.json (.ci/run
    installs it; here too, so the README's test command runs the check)."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund", "--silent"],
                       capture_output=True, timeout=300, check=False)  # fmt: skip
    return AXE.exists()


# Elements wider than the viewport, and whether the page scrolls sideways.
_OVERFLOW_JS = """() => {
  const w = window.innerWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > w + 1 || r.left < -1)) {
      let inside = false;  // a box that scrolls on its own (a wide table) is allowed to hold more
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().right <= w + 1) { inside = true; break; }
      }
      if (!inside) wide.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
        ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(r.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""

# For each chart (an SVG image), its mark colours and the entries of the legend beside it.
_CHARTS_JS = """() => [...document.querySelectorAll('svg[role=img]')].map(svg => {
  const fills = new Set();
  for (const m of svg.querySelectorAll('circle, rect, path')) {
    const f = getComputedStyle(m).fill;
    if (f && f !== 'none' && f !== 'rgba(0, 0, 0, 0)') fills.add(f);
  }
  const box = svg.closest('figure, section') || svg.parentElement;
  const legend = box ? box.querySelectorAll('.legend li, .legend [data-key]').length : 0;
  return {label: svg.getAttribute('aria-label'), colours: fills.size, legend: legend};
})"""


# For each chart, pairs of its text labels whose boxes, as drawn, overlap.
_LABELS_JS = """() => [...document.querySelectorAll('svg[role=img]')].flatMap(svg => {
  const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
  const out = [];
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    if (p.width && q.width && p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5
        && q.top < p.bottom - 0.5) out.push(svg.getAttribute('aria-label') + ': ' + a + ' / ' + b);
  }));
  return out;
})"""

MISSING = "/no/such/page"  # the 404 page is a page type too


def _kind(path: str) -> str:
    """A page's type: its path with ids taken out ("/stories/{id}")."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    return "/" + parts[0] + ("/{id}" if len(parts) > 1 else "")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The seeds and the demo served, and the id of an alert on "gempa" made between the
    two ingests: the demo's earthquake stories give it notifications to show."""
    folder = tmp_path_factory.mktemp("pages")
    db = str(folder / "demo.db")
    store = SQLiteStore(db)
    ingest_into(store, SEEDS)
    alert = alerts.new_alert(store, "gempa", "gempa")
    ingest_into(store, DEMO)
    assert alerts.check(store)
    store.close()
    with serving(db) as url:
        yield url, alert.id


def _pages(site: str, alert: str) -> list[str]:
    """Pages of every type reachable from the front page and a story, search, question
    and alert."""
    seeds = [
        "/",
        "/storylines",
        "/?sort=largest",
        "/search?q=gempa",
        "/ask?q=Apakah+Rusia+dan+Korea+Utara+bersahabat%3F",
        "/alerts",
        f"/alerts/{alert}",
    ]
    chosen: dict[str, list[str]] = {}
    queue = list(seeds)
    seen: set[str] = set()
    with httpx.Client(base_url=site, timeout=30) as client:
        while queue and len(seen) < 60:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            kind = _kind(urlsplit(path).path)
            if len(chosen.setdefault(kind, [])) >= PER_TYPE:
                continue
            page = client.get(path)
            if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
                continue
            chosen[kind].append(path)
            for href in re.findall(r'href="(/[^"#]*)', page.text):
                href = href.replace("&amp;", "&").rstrip("?&")
                if not href.startswith(("/static", "/api")) and "lang=" not in href:
                    queue.append(href)
    return [p for paths in chosen.values() for p in paths]


def test_every_page_type_fits_a_phone_has_legends_and_no_serious_accessibility_violation(
    site: tuple[str, str],
) -> None:
    from playwright.sync_api import sync_playwright

    if not _install_axe():
        pytest.skip("axe-core could not be installed (npm ci --prefix tests/a11y)")
    base, alert = site
    pages = _pages(base, alert)
    kinds = {_kind(urlsplit(p).path) for p in pages}
    assert {"/", "/stories/{id}", "/articles/{id}", "/entities/{id}", "/outlets/{id}", "/storylines", "/search",
            "/ask", "/alerts", "/alerts/{id}"} <= kinds, kinds  # fmt: skip
    pages.append(MISSING)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    links: set[str] = set()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for width in WIDTHS:
            # axe is injected as a script: the pages' CSP (script-src 'self') is set aside for it here.
            context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
            page = context.new_page()
            for path in pages:
                for lang in ("en", "id"):
                    url = urljoin(base, path) + ("&" if "?" in path else "?") + f"lang={lang}"
                    response = page.goto(url)
                    where = f"{path} ({lang}, {width} px)"
                    if response is None or response.status != (404 if path == MISSING else 200):
                        problems.append(f"{where}: answers {response.status if response else None}")
                    if (shown := page.evaluate("document.documentElement.lang")) != lang:
                        problems.append(f"{where}: <html lang={shown!r}>")
                    fit = page.evaluate(_OVERFLOW_JS)
                    if fit["scroll"] > width or fit["wide"]:
                        problems.append(f"{where}: {fit['scroll']} px wide; {fit['wide']}")
                    for chart in page.evaluate(_CHARTS_JS):
                        if chart["colours"] > 1 and chart["legend"] < chart["colours"]:
                            problems.append(f"{where}: chart {chart['label']!r} has {chart['colours']} colours, "
                                            f"{chart['legend']} legend entries")  # fmt: skip
                    for pair in page.evaluate(_LABELS_JS):
                        problems.append(f"{where}: labels overlap: {pair}")
                    page.add_script_tag(path=str(AXE))
                    found = page.evaluate(
                        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                    )
                    for v in found:
                        if v["impact"] in SERIOUS:
                            problems.append(f"{where}: axe {v['id']} ({v['impact']}) on {len(v['nodes'])} elements")
                    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                        if href.startswith("/") and not href.startswith("//"):
                            links.add(href.split("#")[0])
                    name = re.sub(r"[^a-z0-9]+", "-", f"{_kind(urlsplit(path).path)}-{lang}-{width}").strip("-")
                    page.screenshot(path=str(SHOTS / f"page-{name or 'home'}.png"), full_page=True)
            context.close()
        browser.close()
    # Every page link is followed; of the download links (20 on every list, story, entity,
    # outlet and search page), one of each export and format for each kind of filter, read
    # only until it starts (the export stops when the client goes).
    downloads: dict[tuple[str, tuple[str, ...]], str] = {}
    for href in sorted(links):
        if href.startswith("/api/export/"):
            parts = urlsplit(href)
            downloads.setdefault((parts.path, tuple(sorted(parse_qs(parts.query)))), href)
    assert len({path for path, _ in downloads}) == 20  # every kind in every format is linked
    with httpx.Client(base_url=base, timeout=60) as client:
        for href in sorted(h for h in links if not h.startswith("/api/export/")) + sorted(downloads.values()):
            with client.stream("GET", href) as answer:
                status = answer.status_code
            if status >= 400:
                problems.append(f"link {href} answers {status}")
    assert not problems, "\n".join(problems)
