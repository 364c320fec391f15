"""Malay language data (Malaysia, Singapore, Brunei).

Malay shares most function words and all productive affixes with Indonesian, so
it borrows Indonesian's NER model and Snowball stemmer; what differs is here:
month names (Mac, Julai, Ogos, Disember), weekdays (Isnin, Khamis, Jumaat),
spelling (kerana, bahawa, bilion), time zones, speech verbs and UI labels.
"""

from kabar.lang import LanguageData, country_names

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mac": 3, "april": 4, "apr": 4, "mei": 5,
    "jun": 6, "julai": 7, "jul": 7, "ogos": 8, "ogo": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "disember": 12, "dis": 12,
}  # fmt: skip

WEEKDAYS = {"isnin": 0, "selasa": 1, "rabu": 2, "khamis": 3, "jumaat": 4, "sabtu": 5, "ahad": 6}  # fmt: skip

# Malaysia (MYT) and Singapore (SGT) keep one zone each, both UTC+8.
TIMEZONES = {"MYT": "+08:00", "SGT": "+08:00"}

LINE_CUES = {
    "comment form": [r"(tulis|beri|tinggalkan) komen( anda)?.*", r"\d+ komen", r"log masuk untuk (memberi )?komen.*"],
    "editor credit": [r"penyunting\s*:.*", r"wartawan\s*:.*", r"disunting oleh\s*:?.*"],
    "newsletter / follow prompt": [r"ikuti (kami|saluran) (di|menerusi).*", r"langgan (surat berita|buletin).*",
                                   r"muat turun aplikasi.*"],
    "section / link block": [r"berita berkaitan", r"artikel berkaitan", r"berita lain", r"paling popular"],
    "share buttons": [r"kongsi( artikel ini)?\s*:?", r"salin pautan"],
}  # fmt: skip

RELATED_CUES = [r"baca lagi", r"berita berkaitan", r"artikel berkaitan"]

END_CUES = [r"tinggalkan komen( anda)?", r"berita berkaitan", r"artikel berkaitan"]

CREDIT_WORDS = ["gambar", "foto", "fail", "ihsan"]

ABBREVIATIONS = {"dr", "prof", "hj", "hjh", "jln", "no", "sdn", "bhd", "dato", "datuk", "dsp",
                 "asp", "insp", "kpl", "sjn", "lt", "kol", "jen", "rm", "km", "dll", "dsb", "tel"}  # fmt: skip

NON_FINAL = {"ke", "di", "dari", "daripada", "pada", "bagi", "kepada", "dengan", "untuk", "yang", "dan",
             "atau", "serta", "oleh", "dalam", "antara", "tentang", "terhadap", "sebagai", "para", "sejak",
             "hingga", "sehingga", "sampai", "menerusi", "melalui", "akan", "telah", "sudah", "bahawa",
             "kerana", "agar", "supaya", "ketika", "semasa", "jika", "namun", "tetapi"}  # fmt: skip

STOPWORDS = {
    "yang", "dan", "di", "ke", "dari", "daripada", "ini", "itu", "dengan", "untuk", "pada", "adalah",
    "ialah", "dalam", "tidak", "tak", "akan", "juga", "atau", "ada", "oleh", "sebagai", "telah", "kerana",
    "bahawa", "tersebut", "para", "ketika", "semasa", "kata", "lebih", "sudah", "boleh", "dapat", "mereka",
    "kami", "kita", "ia", "dia", "anda", "saya", "perlu", "masih", "namun", "hingga", "sehingga", "serta",
    "antara", "selepas", "bagi", "secara", "kepada", "menjadi", "jika", "seperti", "belum", "hanya", "pun",
    "lalu", "agar", "sejak", "sementara", "iaitu", "sebuah", "satu", "dua", "tiga", "lain", "tahun", "hari",
    "baharu", "kembali", "menurut", "tentang", "terhadap", "banyak", "semua", "setiap", "sangat", "kali",
    "apa", "siapa", "mana", "nya", "berkata", "katanya", "beliau",
}  # fmt: skip

SPEECH_VERBS = {"kata", "katanya", "berkata", "mengatakan", "menyatakan", "menurut", "memberitahu",
                "menjelaskan", "jelasnya", "menegaskan", "tegasnya", "menambah", "tambahnya", "mendedahkan",
                "menyebut", "menyebutkan", "mengumumkan", "memaklumkan", "dimaklumkan", "mengesahkan",
                "menerangkan", "ujarnya", "ujar", "mengakui", "mengingatkan", "menggesa", "menyeru",
                "berpendapat", "menekankan", "memberi amaran", "mencatatkan", "ulasnya"}  # fmt: skip

