"""The offer's and the intake's button data, read with their bounds (handlers/input_bounds.py)."""

from __future__ import annotations

import pytest

from bot.storage.enums import IntakeStep
from handlers.input_bounds import CaseButton, IntakeButton, case_button, intake_button


def test_offer_buttons() -> None:
    assert case_button("kasus:ya:12") == CaseButton(True, 12)
    assert case_button("kasus:tidak:2147483647") == CaseButton(False, 2147483647)


def test_intake_buttons() -> None:
    assert intake_button("isian:7:kepegawaian:pppk") == IntakeButton(
        7, IntakeStep.KEPEGAWAIAN, "pppk"
    )
    assert intake_button("isian:7:tenggat:lewati") == IntakeButton(7, IntakeStep.TENGGAT, "lewati")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "kasus:ya:0",
        "kasus:ya:2147483648",
        "kasus:mungkin:3",
        "kasus:ya:٣",
        "isian:7:instansi:pns",
        "isian:7:tenggat:besok",
        "isian:99999999999:kepegawaian:pns",
        "isian:7:kepegawaian:pns:x",
    ],
)
def test_forged_data_is_refused(data: str | None) -> None:
    assert case_button(data) is None and intake_button(data) is None
