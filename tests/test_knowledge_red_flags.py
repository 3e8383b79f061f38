"""The red-flag scan catches every known error of fact sheet section 10 and nothing correct."""

from __future__ import annotations

import pytest

from bot.knowledge import find_red_flags

WRONG: list[tuple[int, str]] = [
    # 1. PP 53/2010 presented as current
    (1, "Sanksi bagi PNS yang tidak netral diatur dalam PP 53/2010 tentang Disiplin PNS."),
    (1, "Berdasarkan Peraturan Pemerintah Nomor 53 Tahun 2010, PNS yang ikut kampanye dihukum."),
    (1, "PP No. 53 Tahun 2010 masih berlaku dan menjadi dasar hukuman disiplin."),
    (1, "Larangan ini tercantum dalam pp53/2010 pasal 4 angka 12 sampai 15."),
    (1, "PP 53 tahun 2010 belum dicabut, jadi sanksinya tetap berlaku."),
    (1, "Hukumannya penurunan pangkat setingkat lebih rendah selama 3 tahun."),
    # 2. SKB dated 22 September 2023
    (2, "SKB netralitas ASN ditetapkan pada 22 September 2023."),
    (2, "Keputusan Bersama lima lembaga itu ditandatangani tanggal 22-09-2023."),
    (2, "SKB itu diteken 22 Sept 2023 oleh MenPANRB, Mendagri, BKN, KASN dan Bawaslu."),
    # 3. UU 5/2014 Pasal 29 ayat (2)
    (3, "Hal ini diatur dalam UU 5/2014 Pasal 29 ayat (2)."),
    (3, "Sesuai UU Nomor 5 Tahun 2014 pasal 29 ayat 2, ASN harus bebas dari pengaruh partai."),
    (3, "Pasal 29 ayat (2) UU ASN menyatakan pegawai ASN harus netral."),
    # 4. PP 42/2004 Pasal 19
    (4, "Sanksi moral diatur PP 42/2004 Pasal 19."),
    (4, "Menurut Pasal 19 PP Nomor 42 Tahun 2004, pelanggar kode etik dikenai sanksi moral."),
    # 5. sanksi moral = teguran / peringatan
    (5, "Sanksi moral berupa teguran tertulis hingga peringatan keras."),
    (5, "Pelanggar kode etik dijatuhi sanksi moral, yaitu teguran lisan atau tertulis."),
    (5, "Sanksi etik bagi ASN yang like postingan caleg: SP1 sampai SP3."),
    # 6. Pasal 283 punished under Pasal 494
    (6, "ASN yang melanggar Pasal 283 UU Pemilu dipidana berdasarkan Pasal 494."),
    (6, "Kegiatan keberpihakan ASN (Pasal 283) diancam pidana Pasal 494: kurungan 1 tahun."),
    # 7. Pasal 521 for involving ASN
    (7, "ASN yang dilibatkan dalam kampanye dapat dipidana berdasarkan Pasal 521 UU Pemilu."),
    (7, "PNS yang ikut kampanye diancam penjara 2 tahun dan denda Rp24 juta."),
    (7, "Pelanggaran Pasal 280 ayat (2) diancam Pasal 521."),
    # 8. KASN imposes sanctions / still takes reports
    (8, "KASN menjatuhkan sanksi kepada ASN yang tidak netral."),
    (8, "Sanksi bagi ASN yang melanggar netralitas dijatuhkan oleh KASN."),
    (8, "Yang berwenang memberi sanksi adalah KASN."),
    (8, "Komisi Aparatur Sipil Negara berwenang menjatuhkan hukuman disiplin."),
    (8, "Silakan laporkan ASN yang tidak netral ke KASN."),
    # 9. PP 49 Tahun 2028
    (9, "PPPK diatur PP 49 Tahun 2028 tentang Manajemen PPPK."),
    (9, "Menurut PP No. 49/2028, kontrak PPPK diputus."),
    # 10. ASN may not vote
    (10, "ASN tidak boleh memilih dalam pemilu agar netral."),
    (10, "PNS tidak punya hak pilih seperti TNI dan Polri."),
    (10, "Sebagai ASN, kamu dilarang mencoblos."),
    (10, "Pegawai negeri sipil kehilangan hak pilihnya begitu diangkat."),
    (10, "Supaya netral, PPPK harus golput."),
    (10, "Bagi pegawai, netral artinya tidak memilih."),
    # 11. passive attendance stated as clearly allowed ...
    (11, "ASN boleh menghadiri kampanye asalkan pasif dan tidak memakai atribut."),
    (11, "PNS diperbolehkan datang ke kampanye untuk mendengarkan visi misi."),
    (11, "Hadir di kampanye tanpa atribut tidak melanggar aturan netralitas."),
    (11, "Menonton kampanye akbar sebagai pendengar saja aman untuk ASN."),
    # ... or as clearly banned
    (11, "ASN dilarang hadir di kampanye walaupun hanya mendengarkan."),
    (11, "Hadir pasif di kampanye tetap pelanggaran disiplin bagi PNS."),
    (11, "PNS tidak boleh datang ke rapat umum kampanye meski cuma jadi pendengar."),
]

