"""The per-user message rate limit of group -1."""

from __future__ import annotations

from handlers.updates import MessageRateLimit, Verdict


def test_allows_up_to_the_limit_then_warns_once_then_stays_silent() -> None:
    limit = MessageRateLimit(3, window=60)
    verdicts = [limit.check(1, now=float(second)) for second in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.FIRST_EXCESS] + [Verdict.EXCESS] * 2


def test_window_slides_and_the_warning_is_given_again_after_it() -> None:
    limit = MessageRateLimit(2, window=60)
    assert [limit.check(1, now=t) for t in (0, 1, 2, 3)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.FIRST_EXCESS,
        Verdict.EXCESS,
    ]
    # The first message leaves the window at t=60: one more is allowed.
    assert limit.check(1, now=60.5) is Verdict.ALLOW
    assert limit.check(1, now=61.5) is Verdict.ALLOW
    assert limit.check(1, now=62) is Verdict.FIRST_EXCESS


def test_over_limit_messages_do_not_extend_the_block() -> None:
    limit = MessageRateLimit(1, window=10)
    assert limit.check(1, now=0) is Verdict.ALLOW
    for t in range(1, 10):
        assert limit.check(1, now=t) is not Verdict.ALLOW
    assert limit.check(1, now=10.5) is Verdict.ALLOW


def test_users_are_counted_separately() -> None:
    limit = MessageRateLimit(1, window=60)
    assert limit.check(1, now=0) is Verdict.ALLOW
    assert limit.check(1, now=1) is Verdict.FIRST_EXCESS
    assert limit.check(2, now=1) is Verdict.ALLOW


def test_idle_users_are_forgotten() -> None:
    limit = MessageRateLimit(1, window=60)
    for user_id in range(1_500):
        limit.check(user_id, now=0)
    limit.forget_idle(now=100)
    assert limit.tracked_users == 0


def test_memory_stays_bounded_while_new_users_keep_arriving() -> None:
    limit = MessageRateLimit(1, window=60)
    for minute in range(10):
        for user in range(1_500):
            limit.check(minute * 10_000 + user, now=minute * 60 + user / 100)
    # Idle users are swept once per window: at most this and the previous window's users stay.
    assert limit.tracked_users <= 3_000


def test_admits_tells_without_counting() -> None:
    limiter = MessageRateLimit(limit=2, window=60.0)
    assert limiter.admits(7, now=0.0)
    assert limiter.admits(7, now=0.0)  # asking twice counted nothing
    assert limiter.check(7, now=1.0) is Verdict.ALLOW
    assert limiter.check(7, now=2.0) is Verdict.ALLOW
    assert not limiter.admits(7, now=3.0)
    assert limiter.check(7, now=3.0) is Verdict.FIRST_EXCESS
    assert limiter.admits(7, now=61.5)  # the first message left the window
    assert limiter.admits(8, now=3.0)  # other users are unaffected
