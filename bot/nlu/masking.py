"""Mask the personal data in a question before a reviewer sees it or it becomes training data.

Pure functions. What is masked: e-mail addresses, phone numbers, NIP (18 digits), NIK (16
digits) and other long numbers, Indonesian vehicle plates, and names — the user's own Telegram
names when known, a name after "nama saya" or in a "saya …" introduction, capitalised words
after a title (Pak, Bu, Mas, Mbak, Saudara …, also "Pak Camat Hendra") and under a letter's
closing ("Hormat kami, Ketut Arsana") — and a name found once, wherever else it stands. Words of
the election vocabulary (Capres, Bawaslu, PNS …) and roles (Camat, Bupati …) are never taken for
names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME = "[NAMA]"
NIP = "[NIP]"
NIK = "[NIK]"
NUMBER = "[NOMOR]"
PHONE = "[TELEPON]"
EMAIL = "[EMAIL]"
PLATE = "[PLAT]"

_NOT_NAME_WORDS = """
    capres cawapres caleg cagub cawagub cabup cawabup cawalkot calon paslon kandidat
    pemilu pilkada pilpres pileg pilgub pilbup pilwalkot pilkades
    bawaslu panwaslu panwascam kpu kpud kasn bkn kemenpan menpan korpri lkbh dkpp
    pns asn pppk cpns honorer tni polri bumn bumd dpr dprd dpd mpr
    partai parpol kampanye timses tps kpps ppk pps pantarlih relawan golput
    presiden wakil gubernur bupati walikota wali kota camat lurah kades kepala desa sekda
    sekdes menteri direktur kadis kabid kasi kasubag atasan guru dosen bidan perawat dokter
    pegawai staf karyawan pejabat ketua anggota sekretaris bendahara
    dinas badan kantor sekolah kecamatan kabupaten provinsi kota desa kelurahan puskesmas
    rumah sakit universitas kementerian inspektorat bappeda bkd bkpsdm sdn smp sma smk
    uu pp perpres permen permenpan se skb pasal ayat
    instagram facebook fb whatsapp wa tiktok twitter youtube telegram ig
    indonesia jakarta jawa sumatera kalimantan sulawesi papua bali
    saya aku kami kita anda bapak ibu pak bu mas mbak mba sdr sdri saudara saudari bang kak
    mau ingin sedang sudah akan bisa boleh tidak tak bukan belum masih juga hanya cuma
    adalah ialah seorang sebagai bekerja kerja tinggal berasal dari di ke pada dan atau
    yang yg ini itu ada punya mohon tanya bertanya izin ijin minta numpang selamat
    apa apakah bagaimana gimana kenapa mengapa kapan dimana siapa berapa kalau kalo jika
    terima kasih halo hai assalamualaikum pagi siang sore malam
"""
NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
"""Capitalised words that are not names: election vocabulary, roles, places, function words."""

_TITLES = r"(?:Pak|Bu|Bapak|Ibu|Sdr|Sdri|Saudara|Saudari|Mas|Mbak|Mba|Bang|Kak)\.?"
_CAPITALISED = r"[A-Z][A-Za-z'’-]*"
_ROLES = (
    r"(?:Camat|Lurah|Kades|Bupati|Wali|Walikota|Gubernur|Sekda|Sekdes|Kadis|Kabid|Kasi"
    r"|Kasubag|Guru|Dokter|Bidan|Ustadz)"
)
"""Roles between a title and a name: "Pak Camat Hendra"."""
_TITLED_NAME = re.compile(
    rf"\b(?i:{_TITLES})\s+(?:{_ROLES}\s+)?((?:{_CAPITALISED})(?:\s+{_CAPITALISED}){{0,3}})"
)
_ACADEMIC = r"(?:(?:Drs|Dra|Dr|Ir|Prof|H|Hj)\.?\s+)*"
"""Academic and pilgrim prefixes before a signed name ("Drs. H. Made …")."""
_SIGNED_NAME = re.compile(
    r"\b(?i:hormat\s+(?:saya|kami)\s*,?|salam(?:\s+hormat)?\s*,|wassalam\w*(?:\s+wr\.?\s*wb\.?)?"
    rf"\s*,|ttd\.?)\s+{_ACADEMIC}((?:{_CAPITALISED})(?:\s+{_CAPITALISED}){{0,3}})"
)
_NAME_AFTER_NAMA = re.compile(
    r"\b(?i:nama\s+(?:saya|sy|aku|lengkap\s+saya)(?:\s+(?:adalah|ialah))?|saya\s+bernama)"
    r"\s*:?\s+((?:[^\W\d_][\w'’-]*)(?:\s+[^\W\d_][\w'’-]*){0,3})"
)
_SELF_INTRODUCTION = re.compile(
    rf"\b(?i:saya|sy|aku)\s+((?:{_CAPITALISED})(?:\s+{_CAPITALISED}){{0,3}})"
)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\d(?:\d|[ .\-](?=\d))*")
_DATE = re.compile(r"\d{1,2}[.\-/]\d{1,2}[.\-/]\d{2,4}")
_MONEY_BEFORE = re.compile(r"(?i:rp\.?|idr)\s*$")
_PHONE_PREFIX = re.compile(r"(?:\+?62|0)8")

_PLATE_AREA_CODES = """
    A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP
    DA DB DC DD DE DG DH DK DL DM DN DR DS DT DW EA EB ED KB KH KT KU PA PB PD PG PS PT
