"""A synthetic news corpus for benchmarks and stress tests.

The articles are nonsense assembled from word lists, but they have the shape of
scraped Indonesian pages: a headline, a site date line, a dateline, paragraphs
with quotes and figures, related-article lines, a repeated paragraph and a
comment prompt. Each article belongs to a story (shared names and vocabulary).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

_FIRST = ["Budi", "Sri", "Agus", "Dewi", "Rudi", "Rina", "Hendra", "Wati", "Joko", "Lestari", "Andi", "Yanti"]
_LAST = ["Santoso", "Wahyuni", "Pratama", "Siregar", "Nainggolan", "Lubis", "Hasibuan", "Kurniawan"]
_ORGS = ["BPBD", "BMKG", "Dinas Sosial", "Polda", "DPRD", "Kementerian Pertanian", "Bulog", "Basarnas"]
_TOPICS = [
    ["banjir", "sungai", "tanggul", "pengungsi", "perahu", "hujan", "genangan", "dapur umum"],
    ["gempa", "magnitudo", "retakan", "tenda", "guncangan", "episentrum", "susulan", "rumah"],
    ["harga", "beras", "pasar", "pedagang", "stok", "gudang", "inflasi", "operasi pasar"],
    ["korupsi", "tersangka", "penyidik", "suap", "proyek", "anggaran", "penahanan", "saksi"],
    ["pemilu", "kampanye", "suara", "kandidat", "debat", "relawan", "survei", "baliho"],
    ["kebakaran", "lahan", "asap", "titik panas", "pemadaman", "gambut", "helikopter", "sekolah"],
]
_VERBS = ["meninjau", "mencatat", "melaporkan", "menyiapkan", "memeriksa", "mengirim", "membahas", "menunda"]
_FILLER = [
    "pada hari Senin",
    "sejak pekan lalu",
    "di lokasi",
    "bersama warga",
    "hingga malam",
    "secara bertahap",
]
_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"]  # fmt: skip
_EPOCH = date(2020, 1, 1)
STORIES_PER_DAY = 4
_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


@dataclass(frozen=True)
class SyntheticArticle:
    name: str
    story: int
    text: str


def _sentence(rng: random.Random, words: list[str], person: str, org: str) -> str:
    kind = rng.random()
    a, b, c = rng.sample(words, 3)
    n = rng.randint(2, 40) * 100
    if kind < 0.25:
        return f'"Kami terus {rng.choice(_VERBS)} {a} dan {b} {rng.choice(_FILLER)}," kata {person}.'
    if kind < 0.5:
        return f"{org} {rng.choice(_VERBS)} {n:,} {a} terkait {b} {rng.choice(_FILLER)}.".replace(",", ".")
    return f"Warga {rng.choice(_VERBS)} {a} {c} serta {b} {rng.choice(_FILLER)} menurut {org}."


_SYLLABLES = ["ka", "ra", "ma", "lu", "so", "ti", "pe", "nu", "da", "wi", "go", "ba", "se", "jo", "ri", "ta"]


def _invented(rng: random.Random, syllables: int = 3) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


# Share of the stream that is a wire copy: an earlier article of the story republished by
# another site, cut and re-dated, so the copy and syndication path is part of the cost.
COPY_SHARE = 0.05


def generate(n: int, *, stories: int | None = None, seed: int = 7) -> Iterator[SyntheticArticle]:
    """Articles in publication order: stories start through the year and run a few days,
    each with its own people, places and words on top of its topic's vocabulary; one in
    twenty is a republished copy of an earlier article of its story."""
    rng = random.Random(seed)
    n_stories = stories or max(1, n // 8)
    originals: dict[int, list[str]] = {}  # story -> lines of its latest original article
    for i in range(n):
        # A sliding window over the stories: the stream moves through time.
        story = min(n_stories - 1, max(0, int(i / n * n_stories) + rng.randint(-3, 3)))
        if story in originals and rng.random() < COPY_SHARE:
            yield SyntheticArticle(f"art{i:07d}", story, "\n".join(_republished(rng, originals[story])) + "\n")
            continue
        srng = random.Random(story * 7919 + seed)
        topic = _TOPICS[story % len(_TOPICS)]
        person = f"{srng.choice(_FIRST)} {_invented(srng).title()}"
        org = srng.choice(_ORGS)
        place = _invented(srng).upper()
        own = [_invented(srng) for _ in range(8)]
        words = [*topic, *own, place.title(), _invented(srng).title()]
        # Each outlet writes its own headline over the story's words.
        title = f"{org} {rng.choice(_VERBS).title()} {rng.choice(topic).title()} {rng.choice(own)} di {place.title()}"
        paragraphs = [
            " ".join(_sentence(rng, words, person, org) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(5, 9))
        ]
        # A steady news flow: the same number of new stories a day however long the stream.
        when = _EPOCH + timedelta(days=story // STORIES_PER_DAY + rng.randint(0, 2))
        clock = f"{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"
        related = f"{rng.choice(_ORGS)} {rng.choice(_VERBS).title()} Program Baru {rng.randint(1, 999)}"
        lines = [
            title,
            f"{_DAYS[when.weekday()]}, {when.day} {_MONTHS[when.month - 1]} {when.year} - {clock} WIB",
            f"{place} - {paragraphs[0]}",
            *paragraphs[1:3],
            f"Baca Juga : {related}",
            *paragraphs[3:],
            paragraphs[1],  # the repeated paragraph real sites produce
            "Lihat Juga :",
            "tulis komentar anda",
        ]
        originals[story] = lines
        for old in [s for s in originals if s < story - 10]:  # stories the stream has left
            del originals[old]
        yield SyntheticArticle(f"art{i:07d}", story, "\n".join(lines) + "\n")


def _republished(rng: random.Random, lines: list[str]) -> list[str]:
    """Another site's copy: the same headline, a later time, the last paragraph cut."""
    date_line = lines[1].rsplit(" - ", 1)[0] + f" - {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d} WIB"
    body = [line for line in lines[2:] if not line.startswith(("Baca Juga", "Lihat Juga", "tulis komentar"))]
    return [lines[0], date_line, *body[:-2]]


