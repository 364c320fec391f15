"""Indonesian language data."""

from kabar.lang import LanguageData, country_names

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "agst": 8, "ags": 8, "aug": 8, "september": 9, "sep": 9,
    "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "may": 5,
}  # fmt: skip

WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
            "minggu": 6, "ahad": 6}  # fmt: skip

# Indonesia's three time zones.
TIMEZONES = {"WIB": "+07:00", "WITA": "+08:00", "WIT": "+09:00"}

LINE_CUES = {
    "comment form": [r"tulis komentar( anda)?", r"(beri|berikan|kirim) komentar.*", r"komentar( anda)?",
                     r"\d+ komentar", r"login untuk (berkomentar|mengomentari).*"],
    "editor credit": [r"editor\s*:.*", r"penulis\s*:.*", r"reporter\s*:.*", r"pewarta\s*:.*",
                      r"penyunting\s*:.*", r"redaktur\s*:.*", r"sumber\s*:.*", r"\(\s*[a-z]{2,5}\s*/\s*[a-z]{1,5}\s*\)"],
    "newsletter / follow prompt": [r"(cek|simak|baca) berita( dan artikel)?.*(google news|whatsapp|telegram).*",
                                   r"(ikuti|follow) (kami|berita|saluran|channel).*",
                                   r"dapatkan (update|berita).*", r"berlangganan.*newsletter.*",
                                   r"download aplikasi.*", r"unduh aplikasi.*"],
    "section / link block": [r"terkini lainnya", r"berita terkait", r"berita lainnya", r"tautan sahabat",
                             r"artikel terkait", r"terpopuler", r"rekomendasi", r"topik( terkait)?",
                             r"tag(s)?\s*:?.*", r"populer", r"pilihan editor", r"video pilihan"],
    "share buttons": [r"(bagikan|share)( artikel ini)?\s*:?", r"salin (link|tautan)"],
    "advertisement": [r"(advertisement|iklan|scroll (untuk|to) (melanjutkan|continue).*)"],
}  # fmt: skip

RELATED_CUES = [r"baca (juga|pula)", r"lihat juga", r"simak juga", r"artikel terkait", r"berita terkait",
                r"tonton juga", r"klik juga"]  # fmt: skip

END_CUES = [r"baca selengkapnya", r"tulis komentar( anda)?", r"terkini lainnya", r"tautan sahabat",
            r"topik( terkait)?\s*:?", r"tag(s)?\s*:?"]  # fmt: skip

CREDIT_WORDS = ["foto", "dok", "dokumentasi", "ilustrasi", "istimewa", "antara", "tangkapan layar",
                "gambar", "sumber foto", "grafis", "infografis"]  # fmt: skip

ABBREVIATIONS = {"dr", "drs", "dra", "ir", "prof", "h", "hj", "jl", "no", "kab", "kec", "kel", "tbk",
                 "pt", "cv", "st", "sh", "se", "mm", "mh", "mt", "dll", "dsb", "dst", "yth", "bpk", "ibu",
                 "sdr", "tgl", "hlm", "km", "rp", "kol", "brigjen", "mayjen", "letjen", "jend", "kapt",
                 "let", "kompol", "akbp", "ipda", "aiptu", "bripka", "m", "s", "a", "b", "c", "d", "e",
                 "f", "g", "i", "j", "k", "l", "n", "o", "p", "r", "t", "u", "v", "w", "y", "z"}  # fmt: skip

# Prepositions, conjunctions and determiners: a sentence never ends on them.
NON_FINAL = {"ke", "di", "dari", "pada", "bagi", "kepada", "dengan", "untuk", "yang", "dan", "atau",
             "serta", "oleh", "dalam", "antara", "tentang", "terhadap", "sebagai", "para", "sang",
             "si", "sejak", "hingga", "sampai", "menuju", "melalui", "akan", "telah", "sudah", "bahwa",
             "karena", "agar", "supaya", "ketika", "saat", "jika", "kalau", "namun", "tetapi", "tapi"}  # fmt: skip