RELATIVE_DAYS = {"hari ini": 0, "semalam": -1, "kelmarin": -2, "esok": 1, "lusa": 2, "malam tadi": -1}

PLACES = {
    "kuala lumpur", "putrajaya", "shah alam", "george town", "ipoh", "johor bahru", "melaka", "seremban",
    "kuantan", "kuala terengganu", "kota bharu", "alor setar", "kangar", "kota kinabalu", "kuching",
    "labuan", "petaling jaya", "singapura", "bandar seri begawan", "jakarta", "bandung", "surabaya",
    "palu", "pekanbaru", "garut", "poso", "demak", "bangkok", "manila", "hanoi", "beijing", "tokyo",
    "london", "washington", "riyadh", "kaherah", "doha", "dubai", "vientiane", "phnom penh",
}  # fmt: skip

# Words Malay news uses and Indonesian news does not: they settle a text the classifier
# places in either language (see `variant_of`).
# (Not "beliau", "semalam" or "sehingga": Indonesian news uses them too.)
MARKERS = {"kerana", "ialah", "daripada", "bahawa", "iaitu", "selepas", "kerajaan", "berkata",
           "bilion", "julai", "ogos", "disember", "isnin", "khamis", "jumaat", "baharu", "manakala",
           "rosak", "kerosakan", "bahagian", "dikesan", "mengesan", "dirasai"}  # fmt: skip

CLAIM_CUES = {
    "mendakwa": "claim", "didakwa": "claim", "dakwaan": "claim",
    "menuduh": "accusation", "dituduh": "accusation", "tuduhan": "accusation", "menyalahkan": "accusation",
    "menganggarkan": "estimate", "dianggarkan": "estimate", "anggaran": "estimate", "menjangka": "estimate",
    "dijangka": "estimate", "meramalkan": "estimate",
    "melaporkan": "report", "dilaporkan": "report",
    "menafikan": "denial", "dinafikan": "denial", "menyangkal": "denial", "disangkal": "denial",
    "penafian": "denial",
}  # fmt: skip
PASSIVE_CUES = {"didakwa", "dituduh", "dianggarkan", "dijangka", "dilaporkan", "dinafikan", "disangkal"}

SPEAKER_STOPS = {"pada", "dalam", "di", "kepada", "ketika", "semasa", "seperti", "yang", "selepas", "sebelum",
                 "menerusi", "melalui", "semalam", "isnin", "selasa", "rabu", "khamis", "jumaat", "sabtu",
                 "ahad", "dari", "daripada", "hari", "ini", "itu", "mengenai", "tentang", "bahawa", "ke",
                 "untuk", "dengan", "sambil"}  # fmt: skip
AUXILIARIES = {"telah", "sudah", "juga", "pun", "sebelum", "ini", "akan", "sempat", "kembali", "pernah",
               "tidak", "tak", "terus", "masih", "bahkan", "lagi", "sendiri", "secara", "rasmi", "tegas",
               "hanya", "segera"}  # fmt: skip
CLAUSE_OPENERS = {"namun", "sementara", "itu", "manakala", "tetapi", "dan", "lalu", "kemudian", "selain",
                  "bahkan", "di", "pihak"}  # fmt: skip

NUMBER_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "lapan": 8,
                "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
                "sejuta": 1_000_000}  # fmt: skip
SCALE_WORDS = {"ribu": 1_000, "juta": 1_000_000, "bilion": 10**9, "trilion": 10**12}
VAGUE_AMOUNTS = {"belasan": (11, 19), "puluhan": (20, 99), "ratusan": (200, 999), "ribuan": (2_000, 9_999),
                 "jutaan": (2_000_000, 9_999_999)}  # fmt: skip
QUALIFIERS = {"sehingga": "up_to", "hingga": "up_to", "maksimum": "up_to", "kira-kira": "about",
              "sekitar": "about", "lebih kurang": "about", "lebih daripada": "more_than", "lebih": "more_than",
              "melebihi": "more_than", "sekurang-kurangnya": "at_least", "sekurangnya": "at_least",
              "minimum": "at_least", "hampir": "nearly", "kurang daripada": "less_than",
              "mencecah": "about"}  # fmt: skip
CURRENCIES = {"rm": "MYR", "ringgit": "MYR", "s$": "SGD", "sgd": "SGD", "dolar singapura": "SGD",
              "rp": "IDR", "rupiah": "IDR", "us$": "USD", "usd": "USD", "dolar as": "USD", "dolar": "USD"}  # fmt: skip