REVIEWED: list[tuple[int, str, str]] = [
    # The legal review of 2026-12: (flag, the sentence it found, the corrected sentence).
    (
        12,
        "Siapkan surat pengunduran diri sesuai jadwal penetapan calon, dan minta nasihat "
        "konsultan sebelum mendaftar.",
        "Calon anggota DPR, DPRD, atau DPD menyerahkan surat pengunduran diri (atau bukti "
        "pengajuannya) saat pendaftaran; calon kepala daerah mundur sejak ditetapkan sebagai "
        "calon.",
    ),
    (
        12,
        "Bagi caleg, mundur dari ASN cukup saat ditetapkan sebagai calon.",
        "Bagi caleg, surat pengunduran diri menjadi dokumen pendaftaran.",
    ),
    (
        13,
        "Anda tetap wajib netral; untuk mendampingi suami/istri, ambil cuti di luar tanggungan "
        "negara (CLTN).",
        "Bila memenuhi syaratnya (PNS dengan masa kerja minimal 5 tahun, tanpa gaji, perlu "
        "persetujuan), ajukan CLTN untuk mendampingi pasangan.",
    ),
    (
        14,
        "• boleh hadir di kampanye pasangan, tetapi tidak aktif;",
        "Dengan CLTN, PNS boleh hadir di kampanye pasangannya tanpa aktif.",
    ),
    (
        15,
        "ASN dilarang ikut kampanye, apalagi menjadi tim kampanye, tim sukses, relawan "
        "pemenangan, juru kampanye, narasumber, atau ahli bagi calon.",
        "ASN dilarang ikut kampanye secara aktif; hadir pasif tanpa atribut masih diperdebatkan.",
    ),
    (
        16,
        "Fasilitas negara — kendaraan dinas, kantor, aula, peralatan, anggaran, akun resmi "
        "instansi, seragam dinas — tidak boleh dipakai untuk kepentingan calon atau partai.",
        "Kendaraan dinas dan seragam tergolong atribut PNS; kantor, aula, dan anggaran adalah "
        "fasilitas negara.",
    ),
    (
        17,
        "Berlaku sama untuk PNS dan PPPK.",
        "Larangan SKB berlaku sama bagi PPPK; sanksinya melalui PP 49/2018 dan perjanjian kerja.",
    ),
    (
        18,
        "Meneruskan materi kampanye ke grup keluarga atau kantor termasuk membagikan.",
        "Menurut tafsiran kami, meneruskan materi kampanye ke grup keluarga termasuk membagikan.",
    ),
    (
        19,
        "Keberatan diajukan kepada atasan pejabat yang menghukum; banding atas pemberhentian ke "
        "Badan Pertimbangan ASN (PP 79/2021) — keduanya wajib ditempuh sebelum ke PTUN.",
        "Sebelum ke PTUN, tempuh keberatan atau banding administratif, tergantung jenis "
        "keputusannya.",
    ),
    (
        20,
        "MenPANRB (2024) dan KASN menegaskan ASN tetap memiliki hak pilih.",
        "MenPANRB (2024) dan KASN (2023, sebelum dibubarkan) menegaskan ASN tetap memiliki hak "
        "pilih.",
    ),
    (
        20,
        "KASN merekomendasikan PPK menjatuhkan sanksi.",
        "KASN dulu hanya merekomendasikan sanksi kepada PPK.",
    ),
    (
        21,
        "Kepala daerah petahana dan penjabat (Pj) dilarang mengganti pejabat sejak 6 bulan "
        "sebelum penetapan pasangan calon.",
        "Setiap kepala daerah yang sedang menjabat, petahana maupun penjabat (Pj), dilarang "
        "mengganti pejabat tanpa persetujuan Mendagri.",
    ),
    (
        22,
        "ASN dapat menjadi petugas ad hoc (KPPS, PPS, PPK, Pantarlih) dengan izin atasan.",
        "ASN dapat menjadi petugas ad hoc (KPPS, PPS, Panitia Pemilihan Kecamatan, Pantarlih) "
        "dengan izin atasan.",
    ),
    (
        23,
        "CPNS dan pensiunan tidak dibahas tegas dalam sumber kami.",
        "CPNS terikat aturan disiplin PNS (PP 94/2021).",
    ),
    (
        24,
        "KASN sudah dibubarkan; pengawasan netralitas kini di BKN dan KemenPANRB.",
        "KASN sudah dibubarkan; pengawasan netralitas ASN kini di BKN.",
    ),
    (
        25,
        "Untuk urusan kepegawaian lain (gaji, cuti, kenaikan pangkat, pensiun), silakan tanyakan "
        "ke bagian kepegawaian.",
        "Untuk urusan kepegawaian lain (gaji, cuti tahunan, kenaikan pangkat, pensiun), silakan "
        "tanyakan ke bagian kepegawaian.",
    ),
]

