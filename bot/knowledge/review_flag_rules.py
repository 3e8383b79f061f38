"""Detectors for the misleading lines found by the legal review of 2026-12 (flags 12–25).

Like ``red_flag_rules``, each detector reads one sentence of plain text, whitespace collapsed,
and returns True when the sentence repeats a finding. They guard against the old wording coming
back: each was fed the sentence the review found and the corrected one
(``tests/test_knowledge_red_flags.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.knowledge.red_flag_rules import ALLOWED, HEDGED
from bot.knowledge.red_flag_rules import KASN as KASN_NAME

_I = re.IGNORECASE


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


RESIGN = _c(r"pengunduran\s+diri|mengundurkan\s+diri|\bmundur\b")
AT_DETERMINATION = _c(
    r"\b(?:sesuai|menurut|pada|saat|sejak|ketika|menjelang|mengikuti)\s+(?:jadwal\s+|tahap\s+)?"
    r"(?:penetapan|ditetapkan)"
)
REGIONAL_OR_PRESIDENT = _c(
    r"kepala\s+daerah|gubernur|bupati|wali\s*kota|presiden|pilkada|pasangan\s+calon|paslon"
)


def _flag_12(s: str) -> bool:
    """A legislative candidate resigns at registration, not at determination (facts 7.5, 7.17)."""
    return bool(
        RESIGN.search(s) and AT_DETERMINATION.search(s) and not REGIONAL_OR_PRESIDENT.search(s)
    )


CLTN = _c(r"\bCLTN\b|cuti\s+di\s+luar\s+tanggungan\s+negara")
TAKE = _c(r"\b(?:ambil|ambillah|mengambil|ajukan|mengajukan|cukup|gunakan|memakai)\b")
CLTN_CONDITION = _c(
    r"syarat|masa\s+kerja|(?:5|lima)\s+tahun|tidak\s+digaji|tanpa\s+gaji|tidak\s+dibayar"
    r"|dibebaskan\s+dari\s+jabatan|persetujuan|\bPPPK\b|bukan\s+cuti\s+biasa"
)


def _flag_13(s: str) -> bool:
    """CLTN offered like an ordinary leave, without its conditions (fact 7.16)."""
    return bool(CLTN.search(s) and TAKE.search(s) and not CLTN_CONDITION.search(s))


SPOUSE = _c(r"\b(?:suami|istri|pasangan(?!\s+calon))\w*")
CAMPAIGN = _c(r"\b(?:kampanye|deklarasi)\b")


def _flag_14(s: str) -> bool:
    """Attending a spouse's campaign called allowed without saying it needs CLTN (fact 7.7)."""
    return bool(
        SPOUSE.search(s) and CAMPAIGN.search(s) and ALLOWED.search(s) and not CLTN.search(s)
    )


ABSOLUTE_CAMPAIGN_BAN = _c(
    r"\b(?:ASN|PNS|PPPK|pegawai)\b[^.;]{0,30}?\b(?:dilarang|tidak\s+boleh|tak\s+boleh)\s+"
    r"(?:ikut|mengikuti|menghadiri|hadir\s+di|datang\s+ke)\s+(?:acara\s+)?kampanye\b"
)
QUALIFIED = _c(
    r"^\s*(?:secara\s+aktif|aktif|sebagai|dengan\s+atribut|memakai|sambil|untuk\s+mendukung"
    r"|dengan\s+mengerahkan|dengan\s+fasilitas)"
)
QUOTES_THE_RULE = _c(r"\bpasal\b|\bPP\s*94")


def _flag_15(s: str) -> bool:
    """ "ASN dilarang ikut kampanye" without the contested passive attendance (facts 2.2, 7.11)."""
    if HEDGED.search(s) or QUOTES_THE_RULE.search(s):
        return False
    return any(not QUALIFIED.match(s[m.end() :]) for m in ABSOLUTE_CAMPAIGN_BAN.finditer(s))


VEHICLE_OR_UNIFORM = _c(r"(?:kendaraan|mobil|motor)\s+dinas|seragam")


def _flag_16(s: str) -> bool:
    """Official vehicles and uniforms are "atribut PNS" (sedang), not state facilities (2.1)."""
    return bool(
        re.search(r"fasilitas\s+negara", s, _I)
        and VEHICLE_OR_UNIFORM.search(s)
        and not re.search(r"atribut", s, _I)
    )


SAME_FOR_PPPK = _c(r"\bsama\s+(?:untuk|bagi)\s+(?:PNS\s+(?:dan|maupun)\s+PPPK|PPPK)\b")
PPPK_ROUTE = _c(
    r"PP\s*49|perjanjian\s+kerja|kontrak|belum\s+ada\s+kepastian|tidak\s+diatur|UU\s*(?:7|10|20)/"
    r"|\bSKB\b"
)


def _flag_17(s: str) -> bool:
    """ "Berlaku sama untuk PNS dan PPPK" with no PPPK route named (fact 4.4)."""
    return bool(SAME_FOR_PPPK.search(s) and not PPPK_ROUTE.search(s))


FORWARDING = _c(r"\b(?:meneruskan|forward|mem-forward|memforward)\b[^.]{0,80}\btermasuk\b")
MARKED_AS_READING = _c(
    r"tafsir|menurut\s+kami|kemungkinan|dapat\s+(?:dinilai|dianggap)|bisa\s+(?:dinilai|dianggap)"
    r"|berisiko"
)


def _flag_18(s: str) -> bool:
    """An interpretation ("meneruskan … termasuk membagikan") presented as the rule's text."""
    return bool(FORWARDING.search(s) and not MARKED_AS_READING.search(s))