COUNTED_ALIASES = {"tentera": "soldier", "askar": "soldier", "anggota": "soldier", "mangsa": "victim",
                   "orang": "person", "penduduk": "person", "warga": "person", "jiwa": "person",
                   "pelarian": "refugee", "rumah": "house", "peluru": "shell",
                   "tan": "tonne", "kilometer": "km", "km": "km", "meter": "metre", "tahun": "year",
                   "hari": "day", "peratus": "percent"}  # fmt: skip

# Titles, ranks, honorifics and roles written before a name ("Datuk Harun Iskandar").
TITLES = {"perdana", "menteri", "timbalan", "presiden", "ketua", "pengarah", "setiausaha", "jurucakap",
          "pegawai", "datuk", "dato", "datin", "tan sri", "puan sri", "tun", "encik", "puan", "cik", "tuan",
          "haji", "hajah", "dr", "prof", "profesor", "inspektor", "superintendan", "ahli", "jawatankuasa",
          "pesuruhjaya", "jurulatih", "gabenor", "bupati", "kepala", "pak", "bu"}  # fmt: skip
# Words that head the name of an organisation (or a coalition of them).
ORG_HEADS = {"koalisi", "gabungan", "pakatan", "persatuan", "pertubuhan", "kesatuan", "persekutuan",
             "majlis", "jabatan", "kementerian", "suruhanjaya", "agensi", "lembaga", "yayasan", "badan",
             "institut", "universiti", "syarikat", "parti", "forum", "jawatankuasa", "kumpulan", "dewan",
             "bank", "mahkamah", "pejabat", "sekretariat", "bahagian", "pusat"}  # fmt: skip
# What a figure measures, by a word next to it.
MEASURES = {"kedalaman": "depth", "kedalamannya": "depth", "dalamnya": "depth", "ketinggian": "height",
            "tinggi": "height", "jarak": "distance", "sejauh": "distance", "radius": "distance",
            "barat": "distance", "timur": "distance", "utara": "distance", "selatan": "distance",
            "barat daya": "distance", "barat laut": "distance", "tenggara": "distance", "timur laut": "distance",
            "panjang": "length", "lebar": "width", "keluasan": "area", "luas": "area", "naik": "change",
            "turun": "change", "bertambah": "change", "berkurang": "change", "meningkat": "change",
            "menurun": "change", "kenaikan": "change", "penurunan": "change"}  # fmt: skip

