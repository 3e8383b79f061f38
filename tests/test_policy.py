"""decide(): every branch, with hand-built NLU results (no Rasa needed)."""

from __future__ import annotations

import pytest

from bot.intents import Action
from bot.nlu.policy import SEE_ALSO_SHARE, decide, reads_as_question
from bot.nlu.result import NluResult, ScopeSignals
from bot.settings import DEFAULT_CONFIG_PATH, PolicySettings, load_settings

SETTINGS = PolicySettings(
    agreed_confidence=0.3,
    answer_confidence=0.7,
    escalate_confidence=0.4,
    fallback_confidence=0.4,
    case_neighbour_score=0.1,
    min_margin=0.05,
    min_similarity=0.2,
    min_coverage=0.5,
    clarify_candidates=3,
    clarify_min_score=0.05,
)


def reading(
    ranking: list[tuple[str, float]],
    *,
    neighbour: str | None = None,
    similarity: float = 0.6,
    coverage: float = 1.0,
    text: str = "pns boleh like postingan caleg?",
    scope: bool = True,
) -> NluResult:
    intent, confidence = ranking[0] if ranking else (None, 0.0)
    return NluResult(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=tuple(ranking),
        scope=ScopeSignals(similarity, coverage, neighbour) if scope else None,
    )


def test_shipped_config_matches_the_defaults() -> None:
    assert load_settings(DEFAULT_CONFIG_PATH, environ={}).policy == PolicySettings()


def test_no_intent_or_empty_text_falls_back() -> None:
    assert decide(reading([]), SETTINGS).action is Action.FALLBACK
    blank = reading([("salam", 0.99)], neighbour="salam", text="   ")
    assert decide(blank, SETTINGS).action is Action.FALLBACK


def test_no_known_word_falls_back_whatever_the_classifier_says() -> None:
    emoji = reading([("salam", 0.99)], neighbour="salam", similarity=0.9, coverage=0.0)
    assert decide(emoji, SETTINGS).action is Action.FALLBACK


def test_far_from_training_data_falls_back() -> None:
    far = reading([("kampanye", 0.95)], neighbour="kampanye", similarity=0.1, coverage=0.3)
    assert decide(far, SETTINGS).action is Action.FALLBACK
    # Far in characters but made of known words: not out of distribution on that ground.
    known = reading([("kampanye", 0.95)], neighbour="kampanye", similarity=0.1, coverage=0.9)
    assert decide(known, SETTINGS).action is Action.ANSWER


def test_agreement_answers_at_a_modest_confidence() -> None:
    result = reading([("media_sosial", 0.45), ("kampanye", 0.2)], neighbour="media_sosial")
    assert decide(result, SETTINGS) == decide(result, SETTINGS)
    decision = decide(result, SETTINGS)
    assert (decision.action, decision.intent) == (Action.ANSWER, "media_sosial")


def test_disagreement_needs_a_confident_classifier() -> None:
    unsure = reading([("kebijakan_pejabat", 0.6), ("kampanye", 0.3)], neighbour="kampanye")
    decision = decide(unsure, SETTINGS)
    assert decision.action is Action.CLARIFY
    assert decision.candidates[:2] == ("kebijakan_pejabat", "kampanye")
    sure = reading([("kebijakan_pejabat", 0.9), ("kampanye", 0.05)], neighbour="kampanye")
    assert decide(sure, SETTINGS).action is Action.ANSWER


def test_missing_scope_counts_as_disagreement() -> None:
    result = reading([("sanksi", 0.5), ("kampanye", 0.2)], scope=False)
    assert decide(result, SETTINGS).action is Action.CLARIFY


def test_close_runner_up_asks_to_clarify() -> None:
    result = reading([("hak_pilih", 0.42), ("dasar_netralitas", 0.40)], neighbour="hak_pilih")
    decision = decide(result, SETTINGS)
    assert decision.action is Action.CLARIFY
    assert decision.candidates == ("hak_pilih", "dasar_netralitas")


