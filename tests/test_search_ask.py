"""Search and ask on the demo corpus, the seeds and small corpora written for the tests,
through the real store and CLI; the scoring of answers against gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO, SEEDS, ingest_into, new_location
from kabar import ask as ask_stage
from kabar import pipeline
from kabar.ask import Answer, ask
from kabar.cli import app
from kabar.evaluate import ask_case, ask_label, ask_report, ask_scores, read_ask_gold
from kabar.features import Embedder
from kabar.search import Filters, fts_expression, plain, query_variants, run
from kabar.store import Store, open_store
from kabar.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> Store:
    store = open_store(new_location(module_backend, tmp_path_factory.mktemp("demo")))
    ingest_into(store, DEMO)
    return store


def test_query_side_stemming_and_quoting() -> None:
    variants = query_variants('pengungsi "gempa" OR x')
    assert any("ungsi" in v or "pengungsi" in v for v in variants[0])
    expression = fts_expression(variants)
    assert expression.count('"') % 2 == 0 and " AND " in expression  # user quotes never reach FTS5 syntax


def test_search_finds_indonesian_stems_and_filters(demo: Store) -> None:
    hits, total = run(demo, "pengungsi gempa Poso")
    assert total >= 2 and all("Poso" in h.title or "poso" in plain(h.snippet).lower() for h in hits)
    assert any(m for h in hits for _, m in h.snippet)  # matched words are marked
    english, _ = run(demo, "earthquake Poso", Filters(language="en"))
    assert english and all(h.language == "en" for h in english)
    by_entity, _ = run(demo, "gempa", Filters(entity="Poso"))
    assert by_entity and all("Poso" in h.title for h in by_entity)
    dated, _ = run(demo, "gempa", Filters(since="2024-10-08", until="2024-10-08"))
    assert dated and all((h.published or "")[:10] == "2024-10-08" for h in dated)
    page1, total = run(demo, "warga", limit=2)
    page2, _ = run(demo, "warga", limit=2, offset=2)
    assert total > 4 and len(page1) == 2 and not {h.article for h in page1} & {h.article for h in page2}


def test_ask_answers_with_evidence_and_abstains(demo: Store) -> None:
    answer = ask(demo, "Berapa korban meninggal akibat gempa Poso?")
    assert not answer.abstained and answer.evidence
    assert all("Poso" in e.text or "korban" in e.text.lower() for e in answer.evidence[:2])
    for question in ("Siapa juara Piala Dunia 2022?", "Berapa harga emas di London?",
                     "Who won the chess olympiad?"):  # fmt: skip
        unanswerable = ask(demo, question)
        assert unanswerable.abstained and not unanswerable.evidence, question


def test_ask_within_an_entity(demo: Store) -> None:
    """An entity filter reaches the store as the entity's keys, as search's does."""
    answer = ask(demo, "Berapa korban meninggal akibat gempa?", Filters(entity="Poso"))
    assert not answer.abstained and answer.evidence
    assert all("Garut" not in e.text for e in answer.evidence)  # the other earthquake is left out


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Embedder]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside the checkout")
    db = str(tmp_path_factory.mktemp("seeds") / "seeds.db")
    with SQLiteStore(db) as store:
        ingest_into(store, SEEDS)
    return db, Embedder()


@pytest.mark.slow
def test_english_questions_over_indonesian_articles(seeds: tuple[str, Embedder]) -> None:
    """The seeds are all Indonesian: the names meet through their keys ("North Korea" is
    "Korea Utara"), the predicate through the multilingual sentence embeddings."""
    db, embedder = seeds
    with SQLiteStore(db) as store:
        languages = {a.id: a.language for a in store.iter_articles()}
        allies = ask(store, "Are Russia and North Korea allies?", embedder=embedder)
        ratified = ask(store, "Did North Korea ratify the treaty with Russia?", embedder=embedder)
    assert allies.stance == "yes" and not allies.abstained and allies.language == "en"
    assert allies.sources_yes >= 2 and allies.sources_no == 0 and allies.strength == 1.0
    assert {languages[e.article] for e in allies.evidence} == {"id"}
    assert ratified.stance == "yes" and not ratified.abstained
    # The sentence the answer quotes reports the ratification ("mengesahkan"), not the signing.
    assert "mengesahkan" in ratified.evidence[0].text and ratified.answer.endswith(ratified.evidence[0].text)
    assert {languages[e.article] for e in ratified.evidence} == {"id"}


@pytest.mark.slow
def test_seed_question_answers_with_on_topic_evidence_only(seeds: tuple[str, Embedder]) -> None:
    """Every piece of evidence used to be "supports yes", off-topic ones too: the crowd
    cheering in Pyongyang names both countries but says nothing of friendship."""
    db, embedder = seeds
    question = "Apakah Rusia dan Korea Utara bersahabat?"
    with SQLiteStore(db) as store:
        cheering = [a for a in store.iter_articles() if "meneriakkan" in a.text]
        answer = ask(store, question, embedder=embedder)
    assert cheering  # the off-topic sentence is in the store, in an article that names both countries
    assert answer.stance == "yes" and not answer.abstained and answer.evidence
    assert all("meneriakkan" not in e.text for e in answer.evidence)
    out = runner.invoke(app, ["ask", question, "--db", db, "--json"])
    record = json.loads(out.stdout)
    assert set(record) >= {"answer", "stance", "strength", "abstained", "reason", "sources_yes", "sources_no",
                           "evidence"}  # fmt: skip
    assert set(record["evidence"][0]) >= {"article", "outlet", "paragraph", "text", "supports"}
    assert record["stance"] == "yes" and record["sources_yes"] >= 1


def test_off_topic_sentence_is_not_evidence(demo: Store) -> None:
    """A sentence of a Garut earthquake report that holds the place (by its paragraph) but
    not the question's point (damage to a mosque) is read, and dropped."""
    answer = ask(demo, "Apakah gempa Garut merusak masjid?")
    assert answer.stance == "yes" and answer.evidence
    assert all("masjid" in e.text.lower() for e in answer.evidence)
    read = {e.article for e in answer.evidence}
    felt = [a for a in demo.get_articles(list(read)) if "Guncangan dirasakan warga hingga Tasikmalaya" in a.text]
    assert felt  # the off-topic sentence's article was among those read
    assert all("Tasikmalaya" not in e.text for e in answer.evidence)