STOPWORDS = {
    "yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "pada", "adalah", "dalam",
    "tidak", "akan", "juga", "atau", "ada", "oleh", "sebagai", "telah", "karena", "bahwa", "tersebut",
    "para", "saat", "kata", "lebih", "sudah", "bisa", "dapat", "mereka", "kami", "kita", "ia", "dia",
    "anda", "saya", "harus", "masih", "namun", "hingga", "serta", "antara", "setelah", "bagi", "secara",
    "kepada", "menjadi", "jika", "seperti", "belum", "tak", "hanya", "pun", "lalu", "agar", "sejak",
    "sementara", "yakni", "yaitu", "sebuah", "satu", "dua", "tiga", "lain", "lainnya",
    "tahun", "hari", "baru", "kembali", "ujar", "ungkap", "menurut", "tentang", "terhadap",
    "banyak", "semua", "setiap", "begitu", "sangat", "cara", "kali", "apa", "siapa", "mana", "nya",
}  # fmt: skip

SPEECH_VERBS = {"kata", "ujar", "ungkap", "tegas", "jelas", "tutur", "imbuh", "tambah", "mengatakan",
                "menyatakan", "menyebut", "menurut", "ucap", "terang", "papar", "katanya", "ujarnya",
                "ungkapnya", "tegasnya", "jelasnya", "tuturnya", "imbuhnya", "tambahnya", "menegaskan",
                "menjelaskan", "mengungkapkan", "menambahkan", "menuturkan", "memaparkan", "ucapnya",
                "terangnya", "paparnya", "mengucapkan", "berkata", "bilang", "menyebutkan", "mengaku",
                "mengingatkan", "memperingatkan", "menilai", "berujar", "mengumumkan", "menyampaikan",
                "menerangkan", "mencatat", "menekankan", "menyerukan", "mengklarifikasi", "berpendapat",
                "meyakini", "menandaskan", "mengimbau", "mengungkap", "memastikan", "mengonfirmasi"}  # fmt: skip

RELATIVE_DAYS = {"hari ini": 0, "kemarin": -1, "kemarin lusa": -2, "besok": 1, "lusa": 2,
                 "tadi malam": -1, "semalam": -1}  # fmt: skip

# Dateline places in Indonesian spelling: provincial capitals, large cities and the
# foreign capitals Indonesian newsrooms file from.
PLACES = {
    "jakarta", "bandung", "surabaya", "semarang", "yogyakarta", "medan", "makassar", "palembang",
    "denpasar", "padang", "pekanbaru", "jambi", "bengkulu", "lampung", "bandar lampung", "serang",
    "pontianak", "palangka raya", "banjarmasin", "samarinda", "tanjung selor", "manado", "palu",
    "kendari", "gorontalo", "mamuju", "ambon", "sofifi", "ternate", "jayapura", "manokwari", "sorong",
    "kupang", "mataram", "banda aceh", "pangkalpinang", "tanjungpinang", "batam", "bogor", "depok",
    "bekasi", "tangerang", "malang", "solo", "surakarta", "cirebon", "tasikmalaya", "garut", "cianjur",
    "sukabumi", "poso", "larantuka", "maumere", "ende", "labuan bajo", "balikpapan", "nusantara",
    "demak", "kudus", "jember", "kediri", "madiun", "blitar", "banyuwangi", "sleman", "bantul",
    "moskow", "washington", "beijing", "tokyo", "seoul", "pyongyang", "london", "paris", "berlin",
    "kairo", "riyadh", "teheran", "ankara", "canberra", "sydney", "singapura", "kuala lumpur",
    "bangkok", "manila", "hanoi", "new delhi", "islamabad", "brussel", "jenewa", "new york",
    "kyiv", "kiev", "gaza", "yerusalem", "beirut", "damaskus", "doha", "dubai", "abu dhabi",
    "hong kong", "taipei", "wellington", "ottawa", "roma", "madrid", "den haag", "amsterdam",
    "riffa", "manama", "vientiane", "phnom penh", "naypyidaw", "dili", "port moresby",
}  # fmt: skip