def test_clarify_candidates_are_topics_above_the_floor_plus_the_neighbours_topic() -> None:
    result = reading(
        [("salam", 0.3), ("sanksi", 0.2), ("pelaporan", 0.04)], neighbour="fasilitas_negara"
    )
    decision = decide(result, SETTINGS)
    assert decision.action is Action.CLARIFY
    assert decision.candidates == ("sanksi", "fasilitas_negara")


def test_no_plausible_topic_falls_back() -> None:
    result = reading([("salam", 0.3), ("terima_kasih", 0.25)], neighbour="terima_kasih")
    assert decide(result, SETTINGS).action is Action.FALLBACK


def test_case_escalates_when_agreed_or_confident() -> None:
    agreed = reading([("konsultasi_kasus", 0.35), ("sanksi", 0.2)], neighbour="konsultasi_kasus")
    assert decide(agreed, SETTINGS).action is Action.ESCALATE
    alone = reading([("konsultasi_kasus", 0.45), ("sanksi", 0.3)], neighbour="sanksi")
    assert decide(alone, SETTINGS).action is Action.ESCALATE
    weak = reading([("konsultasi_kasus", 0.35), ("sanksi", 0.3)], neighbour="sanksi")
    assert decide(weak, SETTINGS).action is Action.CLARIFY


def test_consultant_request_escalates() -> None:
    result = reading([("minta_konsultan", 0.8)], neighbour="minta_konsultan")
    decision = decide(result, SETTINGS)
    assert (decision.action, decision.intent) == (Action.ESCALATE, "minta_konsultan")


@pytest.mark.parametrize("case_score, expected", [(0.15, Action.ESCALATE), (0.05, Action.ANSWER)])
def test_case_neighbours_escalate_a_topic_reading(case_score: float, expected: Action) -> None:
    result = reading(
        [("lkbh_korpri", 0.75), ("konsultasi_kasus", case_score)], neighbour="konsultasi_kasus"
    )
    decision = decide(result, SETTINGS)
    assert decision.action is expected
    if expected is Action.ESCALATE:
        assert decision.intent == "konsultasi_kasus"


def test_out_of_scope_falls_back_when_agreed_or_confident() -> None:
    agreed = reading([("di_luar_topik", 0.32), ("sanksi", 0.2)], neighbour="di_luar_topik")
    assert decide(agreed, SETTINGS).action is Action.FALLBACK
    alone = reading([("di_luar_topik", 0.5), ("sanksi", 0.2)], neighbour="sanksi")
    assert decide(alone, SETTINGS).action is Action.FALLBACK


def test_weak_out_of_scope_reading_near_a_topic_asks_to_clarify() -> None:
    result = reading(
        [("di_luar_topik", 0.35), ("fasilitas_negara", 0.3)], neighbour="fasilitas_negara"
    )
    decision = decide(result, SETTINGS)
    assert decision.action is Action.CLARIFY
    assert decision.candidates == ("fasilitas_negara",)


def test_small_talk_is_answered() -> None:
    result = reading([("salam", 0.9)], neighbour="salam", text="halo")
    assert decide(result, SETTINGS) == decide(result, SETTINGS)
    assert decide(result, SETTINGS).action is Action.ANSWER


def test_an_answer_offers_a_close_second_topic() -> None:
    first = 0.6
    close = reading(
        [("media_sosial", first), ("kampanye", SEE_ALSO_SHARE * first + 0.01)],
        neighbour="media_sosial",
    )
    decision = decide(close, SETTINGS)
    assert (decision.action, decision.intent) == (Action.ANSWER, "media_sosial")
    assert decision.see_also == "kampanye"
    far = reading(
        [("media_sosial", first), ("kampanye", SEE_ALSO_SHARE * first - 0.01)],
        neighbour="media_sosial",
    )
    assert decide(far, SETTINGS).see_also is None


@pytest.mark.parametrize("second", ["di_luar_topik", "konsultasi_kasus", "salam"])
def test_the_offer_is_the_best_other_topic_never_another_kind_of_intent(second: str) -> None:
    result = reading([("sanksi", 0.5), (second, 0.3), ("pelaporan", 0.2)], neighbour="sanksi")
    decision = decide(result, SETTINGS)
    assert (decision.action, decision.see_also) == (Action.ANSWER, "pelaporan")
    alone = reading([("sanksi", 0.6), (second, 0.35)], neighbour="sanksi")
    assert decide(alone, SETTINGS).see_also is None