"""
_PLATE_AREAS = frozenset(_PLATE_AREA_CODES.split())
_PLATE = re.compile(r"\b([A-Za-z]{1,2})\s?(\d{1,4})\s?([A-Za-z]{1,3})\b")
_PLATE_SUFFIX_WORDS = frozenset({"yg", "dan", "ini", "itu", "ada", "apa", "di", "ke", "kk", "ya"})


def mask_personal_data(text: str, *, known_names: Iterable[str | None] = ()) -> str:
    """``text`` with its personal data replaced by placeholders such as [NAMA] and [NIP].

    ``known_names``: the user's own names (their Telegram first name and username).
    """
    text = _EMAIL.sub(EMAIL, text)
    text = _DIGIT_RUN.sub(_mask_number, text)
    text = _PLATE.sub(_mask_plate, text)
    found = _names_found(text)
    text = _NAME_AFTER_NAMA.sub(_mask_introduced_name, text)
    for pattern in (_TITLED_NAME, _SELF_INTRODUCTION):
        text = pattern.sub(_mask_capitalised_name, text)
    # Last: a whole name masked above stays one [NAMA]; every name found (a signature's
    # included) is masked wherever it stands.
    return _mask_known_names(text, [*known_names, *found])


def _names_found(text: str) -> list[str]:
    """The names the patterns find, whole and by their words, to mask where else they stand."""
    found: list[str] = []
    for pattern in (_NAME_AFTER_NAMA, _TITLED_NAME, _SELF_INTRODUCTION, _SIGNED_NAME):
        for match in pattern.finditer(text):
            words = list(_name_words(match.group(1).split(), any_case=pattern is _NAME_AFTER_NAMA))
            found.append(" ".join(words))
            found.extend(words)
    return [name for name in found if name]


def _mask_number(match: re.Match[str]) -> str:
    """A phone number, NIP, NIK or other number of 8+ digits; dates and amounts stay."""
    run = match.group(0)
    digits = re.sub(r"\D", "", run)
    if _PHONE_PREFIX.match(run.replace(" ", "").replace("-", "")) and 9 <= len(digits) <= 14:
        return PHONE
    if len(digits) == 18:
        return NIP
    if len(digits) == 16:
        return NIK
    if " " in run:  # groups a space apart that are no identifier: each on its own
        return " ".join(_long_number(part) for part in run.split(" "))
    return _long_number(run, before=match.string[: match.start()])


def _long_number(run: str, *, before: str = "") -> str:
    if len(re.sub(r"\D", "", run)) < 8 or _DATE.fullmatch(run) or _MONEY_BEFORE.search(before):
        return run
    return NUMBER


def _mask_plate(match: re.Match[str]) -> str:
    area, digits, suffix = match.groups()
    if area.upper() not in _PLATE_AREAS:
        return match.group(0)
    written_as_plate = area.isupper() and suffix.isupper()
    if not written_as_plate and (len(digits) < 3 or suffix.casefold() in _PLATE_SUFFIX_WORDS):
        return match.group(0)
    return PLATE


def _mask_known_names(text: str, names: Iterable[str | None]) -> str:
    unique = {name.strip().lstrip("@") for name in names if name and name.strip()}
    for name in sorted(unique, key=len, reverse=True):  # "budi_s" before "budi"
        if len(name) < 3 or name.casefold() in NOT_NAMES:
            continue
        text = re.sub(rf"(?<![\w@])@?{re.escape(name)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    return text


def _name_words(words: list[str], *, any_case: bool) -> list[str]:
    """The leading words that are a name: up to the first that is vocabulary, or (capitalised
    names only) a short acronym in first place, an agency rather than a name."""
    kept: list[str] = []
    for word in words:
        bare = word.strip(",.;:!?")
        if bare.casefold().strip("'’-") in NOT_NAMES:
            break
        if not any_case and bare.isupper() and len(bare) <= 4 and not kept:
            break
        kept.append(bare)
        if bare != word:  # punctuation ends the name
            break
    return kept


def _mask_introduced_name(match: re.Match[str]) -> str:
    """The words after "nama saya", up to the first that is not a name (any case)."""
    words = match.group(1).split()
    return _replace_words(match, words, len(_name_words(words, any_case=True)))


def _mask_capitalised_name(match: re.Match[str]) -> str:
    """The capitalised words after a title, "saya" or a closing, up to the first non-name."""
    words = match.group(1).split()
    return _replace_words(match, words, len(_name_words(words, any_case=False)))


def _replace_words(match: re.Match[str], words: list[str], kept: int) -> str:
    if kept == 0:
        return match.group(0)
    whole = match.group(0)
    start = match.start(1) - match.start(0)
    # The name is the first ``kept`` words of group 1; what follows them is left as it was.
    end = start
    for word in words[:kept]:
        end = whole.index(word, end) + len(word)
    return whole[:start] + NAME + whole[end:]
