"""The office's saved reply templates (``/templat``): consultants' own words, sent into a
ticket by name (``/kirim N #nama``)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting, insert_ignoring_conflicts
from bot.storage.base import utcnow
from bot.storage.models import ReplyTemplate


async def save_template(
    session: AsyncSession, *, office: str, name: str, text: str, author_id: int
) -> bool:
    """Store the template, replacing one of the same name; True if it is new. Two consultants
    saving one name at once: both succeed, the later text stays."""
    if await insert_ignoring_conflicts(
        session,
        ReplyTemplate,
        office=office,
        name=name,
        text=text,
        author_id=author_id,
        created_at=utcnow(),
        updated_at=utcnow(),
    ):
        return True
    await execute_counting(
        session,
        update(ReplyTemplate)
        .where(ReplyTemplate.office == office, ReplyTemplate.name == name)
        .values(text=text, author_id=author_id, updated_at=utcnow()),
    )
    return False


async def get_template(session: AsyncSession, *, office: str, name: str) -> ReplyTemplate | None:
    return await session.scalar(
        select(ReplyTemplate).where(ReplyTemplate.office == office, ReplyTemplate.name == name)
    )


async def office_templates(session: AsyncSession, *, office: str) -> list[ReplyTemplate]:
    """The office's templates by name."""
    statement = select(ReplyTemplate).where(ReplyTemplate.office == office)
    return list(await session.scalars(statement.order_by(ReplyTemplate.name)))


async def delete_template(session: AsyncSession, *, office: str, name: str) -> bool:
    """Delete the template; False if the office has none of that name."""
    removed = await execute_counting(
        session,
        delete(ReplyTemplate).where(ReplyTemplate.office == office, ReplyTemplate.name == name),
    )
    return removed > 0
