"""The office's reply templates (issue 22, item 3): one per name and office, replaced by a
second save, kept apart from another office's, and deleted by name."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.reply_templates import (
    delete_template,
    get_template,
    office_templates,
    save_template,
)

JAKARTA, SURABAYA = "LKBH Korpri DKI", "LKBH Korpri Jatim"


async def test_a_second_save_replaces_the_text_of_the_same_office_only(
    session: AsyncSession,
) -> None:
    assert await save_template(session, office=JAKARTA, name="salam", text="Halo", author_id=1)
    assert await save_template(session, office=SURABAYA, name="salam", text="Sugeng", author_id=2)
    assert not await save_template(
        session, office=JAKARTA, name="salam", text="Selamat pagi", author_id=3
    )
    await save_template(session, office=JAKARTA, name="berkas", text="Kirim SK", author_id=1)
    await session.commit()
    session.expire_all()

    jakarta = await office_templates(session, office=JAKARTA)
    assert [(t.name, t.text, t.author_id) for t in jakarta] == [
        ("berkas", "Kirim SK", 1),
        ("salam", "Selamat pagi", 3),
    ]
    surabaya = await get_template(session, office=SURABAYA, name="salam")
    assert surabaya is not None and surabaya.text == "Sugeng"

    assert await delete_template(session, office=JAKARTA, name="salam")
    assert not await delete_template(session, office=JAKARTA, name="salam")
    await session.commit()
    assert await get_template(session, office=JAKARTA, name="salam") is None
    assert await get_template(session, office=SURABAYA, name="salam") is not None


async def test_two_consultants_saving_one_name_at_once_both_succeed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def save(text: str) -> bool:
        async with session_factory() as session:
            new = await save_template(
                session, office=JAKARTA, name="panggilan", text=text, author_id=len(text)
            )
            await session.commit()
            return new

    results = await asyncio.gather(save("Teks A"), save("Teks BB"))
    assert sorted(results) == [False, True]
    async with session_factory() as session:
        [kept] = await office_templates(session, office=JAKARTA)
    assert kept.text in ("Teks A", "Teks BB")
