"""A local news site of many outlets for the watch bench (bench/watch_site.py, issue 17).

    uv run python bench/site_pages.py [--pages 10000] [--outlets 10] [--seed 17]

Writes nothing: it serves each outlet on a loopback address of its own (127.0.0.2, 127.0.0.3,
..., so each has a domain; with --shared-host all on 127.0.0.1, one port each), with robots.txt (no
Crawl-delay), an RSS feed of its latest `FEED_ITEMS` articles, a sitemap index of
`SITEMAP_CHUNK`-URL sitemaps listing all its articles (ETag on feeds and sitemaps; 304 on a
match), and its article pages; and a control port whose GET /publish adds one new article
(to the feed and sitemap at once) and answers {"url", "at"} (`at`: time.monotonic() when it
appeared, comparable across processes on Linux). The first stdout line is JSON:
{"outlets": [{"name", "language", "host", "port", "pages"}], "control": port, "stories": n}.

The articles are generated: stories (floods, market prices, fires, earthquakes, court
verdicts, holiday transport, dengue cases, landslides) in invented places' officials' words,
each reported by several outlets in Indonesian or English with their own headline, lead,
order of paragraphs, rounding of figures, quotes chosen, dateline and publication hour.
Everything here is our own writing; names of people are invented.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# An RSS feed lists this many latest articles, as news sites' feeds do (50-100 items).
FEED_ITEMS = 100
# URLs per child sitemap (kabar reads at most 5,000 per list and 50 children per index).
SITEMAP_CHUNK = 1000
# A new page is a new story this often; else another report of one of the RECENT_STORIES latest.
NEW_STORY_SHARE = 0.4
RECENT_STORIES = 20
# Stories are spread over this many days before BASE_TIME.
STORY_DAYS = 90
BASE_TIME = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
WIB = timedelta(hours=7)

OUTLETS: tuple[tuple[str, str, str], ...] = (
    # (name, language, section path)
    ("Kabar Nusantara", "id", "berita"),
    ("Harian Cakrawala", "id", "nasional"),
    ("Warta Priangan", "id", "daerah"),
    ("Suara Borneo Timur", "id", "berita"),
    ("Jurnal Pesisir", "id", "regional"),
    ("Archipelago Ledger", "en", "news"),
    ("Harian Serambi Timur", "id", "peristiwa"),
    ("Jakarta Morning Wire", "en", "national"),
    ("Lintas Sulawesi", "id", "berita"),
    ("Island Business Post", "en", "indonesia"),
    ("Pos Andalas", "id", "kota"),
    ("Southeast Report", "en", "asia"),
)

PLACES = (
    ("Semarang", "Jawa Tengah", "Central Java"), ("Surabaya", "Jawa Timur", "East Java"),
    ("Bandung", "Jawa Barat", "West Java"), ("Medan", "Sumatera Utara", "North Sumatra"),
    ("Makassar", "Sulawesi Selatan", "South Sulawesi"), ("Palembang", "Sumatera Selatan", "South Sumatra"),
    ("Pontianak", "Kalimantan Barat", "West Kalimantan"), ("Banjarmasin", "Kalimantan Selatan", "South Kalimantan"),
    ("Manado", "Sulawesi Utara", "North Sulawesi"), ("Kupang", "Nusa Tenggara Timur", "East Nusa Tenggara"),
    ("Padang", "Sumatera Barat", "West Sumatra"), ("Pekanbaru", "Riau", "Riau"), ("Jambi", "Jambi", "Jambi"),
    ("Bengkulu", "Bengkulu", "Bengkulu"), ("Bandar Lampung", "Lampung", "Lampung"),
    ("Yogyakarta", "DI Yogyakarta", "Yogyakarta"), ("Surakarta", "Jawa Tengah", "Central Java"),
    ("Malang", "Jawa Timur", "East Java"), ("Kediri", "Jawa Timur", "East Java"),
    ("Cirebon", "Jawa Barat", "West Java"), ("Tegal", "Jawa Tengah", "Central Java"), ("Denpasar", "Bali", "Bali"),
    ("Mataram", "Nusa Tenggara Barat", "West Nusa Tenggara"), ("Ambon", "Maluku", "Maluku"),
    ("Jayapura", "Papua", "Papua"), ("Samarinda", "Kalimantan Timur", "East Kalimantan"),
    ("Balikpapan", "Kalimantan Timur", "East Kalimantan"), ("Palu", "Sulawesi Tengah", "Central Sulawesi"),
    ("Kendari", "Sulawesi Tenggara", "Southeast Sulawesi"), ("Gorontalo", "Gorontalo", "Gorontalo"),
    ("Ternate", "Maluku Utara", "North Maluku"), ("Serang", "Banten", "Banten"), ("Bogor", "Jawa Barat", "West Java"),
    ("Tasikmalaya", "Jawa Barat", "West Java"), ("Purwokerto", "Jawa Tengah", "Central Java"),
    ("Magelang", "Jawa Tengah", "Central Java"), ("Jember", "Jawa Timur", "East Java"),
    ("Banda Aceh", "Aceh", "Aceh"), ("Pangkalpinang", "Bangka Belitung", "Bangka Belitung"),
    ("Palangka Raya", "Kalimantan Tengah", "Central Kalimantan"),
)  # fmt: skip

FIRST = ("Hartono", "Siti", "Budi", "Rini", "Agus", "Dewi", "Yusuf", "Nurul", "Bambang", "Wulan", "Joko", "Intan",
         "Rahmat", "Lestari", "Fajar", "Ayu", "Hendra", "Maya", "Slamet", "Ratna", "Imam", "Yohana", "Teguh",
         "Fitri", "Andreas", "Made", "Ketut", "Ahmad", "Sri", "Daniel")  # fmt: skip
LAST = ("Wibisono", "Rahayu", "Santoso", "Kusumawati", "Pranoto", "Lubis", "Siregar", "Hutapea", "Manurung",
        "Pratama", "Saputra", "Wijaya", "Halim", "Nasution", "Simanjuntak", "Tanjung", "Harahap", "Sinaga",
        "Gunawan", "Hidayat", "Setiawan", "Permana", "Suryadi", "Utomo", "Mahendra", "Lumban", "Rumbewas",
        "Latuconsina", "Pattimura", "Sembiring")  # fmt: skip
DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COMMODITIES = (("cabai rawit", "bird's eye chilli"), ("bawang merah", "shallots"), ("beras", "rice"),
               ("telur ayam", "chicken eggs"), ("daging ayam", "chicken"),
               ("minyak goreng", "cooking oil"))  # fmt: skip
FIRE_SITES = (("Pasar Sentral", "the central market"), ("gudang tekstil", "a textile warehouse"),
              ("pabrik plastik", "a plastics factory"), ("permukiman padat", "a crowded housing block"))  # fmt: skip
KINDS = ("flood", "price", "fire", "quake", "court", "transport", "dengue", "landslide")


def id_number(n: float, decimals: int = 0) -> str:
    """Indonesian style: 1.200 and 3,5."""
    text = f"{n:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def en_number(n: float, decimals: int = 0) -> str:
    return f"{n:,.{decimals}f}"


def rounded(n: int, rng: random.Random) -> tuple[int, bool]:
    """The figure as an outlet gives it: exact, or rounded to a leading two digits ("about")."""
    if n < 100 or rng.random() < 0.5:
        return n, False
    step = 10 ** (len(str(n)) - 2)
    return round(n / step) * step, True


@dataclass(frozen=True)
class Story:
    """One event, with the facts every report of it shares."""

    id: int
    kind: str
    city: str
    province_id: str
    province_en: str
    day: datetime
    official: str
    witness: str
    figures: tuple[int, ...]
    pick: int  # which commodity, fire site or defendant

    @staticmethod
    def make(story_id: int, seed: int, day: datetime | None = None) -> Story:
        rng = random.Random(seed * 1_000_003 + story_id)
        city, prov_id, prov_en = rng.choice(PLACES)
        when = day or BASE_TIME - timedelta(days=rng.uniform(0, STORY_DAYS))
        figures = (rng.randint(120, 4800), rng.randint(15, 900), rng.randint(2, 60), rng.randint(10, 95))
        return Story(story_id, rng.choice(KINDS), city, prov_id, prov_en, when,
                     f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     figures, rng.randrange(1000))  # fmt: skip


@dataclass
class Text:
    title: str
    lead: str
    body: list[str]  # paragraphs an outlet may reorder
    quotes: list[str]  # an outlet keeps one or more


def _id_text(s: Story, rng: random.Random) -> Text:
    a, b, c, d = s.figures
    ra, about = rounded(a, rng)
    sekitar = "sekitar " if about else ""
    day = DAYS_ID[s.day.weekday()]
    date = f"{day} ({s.day.day}/{s.day.month}/{s.day.year})"
    if s.kind == "flood":
        return Text(
            rng.choice(
                [
                    f"Banjir Rendam {id_number(ra)} Rumah di {s.city}",
                    f"Hujan Deras Semalaman, Ribuan Warga {s.city} Terdampak Banjir",
                    f"{b} Warga {s.city} Mengungsi akibat Banjir",
                ]
            ),
            rng.choice(
                [
                    f"Banjir merendam {sekitar}{id_number(ra)} rumah di {s.city}, {s.province_id}, pada {date} "
                    f"setelah hujan deras mengguyur sejak sore hari.",
                    f"Ratusan keluarga di {s.city} terpaksa meninggalkan rumah mereka pada {date} karena air "
                    f"setinggi {c * 5} sentimeter masuk ke permukiman.",
                ]
            ),
            [
                f"Kepala Badan Penanggulangan Bencana Daerah {s.city}, {s.official}, mengatakan {b} warga mengungsi "
                f"ke masjid dan balai desa terdekat.",
                f"Ketinggian air di beberapa titik mencapai {c * 5} sentimeter, dan dua ruas jalan utama ditutup "
                f"sementara bagi kendaraan roda dua.",
                f"Pemerintah kota menyiapkan {c} unit pompa air dan dapur umum yang melayani {d * 10} porsi makanan "
                f"setiap hari.",
            ],
            [
                f'"Kami minta warga di bantaran sungai tetap waspada karena hujan diperkirakan turun hingga akhir '
                f'pekan," kata {s.official}.',
                f'"Air masuk sekitar pukul dua dini hari, kami hanya sempat menyelamatkan surat-surat," ujar '
                f"{s.witness}, warga yang mengungsi bersama keluarganya.",
            ],
        )
    if s.kind == "price":
        name = COMMODITIES[s.pick % len(COMMODITIES)][0]
        old = 12_000 + b * 40
        new = old * (100 + d) // 100 // 500 * 500  # up by d percent, to Rp 500
        return Text(
            rng.choice(
                [
                    f"Harga {name.title()} di {s.city} Naik Jadi Rp {id_number(new)} per Kilogram",
                    f"Pasokan Berkurang, Harga {name} di Pasar {s.city} Melonjak",
                    f"Pedagang {s.city} Keluhkan Kenaikan Harga {name.title()}",
                ]
            ),
            rng.choice(
                [
                    f"Harga {name} di pasar tradisional {s.city} naik menjadi Rp {id_number(new)} per "
                    f"kilogram pada {date}, dari Rp {id_number(old)} dua pekan sebelumnya.",
                    f"Pembeli di {s.city}, {s.province_id}, harus membayar lebih mahal untuk {name} yang kini "
                    f"dijual Rp {id_number(new)} per kilogram.",
                ]
            ),
            [
                f"Kepala Dinas Perdagangan {s.city}, {s.official}, menyebut pasokan dari daerah sentra produksi "
                f"turun hingga {d} persen karena cuaca buruk.",
                f"Pemerintah daerah akan menggelar operasi pasar di {c} titik mulai pekan depan untuk menahan "
                f"kenaikan harga.",
                f"Menurut catatan dinas, kebutuhan {name} di kota itu mencapai {id_number(b)} ton per bulan.",
            ],
            [
                f'"Kami sudah berkoordinasi dengan distributor agar stok tidak tertahan di gudang," kata {s.official}.',
                f'"Pembeli jadi mengurangi belanja, biasanya dua kilo sekarang setengah kilo," tutur {s.witness}, '
                f"pedagang di pasar itu.",
            ],
        )
    if s.kind == "fire":
        site = FIRE_SITES[s.pick % len(FIRE_SITES)][0]
        return Text(
            rng.choice(
                [
                    f"Kebakaran Hanguskan {b} Kios di {site.title()} {s.city}",
                    f"Api Lalap {site.title()} di {s.city}, Kerugian Ditaksir Miliaran Rupiah",
                    f"{c} Mobil Pemadam Dikerahkan Atasi Kebakaran di {s.city}",
                ]
            ),
            rng.choice(
                [
                    f"Kebakaran melanda {site} di {s.city} pada {date} dini hari dan menghanguskan {b} kios.",
                    f"Sebanyak {b} kios di {site} {s.city}, {s.province_id}, ludes terbakar pada {date}.",
                ]
            ),
            [
                f"Kepala Dinas Pemadam Kebakaran {s.city}, {s.official}, mengatakan {c} mobil pemadam dikerahkan "
                f"dan api baru padam setelah {d % 6 + 2} jam.",
                f"Kerugian ditaksir mencapai Rp {id_number(a / 100, 1)} miliar; tidak ada korban jiwa.",
                "Polisi masih menyelidiki penyebab kebakaran, yang diduga berasal dari korsleting listrik.",
            ],
            [
                f'"Angin kencang membuat api cepat merambat ke bangunan di sebelahnya," kata {s.official}.',
                f'"Semua dagangan saya habis, tidak ada yang bisa diselamatkan," kata {s.witness}, salah satu '
                f"pemilik kios.",
            ],
        )
    if s.kind == "quake":
        mag = 4.5 + (a % 25) / 10
        return Text(
            rng.choice(
                [
                    f"Gempa Magnitudo {id_number(mag, 1)} Guncang {s.city}",
                    f"Gempa {id_number(mag, 1)} di {s.province_id}, {b} Rumah Rusak",
                    f"Warga {s.city} Berhamburan Keluar Rumah saat Gempa",
                ]
            ),
            rng.choice(
                [
                    f"Gempa bermagnitudo {id_number(mag, 1)} mengguncang {s.city}, {s.province_id}, pada {date} "
                    f"dengan kedalaman {c} kilometer.",
                    f"Guncangan gempa {id_number(mag, 1)} dirasakan warga {s.city} pada {date} dan membuat "
                    f"{b} rumah rusak.",
                ]
            ),
            [
                "Badan Meteorologi, Klimatologi, dan Geofisika menyatakan gempa tidak berpotensi tsunami.",
                f"Kepala Pelaksana BPBD {s.city}, {s.official}, mengatakan {b} rumah rusak ringan dan {d % 12} "
                f"rusak berat.",
                f"Hingga sore hari tercatat {d % 9 + 2} gempa susulan dengan kekuatan lebih kecil.",
            ],
            [
                f'"Tim kami masih mendata kerusakan di kecamatan yang paling dekat dengan pusat gempa," kata '
                f"{s.official}.",
                f'"Lemari dan piring berjatuhan, kami langsung lari ke lapangan," ujar {s.witness}.',
            ],
        )
    if s.kind == "court":
        years = c % 9 + 3
        return Text(
            rng.choice(
                [
                    f"Mantan Pejabat {s.city} Divonis {years} Tahun Penjara",
                    f"Hakim Vonis Terdakwa Korupsi Proyek Jalan {s.city} {years} Tahun",
                    f"Korupsi Rp {id_number(a / 100, 1)} Miliar, Eks Kepala Dinas {s.city} Dihukum",
                ]
            ),
            rng.choice(
                [
                    f"Pengadilan Tindak Pidana Korupsi menjatuhkan vonis {years} tahun penjara kepada "
                    f"{s.witness}, mantan kepala dinas pekerjaan umum {s.city}, pada {date}.",
                    f"{s.witness}, bekas pejabat Pemerintah Kota {s.city}, dihukum {years} tahun penjara dalam "
                    f"perkara korupsi proyek jalan.",
                ]
            ),
            [
                f"Majelis hakim menyatakan terdakwa terbukti merugikan negara Rp {id_number(a / 100, 1)} miliar "
                f"dari proyek senilai Rp {id_number(b / 10, 1)} miliar.",
                f"Selain hukuman penjara, terdakwa wajib membayar denda Rp {d * 10} juta.",
                f"Jaksa penuntut umum sebelumnya menuntut hukuman {years + 2} tahun penjara.",
            ],
            [
                f'"Kami akan pikir-pikir dulu selama tujuh hari," kata penasihat hukum terdakwa, {s.official}.',
                f'"Putusan ini menunjukkan proyek publik diawasi," kata {s.official} usai sidang.',
            ],
        )
    if s.kind == "transport":
        return Text(
            rng.choice(
                [
                    f"KAI Tambah {c} Perjalanan Kereta dari {s.city} Selama Libur",
                    f"Tiket Kereta dari {s.city} Terjual {d} Persen",
                    f"Perjalanan Tambahan Disiapkan untuk Pemudik dari {s.city}",
                ]
            ),
            rng.choice(
                [
                    f"Operator kereta api menambah {c} perjalanan per hari dari Stasiun {s.city} mulai {date} "
                    f"untuk melayani lonjakan penumpang.",
                    f"Penumpang dari {s.city} mendapat {c} perjalanan kereta tambahan selama masa libur.",
                ]
            ),
            [
                f"Manajer humas daerah operasi, {s.official}, mengatakan tiket yang terjual sudah mencapai {d} persen "
                f"dari {id_number(a * 10)} kursi yang tersedia.",
                f"Perjalanan tambahan berlaku selama {b % 20 + 10} hari hingga akhir masa libur.",
                "Penumpang diminta datang satu jam sebelum keberangkatan untuk pemeriksaan tiket.",
            ],
            [
                f'"Kami imbau penumpang membeli tiket secara daring agar tidak antre di loket," kata {s.official}.',
                f'"Tahun lalu saya kehabisan tiket, jadi sekarang pesan jauh-jauh hari," kata {s.witness}.',
            ],
        )
    if s.kind == "dengue":
        return Text(
            rng.choice(
                [
                    f"Kasus Demam Berdarah di {s.city} Capai {id_number(ra)}",
                    f"DBD Meningkat, Dinkes {s.city} Gelar Fogging di {c} Kelurahan",
                    f"{d % 15 + 1} Warga {s.city} Meninggal akibat Demam Berdarah",
                ]
            ),
            rng.choice(
                [
                    f"Dinas Kesehatan {s.city} mencatat {id_number(a)} kasus demam berdarah dengue sejak awal "
                    f"tahun hingga {date}.",
                    f"Jumlah kasus demam berdarah di {s.city}, {s.province_id}, naik menjadi "
                    f"{sekitar}{id_number(ra)} kasus.",
                ]
            ),
            [
                f"Kepala Dinas Kesehatan {s.city}, {s.official}, mengatakan {d % 15 + 1} pasien meninggal dunia, "
                f"sebagian besar anak-anak.",
                f"Pengasapan dilakukan di {c} kelurahan dengan kasus terbanyak.",
                f"Rumah sakit daerah menambah {b % 40 + 10} tempat tidur untuk pasien demam berdarah.",
            ],
            [
                f'"Gerakan menguras, menutup, dan mendaur ulang harus dilakukan setiap pekan," kata {s.official}.',
                f'"Anak saya demam tinggi tiga hari, trombositnya turun," kata {s.witness}, orang tua pasien.',
            ],
        )
    return Text(  # landslide
        rng.choice(
            [
                f"Longsor Tutup Jalan Penghubung {s.city}",
                f"Longsor di {s.city}, {c % 7 + 1} Rumah Tertimbun",
                f"Tanah Longsor Putus Akses Jalan di {s.province_id}",
            ]
        ),
        rng.choice(
            [
                f"Tanah longsor menutup jalan penghubung {s.city} dan kabupaten tetangga pada {date} setelah "
                f"hujan deras.",
                f"Material longsor setinggi {c % 5 + 2} meter menimbun badan jalan di {s.city}, "
                f"{s.province_id}, pada {date}.",
            ]
        ),
        [
            f"Kepala BPBD {s.city}, {s.official}, mengatakan {c % 7 + 1} rumah tertimbun dan {b} warga dievakuasi.",
            f"Alat berat dikerahkan untuk membersihkan material sepanjang {d * 3} meter.",
            "Kendaraan dialihkan melalui jalur alternatif yang menambah waktu tempuh sekitar satu jam.",
        ],
        [
            f'"Kami perkirakan jalan bisa dilalui kembali dalam dua hari," kata {s.official}.',
            f'"Suara gemuruh terdengar sebelum tanah turun," kata {s.witness}, warga setempat.',
        ],
    )


def _en_text(s: Story, rng: random.Random) -> Text:
    a, b, c, d = s.figures
    ra, about = rounded(a, rng)
    approx = "about " if about else ""
    on = f"on {DAYS_EN[s.day.weekday()]}"
    if s.kind == "flood":
        return Text(
            rng.choice(
                [
                    f"Floods swamp {en_number(ra)} homes in {s.city}",
                    f"{s.city} residents flee rising water after night of heavy rain",
                    f"{b} evacuated as floods hit {s.city}, {s.province_en}",
                ]
            ),
            rng.choice(
                [
                    f"Floodwater entered {approx}{en_number(ra)} homes in {s.city}, {s.province_en}, {on} "
                    f"after heavy rain that began in the afternoon.",
                    f"Hundreds of families in {s.city} left their homes {on} as water {c * 5} centimetres deep "
                    f"flowed into residential streets.",
                ]
            ),
            [
                f"{s.official}, head of the city's disaster mitigation agency, said {b} people had moved to mosques "
                f"and village halls.",
                f"Water reached {c * 5} centimetres in places, and two main roads were closed to motorbikes.",
                f"The city deployed {c} water pumps and a public kitchen serving {d * 10} meals a day.",
            ],
            [
                f'"We ask people living along the river to stay alert, as rain is expected until the weekend," '
                f"{s.official} said.",
                f'"The water came in around two in the morning; we only saved our documents," said {s.witness}, '
                f"who fled with her family.",
            ],
        )
    if s.kind == "price":
        name = COMMODITIES[s.pick % len(COMMODITIES)][1]
        old = 12_000 + b * 40
        new = old * (100 + d) // 100 // 500 * 500  # up by d percent, to Rp 500
        return Text(
            rng.choice(
                [
                    f"{name.capitalize()} prices climb to Rp{en_number(new)} a kilo in {s.city}",
                    f"Short supply sends {name} prices up in {s.city} markets",
                    f"{s.city} traders complain as {name} gets dearer",
                ]
            ),
            rng.choice(
                [
                    f"{name.capitalize()} sold for Rp{en_number(new)} a kilogram at traditional markets in "
                    f"{s.city} {on}, up from Rp{en_number(old)} two weeks earlier.",
                    f"Shoppers in {s.city}, {s.province_en}, are paying more for {name}, now at "
                    f"Rp{en_number(new)} per kilogram.",
                ]
            ),
            [
                f"{s.official}, who heads the city trade office, said supply from growing areas had fallen by {d} "
                f"percent because of bad weather.",
                f"The local government will hold market operations at {c} sites from next week.",
                f"The city consumes {en_number(b)} tonnes of {name} a month, according to the trade office.",
            ],
            [
                f'"We have asked distributors not to hold stock back in their warehouses," {s.official} said.',
                f'"Customers buy less now: those who took two kilos take half a kilo," said {s.witness}, a trader.',
            ],
        )
    if s.kind == "fire":
        site = FIRE_SITES[s.pick % len(FIRE_SITES)][1]
        return Text(
            rng.choice(
                [
                    f"Fire destroys {b} stalls at {site} in {s.city}",
                    f"Blaze at {site} in {s.city} causes losses worth billions of rupiah",
                    f"{c} fire engines battle {s.city} blaze",
                ]
            ),
            rng.choice(
                [
                    f"A fire tore through {site} in {s.city} early {on}, destroying {b} stalls.",
                    f"{b} stalls at {site} in {s.city}, {s.province_en}, burned down {on}.",
                ]
            ),
            [
                f"{s.official}, head of the city fire service, said {c} engines were sent and the fire was out "
                f"after {d % 6 + 2} hours.",
                f"Losses were estimated at Rp{en_number(a / 100, 1)} billion; nobody was killed.",
                "Police are investigating the cause, thought to be an electrical short circuit.",
            ],
            [
                f'"Strong wind made the fire spread quickly to the next buildings," {s.official} said.',
                f'"All my goods are gone, nothing could be saved," said {s.witness}, who owned one of the stalls.',
            ],
        )
    if s.kind == "quake":
        mag = 4.5 + (a % 25) / 10
        return Text(
            rng.choice(
                [
                    f"Magnitude {mag:.1f} earthquake shakes {s.city}",
                    f"{mag:.1f} quake damages {b} houses in {s.province_en}",
                    f"{s.city} residents run outdoors as quake strikes",
                ]
            ),
            rng.choice(
                [
                    f"An earthquake of magnitude {mag:.1f} shook {s.city}, {s.province_en}, {on} at a depth of "
                    f"{c} kilometres.",
                    f"Residents of {s.city} felt a {mag:.1f} quake {on} that damaged {b} houses.",
                ]
            ),
            [
                "The meteorology and geophysics agency said the quake could not cause a tsunami.",
                f"{s.official} of the local disaster agency said {b} houses were lightly damaged and {d % 12} badly.",
                f"{d % 9 + 2} smaller aftershocks were recorded by the afternoon.",
            ],
            [
                f'"Our teams are still counting the damage in the districts nearest the epicentre," {s.official} said.',
                f'"Cupboards and plates fell, and we ran straight to the field," said {s.witness}.',
            ],
        )
    if s.kind == "court":
        years = c % 9 + 3
        return Text(
            rng.choice(
                [
                    f"Former {s.city} official jailed for {years} years",
                    f"Court sentences ex-roads chief in {s.city} graft case to {years} years",
                    f"Rp{en_number(a / 100, 1)} billion graft: former {s.city} department head sentenced",
                ]
            ),
            rng.choice(
                [
                    f"The anti-corruption court sentenced {s.witness}, former head of public works in {s.city}, "
                    f"to {years} years in prison {on}.",
                    f"{s.witness}, a former {s.city} city official, was given {years} years in prison for "
                    f"corruption in a road project.",
                ]
            ),
            [
                f"Judges found the defendant had cost the state Rp{en_number(a / 100, 1)} billion on a project worth "
                f"Rp{en_number(b / 10, 1)} billion.",
                f"The defendant must also pay a fine of Rp{d * 10} million.",
                f"Prosecutors had asked for {years + 2} years.",
            ],
            [
                f'"We will take the seven days to consider an appeal," said the defence lawyer, {s.official}.',
                f'"This verdict shows public projects are watched," {s.official} said after the hearing.',
            ],
        )
    if s.kind == "transport":
        return Text(
            rng.choice(
                [
                    f"Railway adds {c} trains from {s.city} for the holidays",
                    f"{d} percent of train tickets from {s.city} already sold",
                    f"Extra trains laid on for holiday travellers leaving {s.city}",
                ]
            ),
            rng.choice(
                [
                    f"The state railway added {c} trips a day from {s.city} station {on} to cope with a surge "
                    f"in passengers.",
                    f"Travellers leaving {s.city} will have {c} extra trains a day over the holidays.",
                ]
            ),
            [
                f"{s.official}, spokesperson for the regional operations office, said {d} percent of "
                f"{en_number(a * 10)} seats had been sold.",
                f"The extra trips run for {b % 20 + 10} days, until the end of the holiday period.",
                "Passengers are asked to arrive an hour before departure for ticket checks.",
            ],
            [
                f'"We urge passengers to buy tickets online so they do not queue at the counters," {s.official} said.',
                f'"Last year I missed out on a ticket, so this time I booked early," said {s.witness}.',
            ],
        )
    if s.kind == "dengue":
        return Text(
            rng.choice(
                [
                    f"Dengue cases in {s.city} reach {en_number(ra)}",
                    f"{s.city} fogs {c} neighbourhoods as dengue spreads",
                    f"{d % 15 + 1} dead as dengue cases rise in {s.city}",
                ]
            ),
            rng.choice(
                [
                    f"The {s.city} health office has recorded {en_number(a)} dengue cases since January.",
                    f"Dengue fever cases in {s.city}, {s.province_en}, have risen to {approx}{en_number(ra)}.",
                ]
            ),
            [
                f"{s.official}, head of the health office, said {d % 15 + 1} patients had died, most of them children.",
                f"Fogging was carried out in the {c} neighbourhoods with the most cases.",
                f"The regional hospital added {b % 40 + 10} beds for dengue patients.",
            ],
            [
                f'"Draining, covering and recycling water containers must happen every week," {s.official} said.',
                f'"My son had a high fever for three days and his platelets dropped," said {s.witness}.',
            ],
        )
    return Text(
        rng.choice(
            [
                f"Landslide cuts road out of {s.city}",
                f"{c % 7 + 1} houses buried by landslide in {s.city}",
                f"Landslide blocks road access in {s.province_en}",
            ]
        ),
        rng.choice(
            [
                f"A landslide blocked the road linking {s.city} with a neighbouring regency {on} after heavy rain.",
                f"Earth {c % 5 + 2} metres deep covered a road in {s.city}, {s.province_en}, {on}.",
            ]
        ),
        [
            f"{s.official}, head of the local disaster agency, said {c % 7 + 1} houses were buried and {b} people "
            f"evacuated.",
            f"Heavy machinery is clearing {d * 3} metres of debris.",
            "Traffic is diverted along a detour that adds about an hour.",
        ],
        [
            f'"We expect the road to reopen within two days," {s.official} said.',
            f'"We heard a rumble before the ground gave way," said {s.witness}, a resident.',
        ],
    )


@dataclass(frozen=True)
class Outlet:
    index: int
    name: str
    language: str
    section: str


@dataclass(frozen=True)
class Page:
    """One outlet's report of one story (`variant` tells a later report from the first)."""

    story: Story
    outlet: Outlet
    variant: int
    published: datetime

    @property
    def path(self) -> str:
        d = self.published
        return f"/{self.outlet.section}/{d.year}/{d.month:02d}/{d.day:02d}/{self.slug}-{self.key}.html"

    @property
    def key(self) -> str:
        return f"{self.story.id}-{self.outlet.index}-{self.variant}"

    @property
    def slug(self) -> str:
        words = "".join(c if c.isalnum() else " " for c in self.text().title.lower()).split()
        return "-".join(words[:8])

    def rng(self) -> random.Random:
        return random.Random(f"{self.story.id}/{self.outlet.index}/{self.variant}")

    def text(self) -> Text:
        rng = self.rng()
        return _id_text(self.story, rng) if self.outlet.language == "id" else _en_text(self.story, rng)

    def html(self, base: str, related: list[tuple[str, str]]) -> bytes:
        rng = self.rng()
        t = self.text()
        body = list(t.body)
        rng.shuffle(body)
        quotes = rng.sample(t.quotes, rng.randint(1, len(t.quotes)))
        paragraphs = [t.lead, body[0], *quotes[:1], *body[1:], *quotes[1:]]
        dateline = f"{self.story.city.upper()}, {self.outlet.name} — "
        paragraphs[0] = dateline + paragraphs[0]
        if self.variant:
            paragraphs.insert(1, "Pembaruan: data terbaru dari petugas di lapangan." if self.outlet.language == "id"
                              else "Update: the latest figures from officials on the ground.")  # fmt: skip
        esc = html.escape
        local = self.published + WIB
        shown = f"{local:%d/%m/%Y %H:%M} WIB"
        read_also = "Baca juga" if self.outlet.language == "id" else "Read also"
        links = "".join(f'<li><a href="{esc(p)}">{esc(title)}</a></li>' for p, title in related)
        text = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        author = f"{random.Random(self.key).choice(FIRST)} {random.Random(self.key + 'x').choice(LAST)}"
        return (
            f'<!DOCTYPE html>\n<html lang="{self.outlet.language}"><head><meta charset="utf-8">'
            f"<title>{esc(t.title)} - {esc(self.outlet.name)}</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta property="og:site_name" content="{esc(self.outlet.name)}">'
            f'<meta property="og:title" content="{esc(t.title)}">'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{self.published.isoformat()}">'
            f'<meta name="author" content="{esc(author)}">'
            f'<link rel="canonical" href="{esc(base + self.path)}">'
            f'<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
            f'</head><body><header><div class="brand"><a href="/">{esc(self.outlet.name)}</a></div>'
            f'<nav><a href="/">{"Beranda" if self.outlet.language == "id" else "Home"}</a> '
            f'<a href="/{self.outlet.section}/">{self.outlet.section.title()}</a> <a href="/ekonomi/">Ekonomi</a> '
            f'<a href="/olahraga/">{"Olahraga" if self.outlet.language == "id" else "Sport"}</a></nav></header>'
            f'<main><article><h1>{esc(t.title)}</h1><div class="meta"><span class="author">{esc(author)}</span> '
            f'<time datetime="{self.published.isoformat()}">{shown}</time></div>\n{text}\n</article>'
            f'<aside class="related"><h2>{read_also}</h2><ul>{links}</ul></aside></main>'
            f"<footer><p>&copy; 2026 {esc(self.outlet.name)}. "
            f"{'Hak cipta dilindungi undang-undang.' if self.outlet.language == 'id' else 'All rights reserved.'}"
            f'</p><a href="/redaksi">{"Redaksi" if self.outlet.language == "id" else "About us"}</a></footer>'
            f"</body></html>\n"
        ).encode()