# Frequent words that tell Indonesian from Malay (which py3langid often confuses).
MARKERS = {"tidak", "karena", "bisa", "sudah", "saja", "kalau", "bilang", "namun", "yakni",
           "melalui", "sejumlah", "mengatakan", "kemarin", "pekan"}  # fmt: skip

# Attributed propositions that are not plain speech. Passive forms ("dituduh") take
# their holder from an agent ("oleh X"), never from the subject.
CLAIM_CUES = {
    "mengklaim": "claim", "diklaim": "claim", "klaim": "claim", "berdalih": "claim",
    "menuduh": "accusation", "dituduh": "accusation", "menuding": "accusation", "dituding": "accusation",
    "tuduhan": "accusation", "tudingan": "accusation", "mendakwa": "accusation", "menyalahkan": "accusation",
    "memperkirakan": "estimate", "diperkirakan": "estimate", "memprediksi": "estimate", "diprediksi": "estimate",
    "menaksir": "estimate", "ditaksir": "estimate", "perkiraan": "estimate",
    "melaporkan": "report", "dilaporkan": "report", "memberitakan": "report", "diberitakan": "report",
    "membantah": "denial", "dibantah": "denial", "menepis": "denial", "ditepis": "denial",
    "menyangkal": "denial", "disangkal": "denial", "menampik": "denial", "ditampik": "denial",
    "bantahan": "denial",
}  # fmt: skip
PASSIVE_CUES = {"diklaim", "dituduh", "dituding", "diperkirakan", "diprediksi", "ditaksir", "dilaporkan",
                "diberitakan", "dibantah", "ditepis", "disangkal", "ditampik"}  # fmt: skip

SPEAKER_STOPS = {"pada", "dalam", "di", "kepada", "saat", "ketika", "dilansir", "seperti", "yang", "usai",
                 "setelah", "sebelum", "melalui", "via", "sebagaimana", "dikutip", "mengutip", "kemarin",
                 "selasa", "senin", "rabu", "kamis", "jumat", "sabtu", "minggu", "sambil", "sembari",
                 "dari", "lewat", "tadi", "hari", "ini", "itu", "seusai", "menanggapi", "terkait",
                 "tentang", "soal", "mengenai", "bahwa", "ke", "untuk", "dengan"}  # fmt: skip
AUXILIARIES = {"telah", "sudah", "juga", "pun", "sebelumnya", "lama", "akan", "sempat", "kembali", "pernah",
               "tidak", "tak", "terus", "masih", "justru", "bahkan", "lagi", "sendiri", "kerap", "sering",
               "berulang", "kali", "secara", "resmi", "tegas", "langsung", "hanya", "baru", "segera", "kemudian",
               "lalu", "lantas", "akhirnya", "pula"}  # fmt: skip
CLAUSE_OPENERS = {"namun", "sementara", "itu", "sedangkan", "tetapi", "tapi", "dan", "lalu", "kemudian",
                  "adapun", "sebelumnya", "selain", "bahkan", "di", "sisi", "lain", "pihak"}  # fmt: skip

NUMBER_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
                "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
                "sejuta": 1_000_000}  # fmt: skip
SCALE_WORDS = {"ribu": 1_000, "rb": 1_000, "juta": 1_000_000, "jt": 1_000_000, "miliar": 10**9,
               "milyar": 10**9, "triliun": 10**12}  # fmt: skip
# Vague amounts, as the smallest and largest value they can mean.
VAGUE_AMOUNTS = {"belasan": (11, 19), "puluhan": (20, 99), "ratusan": (200, 999), "ribuan": (2_000, 9_999),
                 "jutaan": (2_000_000, 9_999_999), "miliaran": (2 * 10**9, 10**10 - 1)}  # fmt: skip
QUALIFIERS = {"hingga": "up_to", "sampai": "up_to", "maksimal": "up_to", "sebanyak-banyaknya": "up_to",
              "sekitar": "about", "kurang lebih": "about", "kira-kira": "about", "lebih dari": "more_than",
              "lebih": "more_than", "di atas": "more_than", "setidaknya": "at_least", "sedikitnya": "at_least",
              "minimal": "at_least", "paling sedikit": "at_least", "hampir": "nearly", "nyaris": "nearly",
              "kurang dari": "less_than", "di bawah": "less_than", "mencapai": "about"}  # fmt: skip
