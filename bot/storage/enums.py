"""Closed sets of values stored in the database (stored as their lowercase values)."""

from __future__ import annotations

from enum import StrEnum


class KnowledgeDecision(StrEnum):
    """What a lawyer decided about one version of a knowledge entry (``knowledge_reviews``)."""

    APPROVED = "approved"
    NEEDS_CHANGE = "needs_change"


class MessageDirection(StrEnum):
    IN = "in"
    OUT = "out"


class TicketStatus(StrEnum):
    BARU = "baru"
    DIAMBIL = "diambil"
    SELESAI = "selesai"


class EscalationReason(StrEnum):
    KONSULTASI_KASUS = "konsultasi_kasus"
    MINTA_KONSULTAN = "minta_konsultan"
    TOMBOL_KONSULTAN = "tombol_konsultan"
    CLARIFY_DITOLAK = "clarify_ditolak"
    NLU_TIDAK_TERSEDIA = "nlu_tidak_tersedia"


class Employment(StrEnum):
    """What the ASN said they are, at the intake before a ticket (optional)."""

    PNS = "pns"
    PPPK = "pppk"


class IntakeStep(StrEnum):
    """The intake question a new ticket's ASN is being asked (``Ticket.intake_step``)."""

    KEPEGAWAIAN = "kepegawaian"
    INSTANSI = "instansi"
    TENGGAT = "tenggat"


class ClosedBy(StrEnum):
    KONSULTAN = "konsultan"
    PENGGUNA = "pengguna"
    OTOMATIS = "otomatis"


class AuditAction(StrEnum):
    """Audit actions used by the storage layer and the handlers (the column takes any text)."""

    AMBIL = "ambil"
    LEPAS = "lepas"
    JAWAB = "jawab"
    TUTUP = "tutup"
    HAPUS_DATA = "hapus_data"
    # Transfer, override and auto-release (issue 22, item 2)
    ALIHKAN = "alihkan"
    BATAL_ALIHAN = "batal_alihan"
    TERIMA_ALIHAN = "terima_alihan"
    TOLAK_ALIHAN = "tolak_alihan"
    AMBIL_ALIH = "ambil_alih"
    LEPAS_KOORDINATOR = "lepas_koordinator"
    LEPAS_OTOMATIS = "lepas_otomatis"
    TAMPILKAN_NAMA = "tampilkan_nama"
    # A lawyer's sign-off of the answers, reloading the knowledge base (issue 24, item 5)
    JAWABAN_DISETUJUI = "jawaban_disetujui"
    JAWABAN_PERLU_PERUBAHAN = "jawaban_perlu_perubahan"
    KB_DIMUAT_ULANG = "kb_dimuat_ulang"
