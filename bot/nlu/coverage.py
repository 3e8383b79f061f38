"""Whether a question asks about someone the ASN answers may not be written for.

The classifier reads the behaviour a question names ("kades boleh pasang baliho caleg?") and
answers that topic with confidence, but the behaviour answers are written for PNS and PPPK. When
the subject of the question is a status outside ASN (or whose coverage is itself the point) and
the writer does not say they are ASN, the policy asks instead of answering, whom-the-rules-cover
first. On the training data (2026-12-06, 10,279 examples): 13 of 5,384 behaviour examples match.
"""

from __future__ import annotations

import re

_STATUS = (
    r"(?:perangkat desa|aparat desa|kepala desa|kades|bpd|linmas|tni|polri|polisi|tentara"
    r"|purnawirawan|pensiunan|bumn|bumd|pegawai bank|karyawan bank|karyawan swasta"
    r"|pegawai swasta|guru swasta|sekolah swasta|guru yayasan|honorer|tenaga kontrak|thl"
    r"|ppnpn|non[- ]?asn|bukan (?:asn|pns)|pdam|perumda|bumdes|bank daerah|outsourcing|outsource"
    r"|satpam|cleaning service|tenaga ahli (?:dprd|fraksi)|pendamping (?:desa|pkh)|kader posyandu"
    r"|dosen swasta|kampus swasta|rs swasta|madrasah swasta)"
)
_STATUS_AS_SUBJECT = re.compile(
    rf"\b{_STATUS}\b,?(?:\s+\S+){{0,4}}?\s+"
    r"(?:boleh|bole|blh|bisa|dilarang|kena|termasuk|wajib|harus|ikut|jadi|jd)\b"
)
"""The status, then within five words what a rule question asks: "kades boleh …"."""

_WRITER_IS_ASN = re.compile(
    r"\b(?:saya|sy|aku|gue|gw|kami)(?:\s+\S+,)?\s+(?:\S+\s+)?(?:pns|asn|pppk|cpns)\b"
)
"""The writer says they are ASN: "sy pns", "saya guru pppk", "saya Kurniawati, pegawai PPPK"."""


def asks_about_status_outside_asn(text: str) -> bool:
    """A rule question whose subject is a status outside ASN, from a writer not saying they are."""
    lowered = text.casefold()
    return bool(_STATUS_AS_SUBJECT.search(lowered)) and not _WRITER_IS_ASN.search(lowered)