CURRENCIES = {"rp": "IDR", "rupiah": "IDR", "us$": "USD", "usd": "USD", "dolar as": "USD", "dolar": "USD",
              "euro": "EUR", "yen": "JPY", "ringgit": "MYR"}  # fmt: skip
COUNTED_ALIASES = {"tentara": "soldier", "pasukan": "soldier", "prajurit": "soldier", "serdadu": "soldier",
                   "personel": "soldier", "korban": "victim", "orang": "person", "warga": "person",
                   "penduduk": "person", "jiwa": "person", "pengungsi": "refugee", "rumah": "house",
                   "rudal": "missile", "peluru": "shell", "amunisi": "shell", "ton": "tonne",
                   "kilometer": "km", "km": "km", "meter": "metre", "tahun": "year", "hari": "day",
                   "persen": "percent"}  # fmt: skip

# Titles, ranks and roles written before a name: "Kapolres Sleman AKBP Yuswanto Hadi" is
# Yuswanto Hadi. Lower case, without the final dot.
TITLES = {"presiden", "wakil", "menteri", "menko", "gubernur", "bupati", "wali", "wali kota", "walikota",
          "camat", "lurah", "kepala", "ketua", "sekretaris", "direktur", "dirut", "manajer", "kapolri",
          "kapolda", "kapolres", "kapolsek", "kasat", "kabid", "kasubdit", "jenderal", "jend", "brigjen",
          "irjen", "komjen", "mayjen", "letjen", "laksamana", "marsekal", "kolonel", "letkol", "mayor",
          "kapten", "akbp", "kombes", "kompol", "akp", "iptu", "ipda", "aiptu", "bripka", "briptu",
          "aipda", "bharada", "jaksa", "hakim", "juru", "bicara", "jubir", "anggota", "pengamat", "peneliti",
          "dr", "drs", "dra", "prof", "ir", "h", "hj", "kh", "haji", "hajah", "bapak", "ibu", "pak", "bu",
          "sdr", "saudara", "tuan", "nyonya", "dokter", "ustaz", "ustadz", "pendeta", "romo", "pastor",
          "pelatih", "kiper", "striker", "prakirawan", "penjabat", "pj", "plt", "datuk", "dato", "tan sri"}  # fmt: skip
# Words that head the name of an organisation (or a coalition of them).
ORG_HEADS = {"koalisi", "aliansi", "forum", "lembaga", "yayasan", "badan", "dinas", "kementerian", "komisi",
             "partai", "perusahaan", "pt", "cv", "perum", "asosiasi", "himpunan", "persatuan", "serikat",
             "ikatan", "gerakan", "dewan", "majelis", "institut", "universitas", "perkumpulan", "federasi",
             "konfederasi", "kelompok", "jaringan", "komite", "kantor", "pusat", "balai", "direktorat",
             "satgas", "satuan", "organisasi", "fraksi", "bank", "kejaksaan", "kepolisian", "pengadilan",
             "mahkamah", "sekretariat", "polda", "polres", "polsek", "pemkab", "pemkot", "pemprov"}  # fmt: skip
# What a figure measures, by a word next to it.
MEASURES = {"kedalaman": "depth", "kedalamannya": "depth", "dalamnya": "depth", "ketinggian": "height",
            "tinggi": "height", "setinggi": "height", "jarak": "distance", "berjarak": "distance",
            "sejauh": "distance", "radius": "distance", "barat": "distance", "timur": "distance",
            "utara": "distance", "selatan": "distance", "barat daya": "distance", "barat laut": "distance",
            "tenggara": "distance", "timur laut": "distance", "panjang": "length", "sepanjang": "length",
            "lebar": "width", "selebar": "width", "luas": "area", "seluas": "area", "naik": "change",
            "turun": "change", "bertambah": "change", "berkurang": "change", "meningkat": "change",
            "menurun": "change", "kenaikan": "change", "penurunan": "change", "melonjak": "change",
            "anjlok": "change", "selisih": "change"}  # fmt: skip