BEFORE_COURT = _c(r"\bPTUN\b|tata\s+usaha\s+negara")
EITHER = _c(r"\batau\b|salah\s+satu|tergantung|bergantung|sesuai\s+jenis")


def _flag_19(s: str) -> bool:
    """Keberatan and banding both required before PTUN; it is one or the other (fact 8.3)."""
    return bool(
        BEFORE_COURT.search(s)
        and re.search(r"keberatan", s, _I)
        and re.search(r"banding", s, _I)
        and not EITHER.search(s)
    )


KASN = _c(rf"{KASN_NAME}|komisi\s+ASN")
PAST = _c(
    r"dibubarkan|\bbubar\b|\bdulu\b|\bdahulu\b|\bsebelum\w*|\bsampai\b|\bhingga\b|\bpernah\b"
    r"|tidak\s+lagi|sudah\s+tidak|\bmantan\b|\beks\b"
)
YEAR_AFTER = _c(r"^[^.;]{0,25}\b(?:19|20)\d\d\b")
DENIED_BEFORE = _c(r"\bbukan\s+(?:\w+\s+)?$")


def _flag_20(s: str) -> bool:
    """KASN named as if it still existed: no date and no word that it was dissolved (8.1)."""
    if PAST.search(s):
        return False
    return any(
        not YEAR_AFTER.match(s[m.end() :]) and not DENIED_BEFORE.search(s[: m.start()])
        for m in KASN.finditer(s)
    )


INCUMBENT_ONLY = _c(r"\bpetahana\b")
TRANSFERS = _c(r"mengganti\s+pejabat|penggantian\s+pejabat|mutasi|pasal\s+71")
EVERY_HEAD = _c(
    r"setiap|semua|seluruh|maupun|baik\s+yang|tidak\s+mencalonkan|tidak\s+maju|sedang\s+menjabat"
)


def _flag_21(s: str) -> bool:
    """UU 10/2016 Pasal 71 ayat (2) read as binding only incumbents who run (fact 6.4)."""
    return bool(INCUMBENT_ONLY.search(s) and TRANSFERS.search(s) and not EVERY_HEAD.search(s))


ELECTION_BODY_CONTEXT = _c(r"\b(?:KPPS|PPS|Pantarlih|kecamatan|ad\s*hoc|penyelenggara)\b")


def _flag_22(s: str) -> bool:
    """ "PPK" used for Panitia Pemilihan Kecamatan: it means Pejabat Pembina Kepegawaian too."""
    return bool(
        re.search(r"\bPPK\b", s)
        and ELECTION_BODY_CONTEXT.search(s)
        and not re.search(r"pejabat\s+pembina\s+kepegawaian", s, _I)
    )


CPNS_LEFT_OUT = _c(
    r"\bCPNS\b[^.]{0,40}(?:tidak|belum)\s+(?:dibahas|diatur|tercakup|termasuk|terikat|berlaku)"
)


def _flag_23(s: str) -> bool:
    """CPNS said to be outside the rules; PP 94/2021 binds them (fact 12.1)."""
    return bool(CPNS_LEFT_OUT.search(s))


NEUTRALITY_SUPERVISION = _c(
    r"(?:pengawasan|mengawasi|pengawas)\s+netralitas[^.;]{0,40}\bKemenPANRB\b"
)


def _flag_24(s: str) -> bool:
    """Neutrality supervision given to KemenPANRB; it is BKN's (fact 8.1)."""
    return bool(NEUTRALITY_SUPERVISION.search(s) and not re.search(r"kebijakan", s, _I))


LEAVE_OUT_OF_SCOPE = _c(
    r"kepegawaian\s+lain[^.]{0,60}\bcuti\b(?!\s+(?:tahunan|sakit|besar|melahirkan|bersalin))"
)


def _flag_25(s: str) -> bool:
    """ "Cuti" listed as out of scope while two answers explain CLTN."""
    return bool(LEAVE_OUT_OF_SCOPE.search(s))


REVIEW_DETECTORS: tuple[tuple[int, str, Callable[[str], bool]], ...] = (
    (12, "caleg disuruh mundur saat penetapan calon (benar: saat pendaftaran)", _flag_12),
    (13, "CLTN disebut seperti cuti biasa, tanpa syaratnya", _flag_13),
    (14, "hadir di kampanye pasangan disebut boleh tanpa menyebut CLTN", _flag_14),
    (15, "larangan ikut kampanye ditulis mutlak (hadir pasif diperdebatkan)", _flag_15),
    (16, "kendaraan dinas/seragam disebut fasilitas negara (benar: atribut PNS)", _flag_16),
    (17, "berlaku sama untuk PNS dan PPPK tanpa jalur PPPK", _flag_17),
    (18, "penafsiran disajikan sebagai bunyi aturan", _flag_18),
    (19, "keberatan dan banding disebut keduanya wajib sebelum PTUN", _flag_19),
    (20, "KASN disebut seolah masih ada", _flag_20),
    (21, "Pasal 71 ayat (2) UU Pilkada disebut hanya untuk petahana", _flag_21),
    (22, "PPK dipakai untuk Panitia Pemilihan Kecamatan", _flag_22),
    (23, "CPNS disebut tidak terikat aturan netralitas", _flag_23),
    (24, "pengawasan netralitas disebut di KemenPANRB (benar: BKN)", _flag_24),
    (25, "cuti disebut di luar topik padahal CLTN dijelaskan", _flag_25),
)