CORRECT: list[str] = [
    "PP 53/2010 sudah dicabut sejak 31 Agustus 2021.",
    "PP 94/2021 menggantikan PP Nomor 53 Tahun 2010.",
    "PP 53/2010 tidak berlaku lagi, yang berlaku saat ini PP 94/2021.",
    "PP 94/2021 yang masih berlaku menggantikan PP 53/2010.",
    "PP 53/2023 mengubah PP 32/2018 tentang cuti kampanye.",
    "SKB netralitas ditandatangani 22 September 2022.",
    "Sebagian media keliru menyebut tanggal 22 September 2023.",
    "Penetapan pasangan calon Pilkada dilakukan 22 September 2024.",
    "UU 5/2014 Pasal 9 ayat (2) menyatakan ASN bebas dari pengaruh partai.",
    "PP 42/2004 Pasal 15 mengatur sanksi moral.",
    "Sanksi moral berupa pernyataan secara tertutup atau terbuka.",
    "Sanksi moral bukan teguran tertulis, melainkan pernyataan tertutup atau terbuka.",
    "Sanksi moral berupa pernyataan tertutup; hukuman disiplin ringan berupa teguran lisan.",
    "Pasal 494 hanya untuk ASN yang menjadi tim kampanye, bukan pelanggaran Pasal 283.",
    "ASN yang menjadi pelaksana atau tim kampanye diancam pidana Pasal 494.",
    "Pasal 521 mengancam pelanggaran Pasal 280 ayat (1), bukan pelibatan ASN.",
    "Tim kampanye yang melibatkan ASN diancam pidana Pasal 493.",
    "KASN dulu hanya memberi rekomendasi; sanksi dijatuhkan oleh PPK.",
    "Sanksi dijatuhkan oleh PPK, bukan oleh KASN.",
    "Sampai Agustus 2024 laporan dikirim ke KASN; kini ke BKN.",
    "KASN sudah dibubarkan; fungsinya kini di BKN dan KemenPANRB.",
    "PP 49/2018 mengatur manajemen PPPK.",
    "ASN tetap memiliki hak pilih; yang tidak memilih adalah TNI dan Polri.",
    "Anggota TNI dan Polri tidak boleh memilih dalam pemilu.",
    "Berbeda dengan ASN, prajurit TNI tidak dapat menggunakan hak pilih.",
    "ASN tidak boleh mengajak orang lain memilih calon tertentu.",
    "ASN boleh tidak memilih, tetapi golput bukan syarat netralitas.",
    "Hadir pasif di kampanye masih diperdebatkan; jalan aman adalah tidak datang.",
    "Apakah ASN boleh hadir pasif di kampanye? Belum ada ketentuan tegas.",
    "ASN dilarang ikut kampanye (PP 94/2021 Pasal 5 huruf n angka 1).",
    "ASN dilarang menjadi tim kampanye.",
    "Dengan CLTN, PNS boleh hadir di kampanye pasangannya tanpa aktif.",
]


@pytest.mark.parametrize(("number", "sentence"), WRONG)
def test_wrong_statement_is_flagged(number: int, sentence: str) -> None:
    flags = find_red_flags(sentence)
    assert number in {flag.number for flag in flags}, flags


@pytest.mark.parametrize("sentence", CORRECT)
def test_correct_statement_is_not_flagged(sentence: str) -> None:
    assert find_red_flags(sentence) == []


def test_every_flag_of_section_10_is_covered() -> None:
    assert {number for number, _ in WRONG} == set(range(1, 12))


@pytest.mark.parametrize(("number", "found", "corrected"), REVIEWED)
def test_legal_review_finding_is_caught_and_its_correction_is_not(
    number: int, found: str, corrected: str
) -> None:
    assert number in {flag.number for flag in find_red_flags(found)}
    assert find_red_flags(corrected) == []


def test_every_finding_of_the_legal_review_is_covered() -> None:
    assert {number for number, _, _ in REVIEWED} == set(range(12, 26))


def test_flags_are_found_inside_html_and_longer_text() -> None:
    text = (
        "<b>Sanksi</b>\nSanksi netralitas diatur <i>PP 53/2010</i>. "
        "ASN tetap memilih di bilik suara. KASN menjatuhkan sanksi kepada pelanggar."
    )
    flags = find_red_flags(text)
    assert [flag.number for flag in flags] == [1, 8, 20]
    assert flags[1].excerpt == "KASN menjatuhkan sanksi kepada pelanggar."


def test_case_and_spacing_do_not_hide_a_flag() -> None:
    assert find_red_flags("MENURUT  pp   nomor 53   tahun 2010 PNS DIHUKUM.")
    assert find_red_flags("asn TIDAK BOLEH memilih")
