"""A consultant's reply is never dropped silently."""

from __future__ import annotations

import pytest

from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import CONSULTANT_IDS, STAFF_CHAT_ID, hand_case_over
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

ASN = FakeUser(811, first_name="Dewi")
CONSULTANT = FakeUser(CONSULTANT_IDS[0], first_name="Andi")


async def test_reply_to_a_bot_message_outside_any_ticket_is_flagged(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    await hand_case_over(standin, ASN, "sy dipanggil inspektorat minggu depan, tolong dampingi")
    await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)  # the card
    mark = len(standin.sent)
    await standin.send_text(CONSULTANT, "/antrian", chat_id=STAFF_CHAT_ID)
    [listing] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)

    mark = len(standin.sent)
    await standin.send_text(
        CONSULTANT,
        "ini jawaban saya",
        chat_id=STAFF_CHAT_ID,
        reply_to_message_id=listing.message_id,
    )
    [warning] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark, timeout=15)
    assert "tidak terhubung ke tiket" in (warning.plain_text or "")
    # Nothing of it reached the ASN. (Counting the ASN's messages raced with the after-hours
    # notice, which follows the acknowledgement outside office hours.)
    to_asn = [record.plain_text or "" for record in standin.sent_to(ASN.id)]
    assert to_asn and not any("ini jawaban saya" in text for text in to_asn)
