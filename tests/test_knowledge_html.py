"""Telegram's HTML subset: what the checker accepts, rejects and how it previews text."""

from __future__ import annotations

import pytest

from bot.knowledge.telegram_html import html_errors, telegram_length, to_plain_text


@pytest.mark.parametrize(
    "text",
    [
        "Teks biasa tanpa tag.",
        "<b>Tebal</b>, <i>miring</i>, <u>garis</u>, <s>coret</s>, <code>kode</code>",
        "<b>Tebal <i>dan miring</i></b> &amp; &lt;aman&gt; &quot;kutip&quot; &#8212;",
        '<a href="https://sbt.bkn.go.id">SBT BKN</a>',
        "<blockquote>Kutipan\ndua baris</blockquote>",
        "<tg-spoiler>rahasia</tg-spoiler> <strong>kuat</strong> <em>tekan</em> <pre>x</pre>",
    ],
)
def test_valid_telegram_html_is_accepted(text: str) -> None:
    assert html_errors(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>tidak ditutup", "never closed"),
        ("<b><i>silang</b></i>", "does not match"),
        ("tutup saja</b>", "does not match"),
        ("<div>blok</div>", "not allowed"),
        ("baris<br>baru", "not allowed"),
        ('<b class="x">kelas</b>', "attribute 'class' is not allowed"),
        ("<a>tanpa tautan</a>", "needs href"),
        ('<a href="javascript:alert(1)">x</a>', "needs href"),
        ("PNS & PPPK", "unescaped '&'"),
        ("umur < 17 tahun", "unescaped '<'"),
        ("nilai > 5", "unescaped '>'"),
        ("<b><b>ganda</b></b>", "nested inside itself"),
    ],
)
def test_invalid_telegram_html_is_rejected(text: str, expected: str) -> None:
    errors = html_errors(text)
    assert any(expected in error for error in errors), errors


def test_plain_text_preview_drops_tags_and_keeps_what_the_user_reads() -> None:
    html = '<b>Judul</b>\n<blockquote>satu\ndua</blockquote>\n<a href="https://x.id">x</a> &amp;'
    assert to_plain_text(html) == "Judul\n┃ satu\n┃ dua\nx (https://x.id) &"


def test_telegram_length_counts_visible_text_in_utf16_units() -> None:
    assert telegram_length("<b>ab</b>&amp;") == 3
    assert telegram_length("✅") == 1
    assert telegram_length("🟡") == 2  # outside the BMP: a surrogate pair