def write_corpus(folder: Path, n: int, *, seed: int = 7, per_dir: int = 1000) -> int:
    """Write `n` synthetic .txt articles under `folder` (sub-folders of `per_dir`). Nothing
    is kept in memory, so a benchmark's peak memory is the pipeline's, not the corpus's."""
    written = 0
    for art in generate(n, seed=seed):
        sub = folder / f"part{int(art.name[3:]) // per_dir:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{art.name}.txt").write_text(art.text, encoding="utf-8")
        written += 1
    return written


# --- site noise around real text -------------------------------------------------

_RELATED = [
    "Harga Cabai Rawit Turun Jelang Akhir Pekan",
    "Jadwal Lengkap Liga 1 Pekan Ini",
    "Lima Tips Menjaga Kesehatan Saat Musim Hujan",
    "Polisi Amankan Dua Pelaku Pencurian Motor",
]
_SEO = ["cara menyimpan cabai agar awet", "harga emas hari ini", "tips memilih sepatu lari",
        "resep sambal terasi sederhana", "promo kartu kredit akhir tahun"]  # fmt: skip
_DATE_FORMATS = ["{wd}, {d} {mon} {y} - {hh}:{mm} WIB", "{d:02d} - {mon3} - {y}, {hh}:{mm}",
                 "{wd}, {d} {mon} {y} | {hh}:{mm} WITA"]  # fmt: skip


@dataclass(frozen=True)
class NoisyArticle:
    text: str
    title: str
    paragraphs: list[str]  # the real article, as given
    noise: list[str]  # every line added that must not survive cleaning


def add_noise(paragraphs: list[str], title: str, seed: int) -> NoisyArticle:
    """Wrap real article paragraphs in the noise scraped pages carry: a date line,
    a photo caption with credit, related-article lines, the title and one paragraph
    repeated, a comment prompt, a tag block and an SEO tail."""
    rng = random.Random(seed)
    d = rng.randint(1, 28)
    date_line = rng.choice(_DATE_FORMATS).format(
        wd=rng.choice(_DAYS), d=d, mon=rng.choice(_MONTHS), mon3=rng.choice(_MONTHS)[:3], y=2018,
        hh=f"{rng.randint(0, 23):02d}", mm=f"{rng.randint(0, 59):02d}",
    )  # fmt: skip
    caption = f"Suasana di lokasi kejadian pada Senin siang. (Foto: Dok. {rng.choice(_LAST)})"
    related = [f"Baca Juga : {r}" for r in rng.sample(_RELATED, 2)]
    body = list(paragraphs)
    lines = [title, date_line, caption, body[0]]
    for i, paragraph in enumerate(body[1:], start=1):
        if i == 2:
            lines.append(related[0])
        if i == len(body) // 2:
            lines.append(title)
            lines.append(related[1])
        lines.append(paragraph)
    if len(body) > 2:
        lines.append(body[1])  # a repeated paragraph
    tail = ["tulis komentar anda", "Topik", "Berita, Nasional, Terkini,", *rng.sample(_SEO, 3)]
    lines.extend(tail)
    noise = [date_line, caption, *related, *tail]
    return NoisyArticle("\n".join(lines) + "\n", title, body, noise)