DATA = LanguageData(
    code="id",
    name="Indonesian",
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
    last_week=["pekan lalu", "minggu lalu", "sepekan lalu"],
    last_month=["bulan lalu"],
    month_prefixes=["bulan"],
    day_prefixes=["hari", "pada hari", "pada"],
    places=PLACES,
    countries=country_names("id"),
    stemmer="indonesian",
    time_words=["pukul", "jam"],
    date_line_words=["dipublikasikan", "diterbitkan", "diperbarui", "terbit"],
    byline_words=["oleh", "penulis", "reporter", "pewarta"],
    decimal_separator=",",
    aliases={
        "korut": "korea utara",
        "korsel": "korea selatan",
        "as": "amerika serikat",
        "ri": "indonesia",
        "moskow": "moscow",
        "kremlin": "rusia",
        "pyongyang": "korea utara",
        "kim jong-un": "kim jong un",
        "jokowi": "joko widodo",
        "prabowo": "prabowo subianto",
        "dpr ri": "dpr",
        "uni eropa": "european union",
        "pbb": "united nations",
        "perserikatan bangsa-bangsa": "united nations",
        "asean": "asean",
        # Institutions by their full names: one key with the short name everyone uses.
        "dewan perwakilan rakyat": "dpr",
        "majelis permusyawaratan rakyat": "mpr",
        "komisi pemberantasan korupsi": "kpk",
        "badan meteorologi klimatologi dan geofisika": "bmkg",
        "badan nasional penanggulangan bencana": "bnpb",
        "badan pusat statistik": "bps",
        "badan pengawas obat dan makanan": "bpom",
        "komisi pemilihan umum": "kpu",
        "tentara nasional indonesia": "tni",
        "kepolisian negara republik indonesia": "polri",
        "perum bulog": "bulog",
        "sekretariat asean": "asean secretariat",
    },
    markers=MARKERS,
    claim_cues=CLAIM_CUES,
    source_nouns={"data", "catatan", "laporan", "keterangan", "rilis", "siaran", "pernyataan"},
    demonstratives={"itu", "tersebut", "ini"},
    ui={
        "stories": "Cerita",
        "story": "Cerita",
        "article": "Artikel",
        "articles": "artikel",
        "more_articles": "dan {n} artikel lain, tidak ditampilkan: fakta dan ringkasan cerita dibaca dari artikel di atas",
        "search": "Cari",
        "ask": "Tanya",
        "brief": "Ringkasan",
        "timeline": "Linimasa",
        "sources": "Sumber dan salinan",
        "quotes": "Kutipan per narasumber",
        "claims": "Klaim dan bantahan",
        "conflicts": "Angka yang bertentangan",
        "entities": "Tokoh, lembaga, dan tempat",
        "graph": "Graf entitas",
        "removed": "Baris yang dibuang",
        "reason": "alasan",
        "published": "terbit",
        "outlet": "media",
        "language": "bahasa",
        "since": "sejak",
        "until": "hingga",
        "next": "Berikutnya",
        "previous": "Sebelumnya",
        "nothing": "Tidak ada hasil.",
        "independent": "sumber independen",
        "denied": "dibantah",
        "copy_of": "salinan dari",
        "shared": "paragraf bersama",
        "answer": "Jawaban",
        "evidence": "Bukti",
        "stance": "sikap",
        "strength": "kekuatan",
        "adds": "Tambahan tiap media",
        "text": "Teks bersih",
        "figures": "Angka",
        "search_hint": "Kata yang dicari",
        "ask_hint": "Sebuah pertanyaan",
        "go": "Cari",
        "recent": "Terbaru",
        "largest": "Terbesar",
        "sort": "urutan",
        "storyline": "alur",
        "dates": "Tanggal",
        "holder": "pemegang",
        "none": "tidak ada",
        "all": "semua",
        "yes": "mendukung ya",
        "no": "mendukung tidak",
        "open_ui": "Buka cerita",
        "storylines": "Alur",
        "storylines_about": "Perkara yang berlanjut dalam lebih dari satu cerita, yang terakhir aktif lebih dulu; tiap cerita adalah satu peristiwa.",
        "n_stories": "{n} cerita",
        "n_outlets": "{n} media",
        "more_stories": "{n} cerita lagi: semua cerita dalam alur ini",
        "n_more": "{n} lagi",
        "all_line_stories": "semua cerita dalam alur ini",
        "this_story": "cerita ini",
        "undated": "tanpa tanggal",
        "axis_label": "Cerita-cerita dalam alur ini pada sumbu waktu",
        "axis_story": "satu cerita, dari laporan pertama hingga terakhir",
        "axis_undated": "{n} tanpa tanggal, tidak ada di sumbu",
        "no_such_page": "Halaman ini tidak ada.",
    },
    question_words={"apakah", "apa", "siapa", "kapan", "mengapa", "kenapa", "bagaimana", "berapa", "dimana",
                    "mana", "benarkah", "adakah", "bisakah", "akankah", "sudahkah", "seberapa"},
    yes_no_openers={"apakah", "benarkah", "adakah", "bisakah", "akankah", "sudahkah"},
    negations={"tidak", "tak", "bukan", "belum", "tanpa", "membantah", "menyangkal", "menepis", "dibantah",
               "ditepis", "menolak", "mustahil"},
    answers={"yes": "Ya, menurut {n} sumber.", "no": "Tidak, menurut {n} sumber.",
             "mixed": "Sumber tidak sepakat: {yes} mendukung, {no} membantah.",
             "found": "Menurut {n} sumber:", "abstain": "Artikel-artikel ini tidak menjawabnya."},
    inverted_cues={"kata", "ujar", "ungkap", "tegas", "jelas", "tutur", "imbuh", "tambah", "ucap", "terang",
                   "papar", "menurut", "katanya", "ujarnya", "ungkapnya", "tegasnya", "jelasnya", "tuturnya",
                   "imbuhnya", "tambahnya", "ucapnya", "terangnya", "paparnya", "berkata"},
    relatives={"yang"},
    list_conjunctions={"dan", "atau", "serta"},
    passive_cues=PASSIVE_CUES,
    agent_words=["oleh"],
    according_to=["menurut"],
    complementizers={"bahwa", "jika", "kalau"},
    pronouns={"dia", "ia", "beliau", "mereka"},
    speaker_clitic="nya",
    speaker_stops=SPEAKER_STOPS,
    auxiliaries=AUXILIARIES,
    clause_openers=CLAUSE_OPENERS,
    accusation_nouns={"tuduhan", "tudingan", "klaim", "laporan", "dakwaan"},
    locatives={"di", "ke", "dari", "menuju", "ibu kota", "kota"},
    purpose_markers={"untuk", "guna", "agar", "supaya"},
    prepositions={"dalam", "di", "pada", "kepada", "dari", "melalui", "lewat", "via", "dengan", "untuk", "ke",
                  "tentang", "terkait", "soal", "mengenai", "usai", "seusai", "atas", "bagi", "menurut"},
    control_verbs={"meminta", "minta", "mendesak", "memerintahkan", "menyuruh", "mengajak", "menginstruksikan",
                   "menugaskan", "mengizinkan", "membiarkan", "mewajibkan", "menuntut"},
    titles=TITLES,
    org_heads=ORG_HEADS,
    measures=MEASURES,
    number_words=NUMBER_WORDS,
    scale_words=SCALE_WORDS,
    vague_amounts=VAGUE_AMOUNTS,
    qualifiers=QUALIFIERS,
    currencies=CURRENCIES,
    percent_words={"persen", "%"},
    counted_aliases=COUNTED_ALIASES,
    counted_skip={"buah", "unit", "ekor", "lebih"},
    ner_model="id",
    dateparser="id",
    title_centre="indosum-dev/articles.jsonl",
)
