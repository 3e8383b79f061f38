"""What the simulated users ask: common questions, each made unique with a number."""

from __future__ import annotations

from collections.abc import Iterator

COMMON_QUESTIONS = (
    "boleh gak pns like postingan paslon di ig",
    "asn boleh ikut kampanye gak sih",
    "apa sanksinya kalau pns ketahuan kampanye",
    "pppk boleh foto bareng caleg nggak",
    "gimana kalo asn share berita capres di wa grup",
    "pns boleh jadi anggota partai politik?",
    "apa dasar hukum netralitas asn",
    "boleh pake kaos partai pas libur?",
    "kadis nyuruh datang ke acara paslon, gmn",
    "asn boleh nyalon jadi kepala daerah?",
    "pakai mobil dinas buat antar caleg boleh?",
    "sy pns, istri sy caleg, boleh bantu kampanye?",
    "apakah pns boleh memilih di tps",
    "pns boleh jadi anggota kpps gak",
    "cara lapor asn yang tidak netral ke bawaslu",
    "Mohon penjelasan apakah PNS boleh hadir di deklarasi calon",
    "honorer juga kena aturan netralitas?",
    "boleh pasang stiker paslon di rumah?",
    "bupati petahana bikin kebijakan bansos jelang pilkada, itu gimana",
    "pns boleh komen dukung capres di fb?",
)
"""Twenty questions users ask; every bench question is one of them with a number added."""

_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def number_words(number: int) -> str:
    """Indonesian words for 0 <= number < 1,000,000 ("seratus dua puluh tiga")."""
    if number < 10:
        return _UNITS[number] or "nol"
    if number < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(number) or f"{_UNITS[number - 10]} belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return f"{_UNITS[tens]} puluh {_UNITS[rest]}".strip()
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = "seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus"
        return f"{head} {number_words(rest) if rest else ''}".strip()
    thousands, rest = divmod(number, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return f"{head} {number_words(rest) if rest else ''}".strip()


def unique_questions(start: int = 1) -> Iterator[str]:
    """Never the same text twice, so no parse cache ever hits: a question plus a number word."""
    number = start
    while True:
        base = COMMON_QUESTIONS[number % len(COMMON_QUESTIONS)]
        yield f"{base} nomor {number_words(number % 1_000_000)}"
        number += 1