DATA = LanguageData(
    code="ms",
    name="Malay",
    months=MONTHS,
    weekdays=WEEKDAYS,
    timezones=TIMEZONES,
    line_cues=LINE_CUES,
    related_cues=RELATED_CUES,
    end_cues=END_CUES,
    credit_words=CREDIT_WORDS,
    abbreviations=ABBREVIATIONS,
    non_final_words=NON_FINAL,
    stopwords=STOPWORDS,
    speech_verbs=SPEECH_VERBS,
    relative_days=RELATIVE_DAYS,
    last_week=["minggu lalu", "minggu lepas"],
    last_month=["bulan lalu", "bulan lepas"],
    month_prefixes=["bulan"],
    day_prefixes=["hari", "pada hari", "pada"],
    places=PLACES,
    countries=country_names("ms"),
    stemmer="indonesian",  # Snowball has no Malay; the affixes are Indonesian's
    time_words=["jam", "pukul"],
    date_line_words=["diterbitkan", "dikemas kini", "kemas kini"],
    byline_words=["oleh", "wartawan"],
    decimal_separator=".",  # Malaysia and Singapore write 6.1 and 3,200, as English does
    aliases={
        "amerika syarikat": "amerika serikat",
        "as": "amerika serikat",
        "korea utara": "korea utara",
        "pbb": "united nations",
        "pertubuhan bangsa-bangsa bersatu": "united nations",
        "kesatuan eropah": "european union",
        "asean": "asean",
    },
    markers=MARKERS,
    claim_cues=CLAIM_CUES,
    source_nouns={"data", "laporan", "kenyataan", "rekod", "statistik"},
    demonstratives={"itu", "tersebut", "ini"},
    ui={
        "stories": "Berita",
        "story": "Berita",
        "article": "Artikel",
        "articles": "artikel",
        "more_articles": "dan {n} artikel lain, tidak dipaparkan: fakta dan ringkasan dibaca daripada artikel di atas",
        "search": "Cari",
        "ask": "Tanya",
        "brief": "Ringkasan",
        "timeline": "Garis masa",
        "sources": "Sumber dan salinan",
        "quotes": "Petikan mengikut sumber",
        "claims": "Dakwaan dan penafian",
        "conflicts": "Angka yang bercanggah",
        "entities": "Tokoh, badan dan tempat",
        "graph": "Graf entiti",
        "removed": "Baris yang dibuang",
        "reason": "sebab",
        "published": "diterbitkan",
        "outlet": "media",
        "language": "bahasa",
        "since": "sejak",
        "until": "sehingga",
        "next": "Seterusnya",
        "previous": "Sebelumnya",
        "nothing": "Tiada hasil.",
        "independent": "sumber bebas",
        "denied": "dinafikan",
        "copy_of": "salinan daripada",
        "shared": "perenggan dikongsi",
        "answer": "Jawapan",
        "evidence": "Bukti",
        "stance": "pendirian",
        "strength": "kekuatan",
        "adds": "Tambahan setiap media",
        "text": "Teks bersih",
        "figures": "Angka",
        "search_hint": "Kata carian",
        "ask_hint": "Satu soalan",
        "go": "Cari",
        "recent": "Terkini",
        "largest": "Terbesar",
        "sort": "susunan",
        "storyline": "jalan cerita",
        "dates": "Tarikh",
        "holder": "pemegang",
        "none": "tiada",
        "all": "semua",
        "yes": "menyokong ya",
        "no": "menyokong tidak",
        "open_ui": "Buka berita",
        "storylines": "Jalan cerita",
        "storylines_about": "Perkara yang berterusan dalam lebih daripada satu berita, yang terkini aktif dahulu; setiap berita ialah satu peristiwa.",
        "n_stories": "{n} berita",
        "n_outlets": "{n} media",
        "more_stories": "{n} berita lagi: semua berita jalan cerita ini",
        "n_more": "{n} lagi",
        "all_line_stories": "semua berita jalan cerita ini",
        "this_story": "berita ini",
        "undated": "tanpa tarikh",
        "axis_label": "Berita-berita jalan cerita ini pada paksi masa",
        "axis_story": "satu berita, dari laporan pertama hingga terakhir",
        "axis_undated": "{n} tanpa tarikh, tiada pada paksi",
        "no_such_page": "Halaman ini tiada.",
    },
    question_words={"adakah", "apa", "apakah", "siapa", "bila", "bilakah", "mengapa", "kenapa", "bagaimana",
                    "berapa", "berapakah", "di mana", "mana", "benarkah"},
    yes_no_openers={"adakah", "benarkah", "bolehkah", "sudahkah"},
    negations={"tidak", "tak", "bukan", "belum", "tanpa", "menafikan", "dinafikan", "menyangkal", "menolak"},
    answers={"yes": "Ya, menurut {n} sumber.", "no": "Tidak, menurut {n} sumber.",
             "mixed": "Sumber tidak sepakat: {yes} menyokong, {no} menafikan.",
             "found": "Menurut {n} sumber:", "abstain": "Artikel-artikel ini tidak menjawabnya."},
    # Not "berkata": Malay writes "X berkata, ..." (the speaker first), never "..., berkata X".
    inverted_cues={"kata", "katanya", "menurut", "ujar", "ujarnya", "jelasnya", "tegasnya", "tambahnya", "ulasnya"},
    relatives={"yang"},
    list_conjunctions={"dan", "atau", "serta"},
    passive_cues=PASSIVE_CUES,
    agent_words=["oleh"],
    according_to=["menurut"],
    complementizers={"bahawa", "jika", "kalau"},
    pronouns={"dia", "ia", "beliau", "mereka"},
    speaker_clitic="nya",
    speaker_stops=SPEAKER_STOPS,
    auxiliaries=AUXILIARIES,
    clause_openers=CLAUSE_OPENERS,
    accusation_nouns={"tuduhan", "dakwaan", "laporan"},
    locatives={"di", "ke", "dari", "daripada", "ibu negara", "bandar"},
    purpose_markers={"untuk", "bagi", "agar", "supaya"},
    prepositions={"dalam", "di", "pada", "kepada", "dari", "daripada", "melalui", "menerusi", "dengan", "untuk",
                  "ke", "tentang", "mengenai", "berhubung", "selepas", "atas", "bagi", "menurut"},
    control_verbs={"meminta", "minta", "mendesak", "mengarahkan", "menyuruh", "mengajak", "mengizinkan",
                   "membiarkan", "mewajibkan", "menuntut", "menggesa"},
    titles=TITLES,
    org_heads=ORG_HEADS,
    measures=MEASURES,
    number_words=NUMBER_WORDS,
    scale_words=SCALE_WORDS,
    vague_amounts=VAGUE_AMOUNTS,
    qualifiers=QUALIFIERS,
    currencies=CURRENCIES,
    percent_words={"peratus", "%"},
    counted_aliases=COUNTED_ALIASES,
    counted_skip={"buah", "unit", "ekor", "lebih"},
    fallback="id",  # no NER model of its own: Indonesian's, the closest (THE ONE RULE)
    dateparser="ms",
    variant_of="id",
)
