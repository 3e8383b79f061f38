"""Masking personal data in real-looking Indonesian questions before review and training."""

from __future__ import annotations

import pytest

from bot.nlu.masking import mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # Names the user gave
        (
            "Selamat pagi, nama saya Budi Santoso, PNS di Dinas Pendidikan. Boleh ikut kampanye?",
            "Selamat pagi, nama saya [NAMA], PNS di Dinas Pendidikan. Boleh ikut kampanye?",
        ),
        (
            "nama saya siti aminah dari kabupaten bogor mau tanya",
            "nama saya [NAMA] dari kabupaten bogor mau tanya",
        ),
        ("Nama lengkap saya: Dewi Lestari", "Nama lengkap saya: [NAMA]"),
        ("saya bernama Agus, guru honorer", "saya bernama [NAMA], guru honorer"),
        (
            "Saya Rina Wulandari, guru PPPK. Suami saya caleg, boleh saya bantu?",
            "Saya [NAMA], guru PPPK. Suami saya caleg, boleh saya bantu?",
        ),
        ("perkenalkan saya Andi, mau tanya", "perkenalkan saya [NAMA], mau tanya"),
        # Titles with a capitalised name; a role after a title is no name
        (
            "Pak Joko Widodo bilang PNS boleh hadir?",
            "Pak [NAMA] bilang PNS boleh hadir?",
        ),
        (
            "Bu Camat ikut kampanye bersama Bu Sri Mulyani",
            "Bu Camat ikut kampanye bersama Bu [NAMA]",
        ),
        ("Mbak Ayu dari Bawaslu menegur saya", "Mbak [NAMA] dari Bawaslu menegur saya"),
        ("atasan saya Sdr. Hendra menyuruh ikut", "atasan saya Sdr. [NAMA] menyuruh ikut"),
        ("Bapak Kepala Dinas ikut deklarasi", "Bapak Kepala Dinas ikut deklarasi"),
        # Numbers: NIP, NIK, phones, other long ones
        ("NIP saya 19850312 201001 1 003, tolong dicek", "NIP saya [NIP], tolong dicek"),
        ("nip 198503122010011003 dilaporkan ke Bawaslu", "nip [NIP] dilaporkan ke Bawaslu"),
        ("NIK 3201012345678901 dipakai dukung calon", "NIK [NIK] dipakai dukung calon"),
        ("nik sy 3201 0123 4567 8901 dicatut", "nik sy [NIK] dicatut"),
        ("hubungi saya di 0812-3456-7890 ya", "hubungi saya di [TELEPON] ya"),
        ("wa +62 812 3456 7890", "wa [TELEPON]"),
        ("no hp 6281234567890", "no hp [TELEPON]"),
        ("nomor laporan 2024001234 kapan diproses", "nomor laporan [NOMOR] kapan diproses"),
        # E-mail, plates
        ("kirim ke budi.santoso@gmail.com ya", "kirim ke [EMAIL] ya"),
        ("balas ke rina_w@kemdikbud.go.id", "balas ke [EMAIL]"),
        (
            "mobil dinas B 1234 XYZ dipakai kampanye, juga motor dk 1234 ab",
            "mobil dinas [PLAT] dipakai kampanye, juga motor [PLAT]",
        ),
        ("plat AB1234CD terlihat di lokasi", "plat [PLAT] terlihat di lokasi"),
    ],
)
def test_personal_data_is_replaced_by_placeholders(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "bolehkah pns like postingan capres?",
        "Saya PNS, boleh ikut kampanye Capres?",
        "Saya ASN di KPU, boleh jadi anggota KPPS?",
        "Saya Mau tanya pak, Bawaslu bilang apa soal Pilkada 2024?",
        "pak kalau pns like postingan capres gimana",
        "pemilu 14-02-2024 dan pilkada 27 november 2024",
        "gaji Rp 15.000.000 dipotong kalau kena sanksi?",
        "PP 94 tahun 2021 pasal 5 huruf a",
        "di 2024 ada pilkada, ke 2 tps",
        "UU 5/2014 tentang ASN",
    ],
)
def test_election_vocabulary_dates_and_rules_stay(text: str) -> None:
    assert mask_personal_data(text) == text


def test_the_users_own_telegram_names_are_masked_wherever_they_stand() -> None:
    text = "halo, ini budi. akun saya @budi_s, tanya soal cuti ya Budi"
    masked = mask_personal_data(text, known_names=("Budi", "budi_s"))
    assert masked == "halo, ini [NAMA]. akun saya [NAMA], tanya soal cuti ya [NAMA]"


def test_known_names_that_are_vocabulary_or_too_short_are_ignored() -> None:
    text = "pns boleh ikut kampanye? tanya Al"
    assert mask_personal_data(text, known_names=("PNS", "Al", None, " ")) == text


def test_a_question_with_everything_keeps_only_its_question() -> None:
    text = (
        "Assalamualaikum, nama saya Dedi Kurniawan (NIP 19790101 200501 1 002), guru SD. "
        "Kepala sekolah Pak Hartono minta kami pakai kaos paslon. Nomor saya 081398765432, "
        "email dedi.k79@yahoo.co.id. Bagaimana?"
    )
    masked = mask_personal_data(text)
    assert masked == (
        "Assalamualaikum, nama saya [NAMA] (NIP [NIP]), guru SD. "
        "Kepala sekolah Pak [NAMA] minta kami pakai kaos paslon. Nomor saya [TELEPON], "
        "email [EMAIL]. Bagaimana?"
    )
    for leaked in ("Dedi", "Kurniawan", "Hartono", "0813", "1979", "yahoo"):
        assert leaked not in masked


def test_a_full_name_that_contains_the_known_first_name_becomes_one_placeholder() -> None:
    text = "nama saya Bambang Sutrisno, hp 0812-7777-1234. Salam, Bambang"
    masked = mask_personal_data(text, known_names=("Bambang", "bambang_s"))
    assert masked == "nama saya [NAMA], hp [TELEPON]. Salam, [NAMA]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Yth. Bapak/Ibu, dengan hormat, saya Ketut Arsana, pelaksana di Dinas Pariwisata. "
            "Demikian. Hormat kami, Ketut Arsana",
            "Yth. Bapak/Ibu, dengan hormat, saya [NAMA], pelaksana di Dinas Pariwisata. "
            "Demikian. Hormat kami, [NAMA]",
        ),
        (
            "nama saya Budi Santoso. Kemarin Budi ditegur atasan karena like postingan caleg",
            "nama saya [NAMA]. Kemarin [NAMA] ditegur atasan karena like postingan caleg",
        ),
        (
            "Atas perhatiannya terima kasih. Hormat saya, Drs. Made Wirawan, M.Si.",
            "Atas perhatiannya terima kasih. Hormat saya, Drs. [NAMA], M.Si.",
        ),
        ("Wassalamualaikum wr. wb., Andi Pratama", "Wassalamualaikum wr. wb., [NAMA]"),
        (
            "mobil dinas dipakai Pak Camat Hendra ke kampanye paslon",
            "mobil dinas dipakai Pak Camat [NAMA] ke kampanye paslon",
        ),
    ],
)
def test_a_name_found_once_and_a_signed_letter_are_masked_everywhere(
    text: str, masked: str
) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Salam Korpri! mau tanya soal kampanye",
        "Salam Sejahtera bapak ibu, PNS boleh ikut deklarasi?",
        "Hormat kami, PNS Dinas Kesehatan",
        "Bapak Kepala Dinas ikut deklarasi",
    ],
)
def test_greetings_and_closings_without_a_name_stay(text: str) -> None:
    assert mask_personal_data(text) == text
