"""The detectors behind ``find_red_flags``: one function per error of fact sheet section 10.

Each detector reads one sentence of plain text, whitespace collapsed, and returns True when the
sentence repeats the error. Patterns tolerate case, spacing and wording; exemptions let the
knowledge base's own correct statements through.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_I = re.IGNORECASE


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


def _reg(kind: str, number: str, year: str) -> str:
    """Pattern for "PP 53/2010", "PP No. 53 Tahun 2010", "Peraturan Pemerintah Nomor 53 ..."."""
    return (
        rf"\b{kind}\s*(?:(?:no|nomor|nr)\.?\s*)?{number}\s*(?:/|,|\b(?:tahun|thn|th)\b\.?)?"
        rf"\s*{year}\b"
    )


_PP = r"(?:PP|peraturan\s+pemerintah)"
_UU = r"(?:UU|undang-undang)"
PP_53_2010 = _c(_reg(_PP, "53", "2010"))
PP_42_2004 = _c(_reg(_PP, "42", "2004"))
PP_49_2028 = _c(_reg(_PP, "49", "2028"))
ASN_LAW = _c(rf"{_reg(_UU, '5', '2014')}|{_reg(_UU, '20', '2023')}|\bUU\s+ASN\b|\bASN\b|\bPNS\b")

REVOKED = _c(
    r"dicabut|mencabut|pencabutan|tidak\s+(?:lagi\s+)?berlaku|tak\s+berlaku|sudah\s+tidak"
    r"|digantikan|diganti|menggantikan|mengganti|pengganti|usang|(?:aturan|peraturan|PP)\s+lama"
)
NOT_REVOKED = _c(r"(?:belum|tidak|tak|bukan)\s+$")
STILL_CURRENT = _c(
    r"(?:masih|tetap)\s+(?:\w+\s+)?(?:berlaku|digunakan|dipakai|menjadi|relevan)"
    r"|berlaku\s+(?:saat\s+ini|sekarang|hingga\s+(?:kini|sekarang))"
)
OLD_PP53_SANCTION = _c(
    r"penurunan\s+pangkat\s+(?:setingkat\s+lebih\s+rendah\s+)?selama\s+(?:3|tiga)\b"
    r"|pemindahan\s+dalam\s+rangka\s+penurunan\s+jabatan"
)
CORRECTION = _c(r"\b(?:bukan|keliru|salah|seharusnya|sebenarnya)\b[^.]{0,40}$")
NEGATION_BEFORE = _c(r"\b(?:bukan|tidak|tak|belum)\b(?:\s+\w+)?\s*$")


def _before(sentence: str, start: int, width: int = 40) -> str:
    return sentence[max(0, start - width) : start]


def _claims_current(after: str, before: str) -> bool:
    """True if "masih berlaku" sits next to the mention with no revocation word in between."""
    following = STILL_CURRENT.search(after)
    if following and not REVOKED.search(after[: following.start()]):
        return True
    preceding = [m for m in STILL_CURRENT.finditer(before)]
    return bool(preceding) and not REVOKED.search(before[preceding[-1].end() :])


def _flag_1(s: str) -> bool:
    if OLD_PP53_SANCTION.search(s):
        return True
    for match in PP_53_2010.finditer(s):
        if _claims_current(s[match.end() : match.end() + 40], _before(s, match.start())):
            return True
        revoked = [m for m in REVOKED.finditer(s) if not NOT_REVOKED.search(s[: m.start()])]
        if not revoked:
            return True
    return False


SKB_2023_DATE = _c(
    r"\b22\s*(?:-|/|\.)?\s*(?:bulan\s+)?(?:september|sept?\.?|0?9)\s*(?:-|/|\.|,)?\s*"
    r"(?:tahun\s+)?2023\b"
)


def _flag_2(s: str) -> bool:
    for match in SKB_2023_DATE.finditer(s):
        after = s[match.end() : match.end() + 25]
        if CORRECTION.search(_before(s, match.start())) or re.search(r"keliru|salah", after):
            continue
        return True
    return False


PASAL_29_2 = _c(r"pasal\s*29\s*ayat\s*\(?\s*2\s*\)?")
PASAL_19 = _c(r"pasal\s*19\b")


def _article_with_law(article: re.Pattern[str], law: re.Pattern[str], s: str) -> bool:
    if not law.search(s):
        return False
    return any(not CORRECTION.search(_before(s, m.start())) for m in article.finditer(s))


MORAL = _c(r"sanksi\s+(?:moral|etik|kode\s+etik)")
REPRIMAND = _c(r"\bteguran\b|\bperingatan\b|\bditegur\b|\bSP\s*[1-3]\b")
CLAUSE_BREAK = _c(
    r";|\b(?:sedangkan|sementara|adapun|namun|tetapi|tapi|melainkan|hukuman\s+disiplin"
    r"|disiplin\s+ringan|tindakan\s+administratif)\b"
)
REPRIMAND_NEGATED = _c(r"\b(?:bukan|tidak\s+berupa|tidak\s+sama|berbeda|selain)\b[^,;]{0,25}$")


def _flag_5(s: str) -> bool:
    for clause in CLAUSE_BREAK.split(s):
        if not clause or not MORAL.search(clause):
            continue
        for match in REPRIMAND.finditer(clause):
            if not REPRIMAND_NEGATED.search(clause[: match.start()]):
                return True
    return False


PASAL_283 = _c(r"pasal\s*283\b")
N_494 = _c(r"\b494\b")
N_521 = _c(r"\b521\b")
RP_24_JUTA = _c(r"rp\.?\s*24\s*(?:juta|jt|\.000\.000)")
ASN_WORD = _c(r"\b(?:ASN|PNS|PPPK|aparatur|pegawai\s+negeri)\b|280\s*ayat\s*\(?\s*[23]")
EXEMPT_6 = _c(
    r"\bbukan\b|\bhanya\s+(?:untuk|bagi|berlaku|mengancam)|tidak\s+ada\s+(?:pasal\s+)?pidana"
)


def _flag_6(s: str) -> bool:
    return bool(PASAL_283.search(s) and N_494.search(s) and not EXEMPT_6.search(s))


def _flag_7(s: str) -> bool:
    if re.search(r"\bbukan\b", s, _I) or not ASN_WORD.search(s):
        return False
    return bool(N_521.search(s) or (RP_24_JUTA.search(s) and re.search(r"pidana|denda", s, _I)))


KASN = r"(?:\bKASN\b|komisi\s+aparatur\s+sipil\s+negara)"
IMPOSES = (
    r"(?:menjatuh(?:kan|i)|memberi(?:kan)?\s+(?:sanksi|hukuman)|mengenakan\s+sanksi|menghukum"
    r"|memecat|memberhentikan|mencopot|menindak)"
)
KASN_IMPOSES = _c(rf"{KASN}(?P<gap>[^.;]{{0,60}}?){IMPOSES}")
IMPOSED_BY_KASN = _c(
    r"(?:dijatuh(?:kan|i)|diberi(?:kan)?\s+(?:sanksi|hukuman)|dikenai\s+sanksi|dihukum|dipecat"
    rf"|diberhentikan|ditindak)\s+(?:[\w/]+\s+){{0,3}}oleh\s+{KASN}"
)
SANCTIONER_IS_KASN = _c(rf"sanksi\w*\s+(?:[\w/]+\s+){{0,4}}(?:adalah|ialah|yaitu|yakni)\s+{KASN}")
GAP_EXEMPT = _c(r"\b(?:tidak|tak|bukan|belum|hanya|rekomendasi|merekomendasikan|PPK|meminta)\b")
REPORT_TO_KASN = _c(
    rf"(?:lapor\w*|adu\w*|mengadu\w*|laporan)\s+(?:[\w/-]+\s+){{0,6}}(?:ke|kepada)\s+{KASN}"
)
HISTORICAL = _c(
    r"\b(?:dulu|dahulu|sebelum\w*|hingga|sampai|pernah|dibubarkan|bubar|tidak\s+lagi|sudah\s+tidak"
    r"|20[12][0-9])\b"
)


def _flag_8(s: str) -> bool:
    for match in KASN_IMPOSES.finditer(s):
        if not GAP_EXEMPT.search(match.group("gap")):
            return True
    for pattern in (IMPOSED_BY_KASN, SANCTIONER_IS_KASN):
        for match in pattern.finditer(s):
            if not re.search(r"\bbukan\b", match.group(), _I):
                return True
    return bool(REPORT_TO_KASN.search(s) and not HISTORICAL.search(s))


ASN_SUBJECT = _c(
    r"\b(?:ASN|PNS|PPPK|CPNS|pegawai\s+(?:negeri|pemerintah)|aparatur(?:\s+sipil\s+negara)?"
    r"|abdi\s+negara)\b"
)
OTHER_SUBJECT = _c(r"\b(?:TNI|Polri|polisi|tentara|prajurit)\b")
_VOTE = r"(?:memilih|mencoblos|nyoblos|menggunakan\s+hak\s+(?:pilih|suara)|hak\s+(?:pilih|suara))"
NO_VOTE = _c(
    r"(?:\b(?:tidak|tak|nggak|gak|ga|enggak)\s+(?:boleh|diperbolehkan|dibolehkan|diizinkan|berhak"
    rf"|punya|memiliki|mempunyai|dapat|bisa)|\bdilarang)\s+(?:ikut\s+|untuk\s+)?{_VOTE}"
    r"|\b(?:kehilangan|dicabut)\s+hak\s+(?:pilih|suara)|\bhak\s+(?:pilih|suara)\w*\s+dicabut"
    r"|\b(?:wajib|harus|diwajibkan)\s+(?:golput|tidak\s+memilih)"
    r"|\bnetral\w*\s+(?:berarti|artinya|adalah|yaitu)\s+(?:tidak\s+(?:ikut\s+)?memilih|golput)"
)


def _flag_10(s: str) -> bool:
    for match in NO_VOTE.finditer(s):
        before = s[: match.start()]
        subjects = list(ASN_SUBJECT.finditer(before)) + list(OTHER_SUBJECT.finditer(before))
        if match.group().lower().startswith("netral"):
            return True
        if subjects and max(subjects, key=lambda m: m.start()).re is ASN_SUBJECT:
            return True
    return False


ATTEND = _c(
    r"\b(?:hadir|menghadiri|datang|mendatangi|ikut|mengikuti|menonton|nonton|menyaksikan"
    r"|mendengarkan)\b[^.]{0,40}\b(?:kampanye|rapat\s+umum|orasi|deklarasi)"
)
PASSIVE = _c(r"\bpasif\b|\bsekadar\b|\bsekedar\b|\bhanya\b|\bcuma\b|\bpendengar\b|tanpa\s+atribut")
ALLOWED = _c(
    r"(?<!tidak )(?<!tak )(?<!nggak )(?<!gak )\b(?:boleh|diperbolehkan|dibolehkan|diizinkan|aman"
    r"|sah)\b|tidak\s+(?:melanggar|dilarang|apa-apa|masalah)|bukan\s+pelanggaran|tidak\s+ada\s+sanksi"
)
BANNED = _c(
    r"(?<!tidak )(?<!bukan )\b(?:dilarang|terlarang|melanggar|pelanggaran|dikenai\s+sanksi"
    r"|dijatuhi)\b|tidak\s+(?:boleh|diperbolehkan|dibolehkan|diizinkan)"
)
HEDGED = _c(
    r"diperdebatkan|belum\s+(?:ada\s+)?ketentuan\s+(?:yang\s+)?tegas|tidak\s+ada\s+ketentuan"
    r"\s+tegas|belum\s+tegas|tidak\s+tegas|beda\s+pendapat|berbeda\s+pendapat|pendapat\s+berbeda"
    r"|perbedaan\s+(?:pendapat|tafsir)|abu-abu|multitafsir|ditafsirkan|kontroversi|belum\s+jelas"
    r"|tidak\s+jelas|bertentangan|berisiko|risiko|belum\s+pasti|tidak\s+pasti|belum\s+ada\s+kepastian"
)
SPOUSE = _c(r"\b(?:suami|istri|pasangan|CLTN)\b")


def _flag_11(s: str) -> bool:
    if not ATTEND.search(s) or HEDGED.search(s) or SPOUSE.search(s):
        return False
    if ALLOWED.search(s) and not BANNED.search(s):
        return True
    return bool(PASSIVE.search(s) and BANNED.search(s) and not ALLOWED.search(s))


DETECTORS: tuple[tuple[int, str, Callable[[str], bool]], ...] = (
    (1, "PP 53/2010 disajikan sebagai aturan berlaku", _flag_1),
    (2, "tanggal SKB 22 September 2023 (benar: 22 September 2022)", _flag_2),
    (
        3,
        "UU ASN Pasal 29 ayat (2) (benar: Pasal 9 ayat (2))",
        lambda s: _article_with_law(PASAL_29_2, ASN_LAW, s),
    ),
    (
        4,
        "PP 42/2004 Pasal 19 (benar: Pasal 15/16)",
        lambda s: _article_with_law(PASAL_19, _c(rf"{PP_42_2004.pattern}|kode\s+etik"), s),
    ),
    (5, "sanksi moral disebut teguran/peringatan", _flag_5),
    (6, "pelanggaran Pasal 283 dipidana dengan Pasal 494", _flag_6),
    (7, "Pasal 521 untuk pelibatan ASN", _flag_7),
    (8, "KASN disebut menjatuhkan sanksi atau masih menerima laporan", _flag_8),
    (9, "PP 49 Tahun 2028 (benar: PP 49/2018)", lambda s: bool(PP_49_2028.search(s))),
    (10, "ASN disebut tidak boleh memilih", _flag_10),
    (11, "hadir pasif di kampanye disebut jelas boleh atau jelas dilarang", _flag_11),
)