def test_small_talk_and_other_actions_offer_no_second_topic() -> None:
    small_talk = reading([("terima_kasih", 0.6), ("sanksi", 0.3)], neighbour="terima_kasih")
    assert decide(small_talk, SETTINGS).action is Action.ANSWER
    assert decide(small_talk, SETTINGS).see_also is None
    clarify = reading([("hak_pilih", 0.42), ("dasar_netralitas", 0.40)], neighbour="hak_pilih")
    assert decide(clarify, SETTINGS).see_also is None
    case = reading([("konsultasi_kasus", 0.5), ("sanksi", 0.4)], neighbour="konsultasi_kasus")
    assert decide(case, SETTINGS).see_also is None


@pytest.mark.parametrize(
    "ranking, neighbour, is_question",
    [
        ([("media_sosial", 0.9)], "media_sosial", True),  # a topic the policy answers
        ([("konsultasi_kasus", 0.8)], "konsultasi_kasus", True),  # a personal case
        ([("terima_kasih", 0.9)], "terima_kasih", False),  # thanks: a remark
        ([("salam", 0.9)], "salam", False),
        ([("lkbh_korpri", 0.9)], "lkbh_korpri", False),  # "lkbh korpri mantap": the service
        ([("minta_konsultan", 0.9)], "minta_konsultan", False),  # "konsultannya ramah"
        ([("di_luar_topik", 0.9)], "di_luar_topik", False),
        ([("hak_pilih", 0.42), ("dasar_netralitas", 0.40)], "hak_pilih", False),  # unsure
    ],
)
def test_a_new_question_is_a_topic_answered_or_a_personal_case(
    ranking: list[tuple[str, float]], neighbour: str, is_question: bool
) -> None:
    assert reads_as_question(decide(reading(ranking, neighbour=neighbour), SETTINGS)) is is_question


def test_an_unread_message_is_not_a_question() -> None:
    assert reads_as_question(None) is False


@pytest.mark.parametrize(
    "text",
    [
        "kades boleh pasang baliho caleg di rumahnya?",
        "pegawai bank bumn boleh jadi timses paslon gak?",
        "saya guru honorer, suami saya polisi, boleh ikut kampanye?",
        "Apakah anggota BPD boleh menjadi tim kampanye caleg?",
        "pegawai pdam boleh pasang baliho calon?",
        "karyawan bumdes wajib netral jg ga",
        "satpam outsourcing kantor bupati boleh ikut kampanye?",
        "saya mau tanya pensiunan pns boleh jadi jurkam?",
    ],
)
def test_a_behaviour_asked_about_someone_outside_asn_asks_whom_first(text: str) -> None:
    """The behaviour answers are written for ASN: ask, whom-the-rules-cover first."""
    sure = reading([("kampanye", 0.95), ("media_sosial", 0.02)], neighbour="kampanye", text=text)
    decision = decide(sure, SETTINGS)
    assert decision.action is Action.CLARIFY
    assert decision.candidates[:2] == ("cakupan_aturan", "kampanye")


@pytest.mark.parametrize(
    "text",
    [
        "pns boleh pasang baliho caleg di rumah?",
        "saya pns, suami saya tni boleh ikut kampanye?",
        "bupati angkat honorer jelang pilkada",
        "saya Kurniawati, pegawai PPPK yang juga anggota bpd, boleh ikut kampanye?",
        "sy pppk, teman outsourcing ngajak ikut kampanye, boleh?",
        "pns jadi tenaga ahli capres boleh?",
    ],
)
def test_asn_asking_or_no_status_as_subject_is_answered(text: str) -> None:
    sure = reading([("kampanye", 0.95), ("media_sosial", 0.02)], neighbour="kampanye", text=text)
    assert decide(sure, SETTINGS).action is Action.ANSWER


def test_a_topic_the_same_for_everyone_is_answered_whoever_asks() -> None:
    when = reading(
        [("jadwal_pemilu", 0.95)], neighbour="jadwal_pemilu", text="tni boleh tau jadwal pemilu?"
    )
    assert decide(when, SETTINGS).action is Action.ANSWER