@dataclass
class Site:
    """All outlets' pages, in the order each outlet published them, and new ones as they come."""

    outlets: list[Outlet]
    seed: int
    pages: dict[int, list[Page]] = field(default_factory=dict)  # outlet index -> pages in order
    by_path: dict[tuple[int, str], Page] = field(default_factory=dict)
    stories: list[Story] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    versions: dict[int, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    recent: list[Story] = field(default_factory=list)  # the latest stories, which new pages may report

    @staticmethod
    def make(n_pages: int, n_outlets: int, seed: int) -> Site:
        outlets = [Outlet(i, *OUTLETS[i]) for i in range(n_outlets)]
        site = Site(outlets, seed, rng=random.Random(seed))
        site.pages = {o.index: [] for o in outlets}
        made: list[Page] = []
        while len(made) < n_pages:
            story = Story.make(len(site.stories), seed)
            site.stories.append(story)
            reporters = site.rng.sample(outlets, min(len(outlets), site.rng.randint(2, 6)))
            for outlet in reporters:
                made.append(Page(story, outlet, 0, story.day + timedelta(hours=site.rng.uniform(0.2, 30))))
                if site.rng.random() < 0.08:  # a later report with updated figures
                    made.append(Page(story, outlet, 1, story.day + timedelta(hours=site.rng.uniform(30, 60))))
        for page in sorted(made[:n_pages], key=lambda p: p.published):
            site._add(page)
        site.recent = sorted({p.story.id: p.story for p in made[:n_pages]}.values(), key=lambda s: s.day)[
            -RECENT_STORIES:
        ]
        return site

    def _add(self, page: Page) -> None:
        self.pages[page.outlet.index].append(page)
        self.by_path[(page.outlet.index, page.path)] = page
        self.versions[page.outlet.index] = self.versions.get(page.outlet.index, 0) + 1

    def publish(self) -> tuple[Page, str]:
        """A new page now, and what it is: a "new story", a report of a recent story by "another
        outlet", or an "update" by an outlet that reported it already."""
        with self.lock:
            now = datetime.now(UTC)
            if self.rng.random() < NEW_STORY_SHARE or not self.recent:
                story = Story.make(len(self.stories), self.seed, day=now)
                self.stories.append(story)
                self.recent.append(story)
                kind = "new story"
            else:
                story = self.rng.choice(self.recent[-RECENT_STORIES:])
                kind = "another outlet"
            taken = {(p.outlet.index, p.variant) for o in self.pages.values() for p in o[-FEED_ITEMS:]
                     if p.story.id == story.id}  # fmt: skip
            outlet = self.rng.choice(self.outlets)
            variant = 0
            while (outlet.index, variant) in taken:
                variant += 1
            if variant and kind != "new story":
                kind = "update"
            page = Page(story, outlet, variant, now)
            self._add(page)
            return page, kind

    def related(self, outlet: int) -> list[tuple[str, str]]:
        return [(p.path, p.text().title) for p in self.pages[outlet][-5:]]


def rss(site: Site, outlet: Outlet, base: str) -> bytes:
    with site.lock:
        latest = list(reversed(site.pages[outlet.index][-FEED_ITEMS:]))
    items = "".join(
        f"<item><title>{html.escape(p.text().title)}</title><link>{html.escape(base + p.path)}</link>"
        f'<guid isPermaLink="true">{html.escape(base + p.path)}</guid>'
        f"<pubDate>{format_datetime(p.published)}</pubDate></item>"
        for p in latest
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(outlet.name)}</title><link>{base}/</link>"
        f"<description>{html.escape(outlet.name)}</description><language>{outlet.language}</language>"
        f"{items}</channel></rss>\n"
    ).encode()