def test_accusation_and_denial_disagree_so_the_stance_abstains(demo: Store) -> None:
    """An accusation and the company's denials ("membantah tuduhan itu", linked to the
    accusation by the extraction or by the sentence before) are evidence on both sides."""
    answer = ask(demo, "Apakah PT Tunas Rokan Lestari membakar lahan?")
    assert answer.stance == "mixed" and answer.abstained and answer.reason == "mixed"
    assert answer.sources_yes >= 1 and answer.sources_no >= 1 and answer.strength < ask_stage.AGREE
    against = [e for e in answer.evidence if e.supports == "no"]
    assert against and all("bantah" in e.text.lower() for e in against)
    assert any("menuduh" in e.text for e in answer.evidence if e.supports == "yes")


def _write(folder: Path, name: str, records: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


_BRIDGE = (
    "SINTANG - Jembatan gantung Lamanda di Kecamatan Ketungau Hulu, Kabupaten Sintang, ambruk pada Jumat malam "
    "setelah diterjang arus Sungai Ketungau yang meluap. Tidak ada warga yang berada di atas jembatan saat kejadian."
    "\n\nKepala Desa Lamanda, Yohanes Bekat, mengatakan tali baja jembatan putus sekitar pukul 21.00 WIB. "
    "Warga dari tiga dusun kini harus menyeberang dengan perahu motor untuk mencapai pasar kecamatan."
    "\n\nDinas Pekerjaan Umum Sintang berjanji membangun jembatan darurat dalam dua pekan."
)


def test_strength_counts_outlets_not_articles(tmp_path: Path) -> None:
    """Two articles of one outlet are one source, and a wire copy in another outlet (one
    paragraph added) counts as its original: four articles say yes, two independent sources."""
    _write(tmp_path / "in", "feed.jsonl", [
        {"id": "kp-1", "outlet": "Kabar Pagi", "language": "id", "published": "2024-03-08T22:00:00+07:00",
         "title": "Jembatan Gantung Lamanda di Sintang Ambruk Diterjang Banjir", "text": _BRIDGE},
        {"id": "ws-1", "outlet": "Warta Senja", "language": "id", "published": "2024-03-09T06:00:00+07:00",
         "title": "Jembatan Gantung Lamanda di Sintang Ambruk Diterjang Banjir",
         "text": _BRIDGE + "\n\nWarga berharap jembatan baru dibangun lebih tinggi dari muka air banjir."},
        {"id": "kp-2", "outlet": "Kabar Pagi", "language": "id", "published": "2024-03-09T09:00:00+07:00",
         "title": "Warga Lamanda Menyeberang dengan Perahu",
         "text": "SINTANG - Sehari setelah jembatan gantung Lamanda ambruk, antrean perahu motor mengular di tepi "
                 "Sungai Ketungau.\n\nSeorang pedagang sayur, Maria Ensiang, mengaku harus membayar Rp 20.000 "
                 "untuk sekali menyeberang."},
        {"id": "st-1", "outlet": "Suara Timur", "language": "id", "published": "2024-03-09T11:00:00+07:00",
         "title": "Arus Sungai Ketungau Putuskan Jembatan Lamanda",
         "text": "SINTANG - Jembatan gantung Lamanda ambruk pada Jumat malam ketika debit Sungai Ketungau naik "
                 "tajam, kata Camat Ketungau Hulu, Petrus Sanggau.\n\nPemerintah kabupaten menyiapkan anggaran "
                 "Rp 1,5 miliar untuk jembatan baru."},
    ])  # fmt: skip
    with SQLiteStore(str(tmp_path / "k.db")) as store:
        pipeline.run([str(tmp_path / "in")], store, embed=False)
        copies = {a.outlet: a.duplicate_of for a in store.iter_articles()}
        answer = ask(store, "Apakah jembatan gantung Lamanda ambruk?")
    assert copies["Warta Senja"] is not None  # the copy is marked, so it counts as its original
    assert answer.stance == "yes" and not answer.abstained
    assert len({e.article for e in answer.evidence}) == 3  # the originals: two of Kabar Pagi, one of Suara Timur
    assert answer.sources_yes == 2 and answer.sources_no == 0 and answer.strength == 1.0
    assert {e.outlet for e in answer.evidence} == {"Kabar Pagi", "Suara Timur"}


def _market(outlet: str, sentence: str) -> dict[str, str]:
    return {"id": outlet.lower().replace(" ", "-"), "outlet": outlet, "language": "id",
            "published": "2024-05-13T12:00:00+07:00", "title": f"Pasar Induk Lamanda Usai Kebakaran ({outlet})",
            "text": f"SINTANG - {sentence}\n\nKebakaran pada Kamis pekan lalu menghanguskan 40 kios di blok "
                    f"sayur. Pemerintah kabupaten menanggung biaya perbaikan atap."}  # fmt: skip


def test_a_negation_counts_only_where_it_bears_on_the_question(tmp_path: Path) -> None:
    """Two outlets say the market reopened, two that it has not ("belum dibuka kembali"):
    the stance abstains as mixed. A negation elsewhere in a sentence ("pedagang ikan belum
    berjualan") says nothing against the reopening."""
    _write(tmp_path / "in", "feed.jsonl", [
        _market("Kabar Pagi", "Pasar Induk Lamanda dibuka kembali pada Senin pagi setelah sepekan tutup."),
        _market("Warta Senja", "Pasar Induk Lamanda dibuka kembali pada Senin, tetapi pedagang ikan belum "
                               "berjualan karena kios mereka masih diperbaiki."),
        _market("Suara Timur", "Pasar Induk Lamanda belum dibuka kembali pada Senin karena atapnya masih diperbaiki."),
        _market("Berita Hulu", "Hingga Senin sore, Pasar Induk Lamanda tidak dibuka kembali untuk pedagang."),
    ])  # fmt: skip
    with SQLiteStore(str(tmp_path / "k.db")) as store:
        pipeline.run([str(tmp_path / "in")], store, embed=False)
        answer = ask(store, "Apakah Pasar Induk Lamanda dibuka kembali?")
        negated = ask(store, "Apakah Pasar Induk Lamanda tidak dibuka kembali?")
    sides = {e.outlet: e.supports for e in answer.evidence}
    assert sides == {"Kabar Pagi": "yes", "Warta Senja": "yes", "Suara Timur": "no", "Berita Hulu": "no"}
    assert answer.stance == "mixed" and answer.abstained and answer.reason == "mixed"
    assert (answer.sources_yes, answer.sources_no, answer.strength) == (2, 2, 0.5)
    assert {e.outlet: e.supports for e in negated.evidence} == {
        o: "no" if s == "yes" else "yes" for o, s in sides.items()
    }


def test_too_few_sources_abstain_with_their_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a minimum of two independent sources, one outlet's report is shown, not answered."""
    _write(tmp_path / "in", "feed.jsonl", [_market("Kabar Pagi", "Pasar Induk Lamanda dibuka kembali pada Senin.")])
    monkeypatch.setattr(ask_stage, "MIN_SOURCES", 2)
    with SQLiteStore(str(tmp_path / "k.db")) as store:
        pipeline.run([str(tmp_path / "in")], store, embed=False)
        answer = ask(store, "Apakah Pasar Induk Lamanda dibuka kembali?")
    assert answer.abstained and answer.reason == "too few sources" and answer.stance is None
    assert answer.sources_yes == 1 and [e.supports for e in answer.evidence] == ["yes"]


def test_scoring_answers_against_gold() -> None:
    """Accuracy and abstention precision and recall on hand-made answers."""
    story_of = {"a1": "gempa", "a2": "banjir"}

    def said(stance: str | None, abstained: bool, article: str = "a1", text: str = "Enam orang tewas.") -> dict:  # type: ignore[type-arg]
        evidence = [{"article": article, "text": text}] if article else []
        return {"stance": stance, "abstained": abstained, "evidence": evidence}

    yes_gold = {"id": "q1", "question": "Apakah ada korban?", "gold": "yes", "story": "gempa", "split": "dev"}
    assert ask_case(yes_gold, said("yes", False), story_of).correct
    assert ask_case(yes_gold, said("yes", False, "a2"), story_of).why == "evidence from banjir"  # right, wrong reason
    assert ask_case(yes_gold, said("no", False), story_of).why == "said no"
    open_gold = {"id": "q2", "question": "Berapa korban tewas?", "gold": "answer", "accept": ["enam", "6"],
                 "story": ["gempa", "longsor"], "split": "test"}  # fmt: skip
    assert ask_case(open_gold, said(None, False), story_of).correct
    assert not ask_case(open_gold, said(None, False, text="Tujuh rumah rusak, 16 warga luka."), story_of).correct
    assert ask_label(said("mixed", True)) == "mixed" and ask_label(said(None, True, "")) == "abstain"
    none_gold = {"id": "q3", "question": "Siapa juara catur?", "gold": "abstain", "split": "test"}
    results = [
        ask_case(yes_gold, said("yes", False), story_of),  # right
        ask_case(open_gold, said(None, True, ""), story_of),  # abstained on an answerable question
        ask_case(none_gold, said(None, True, ""), story_of),  # abstained rightly
        ask_case(none_gold, said("yes", False), story_of),  # answered the unanswerable
    ]
    scores = ask_scores(results)
    assert scores["accuracy"] == 0.5 and scores["abstained"] == 2
    assert scores["abstain_precision"] == 0.5 and scores["abstain_recall"] == 0.5
    report = ask_report(results)
    assert report["split"]["dev"]["accuracy"] == 1.0 and report["split"]["test"]["accuracy"] == 1 / 3


def test_the_gold_questions_are_bilingual_and_complete() -> None:
    gold = read_ask_gold(str(DEMO.parent / "gold" / "ask-demo.jsonl"))
    languages = [g["language"] for g in gold]
    assert len(gold) >= 40 and abs(languages.count("id") - languages.count("en")) <= 4
    assert sum(g["gold"] == "abstain" for g in gold) >= 8
    assert {g["gold"] for g in gold} == {"yes", "no", "mixed", "answer", "abstain"}
    assert {g["split"] for g in gold} == {"dev", "test"}
    assert all(isinstance(Answer, type) and g["question"].endswith("?") for g in gold)


def test_postgres_query_is_sanitised() -> None:
    from kabar.store.postgres import tsquery

    assert tsquery([{"perang", "perangnya"}, {"rusia"}], "all") == "('perang' | 'perangnya') & ('rusia')"
    assert tsquery([{"x') | ('y"}], "any") == "('xy')"  # no quote or operator survives
    assert tsquery([set()], "all") == ""