def sitemap_index(site: Site, outlet: Outlet, base: str) -> bytes:
    with site.lock:
        chunks = (len(site.pages[outlet.index]) + SITEMAP_CHUNK - 1) // SITEMAP_CHUNK
    entries = "".join(f"<sitemap><loc>{base}/sitemap-{k}.xml</loc></sitemap>" for k in range(max(chunks, 1)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
    ).encode()


def sitemap_chunk(site: Site, outlet: Outlet, base: str, k: int) -> bytes | None:
    with site.lock:
        chunk = site.pages[outlet.index][k * SITEMAP_CHUNK : (k + 1) * SITEMAP_CHUNK]
    if not chunk and k:
        return None
    urls = "".join(
        f"<url><loc>{html.escape(base + p.path)}</loc>"
        f"<lastmod>{p.published.isoformat(timespec='seconds')}</lastmod></url>"
        for p in chunk
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    ).encode()


def _handler(site: Site, outlet: Outlet, base: str) -> type[BaseHTTPRequestHandler]:

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real site
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
            if etag is not None and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if etag is not None:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with site.lock:
                version = site.versions.get(outlet.index, 0)
                page = site.by_path.get((outlet.index, path))
            tag = f'"{outlet.index}-{version}"'
            if path == "/robots.txt":
                self._send(200, f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain")
            elif path == "/rss.xml":
                self._send(200, rss(site, outlet, base), "application/rss+xml; charset=utf-8", tag)
            elif path == "/sitemap.xml":
                self._send(200, sitemap_index(site, outlet, base), "application/xml", tag)
            elif path.startswith("/sitemap-") and path.endswith(".xml") and path[9:-4].isdigit():
                body = sitemap_chunk(site, outlet, base, int(path[9:-4]))
                if body is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    self._send(200, body, "application/xml", hashlib.sha1(body).hexdigest()[:16].join('""'))
            elif page is not None:
                related = [r for r in site.related(outlet.index) if r[0] != path][:4]
                self._send(200, page.html(base, related), "text/html; charset=utf-8")
            else:
                self._send(404, b"<html><body><h1>404</h1></body></html>", "text/html")

    return Handler


def _control(site: Site, bases: dict[int, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path != "/publish":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            page, kind = site.publish()
            at = time.monotonic()
            body = json.dumps({"url": bases[page.outlet.index] + page.path, "at": at, "kind": kind}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def outlet_host(index: int, distinct: bool) -> str:
    """Where an outlet is served: 127.0.0.1, or a loopback address of its own (127.0.0.2,
    127.0.0.3, ...: Linux answers on all of 127.0.0.0/8), so that each outlet has a domain."""
    return f"127.0.0.{index + 2}" if distinct else "127.0.0.1"


def serve(n_pages: int, n_outlets: int, seed: int, distinct: bool, announce: Callable[[str], None]) -> None:
    """Build the site, serve it until killed, announce its ports as one JSON line."""
    site = Site.make(n_pages, n_outlets, seed)
    servers: list[ThreadingHTTPServer] = []
    bases: dict[int, str] = {}
    outlets = []
    for outlet in site.outlets:
        host = outlet_host(outlet.index, distinct)
        server = ThreadingHTTPServer((host, 0), BaseHTTPRequestHandler)
        port = server.server_address[1]
        bases[outlet.index] = f"http://{host}:{port}"
        server.RequestHandlerClass = _handler(site, outlet, bases[outlet.index])
        server.daemon_threads = True
        servers.append(server)
        outlets.append({"name": outlet.name, "language": outlet.language, "host": host, "port": port,
                        "pages": len(site.pages[outlet.index])})  # fmt: skip
    control = ThreadingHTTPServer(("127.0.0.1", 0), _control(site, bases))
    control.daemon_threads = True
    servers.append(control)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    announce(json.dumps({"outlets": outlets, "control": control.server_address[1], "stories": len(site.stories)}))
    threading.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000, help="article pages over all outlets")
    parser.add_argument("--outlets", type=int, default=10, help=f"outlets, each on its port (1-{len(OUTLETS)})")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--shared-host", action="store_true", help="every outlet on 127.0.0.1 (told apart by port)")
    args = parser.parse_args()
    if not 1 <= args.outlets <= len(OUTLETS):
        parser.error(f"--outlets must be between 1 and {len(OUTLETS)}")

    def announce(line: str) -> None:
        print(line, flush=True)

    try:
        serve(args.pages, args.outlets, args.seed, not args.shared_host, announce)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
