"""Sign-in is throttled per account and per client address (issue 13, point 11): before, 50 wrong
passwords in 7.5 s were all answered."""

from __future__ import annotations

import pytest

from core import sign_in as throttling
from core.db import Database
from core.errors import AuthError
from core.sign_in import LOCK_AFTER, SignInThrottle, TooManyAttempts, sign_in
from tests.support.factories import make_user


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_grow_then_the_account_locks_and_reopens_after_the_window() -> None:
    clock = Clock()
    throttle = SignInThrottle(clock)
    delays = []
    for _ in range(LOCK_AFTER):
        delays.append(throttle.check("mira@example.com", "10.0.0.1"))
        throttle.failed("mira@example.com", "10.0.0.1")
    assert delays[:throttling.FREE_FAILURES] == [0.0] * throttling.FREE_FAILURES
    assert delays[throttling.FREE_FAILURES:] == sorted(delays[throttling.FREE_FAILURES:]) and delays[-1] > delays[3]
    with pytest.raises(TooManyAttempts) as locked:
        throttle.check("mira@example.com", "10.0.0.1")
    assert 0 < locked.value.retry_after_s <= throttling.FIRST_LOCK_S
    with pytest.raises(TooManyAttempts):  # the same account from another address is locked too
        throttle.check("mira@example.com", "10.9.9.9")
    with pytest.raises(TooManyAttempts):  # and the same address for another account
        throttle.check("other@example.com", "10.0.0.1")
    clock.now += throttling.FIRST_LOCK_S + 1
    assert throttle.check("mira@example.com", "10.0.0.1") > 0  # open again, still slow
    throttle.succeeded("mira@example.com", "10.0.0.1")
    assert throttle.check("mira@example.com", "10.0.0.1") == 0.0


def test_a_second_lock_lasts_longer() -> None:
    clock = Clock()
    throttle = SignInThrottle(clock)
    for _ in range(LOCK_AFTER):
        throttle.failed("a@example.com", "x")
    clock.now += throttling.FIRST_LOCK_S + 1
    throttle.failed("a@example.com", "x")
    with pytest.raises(TooManyAttempts) as locked:
        throttle.check("a@example.com", "x")
    assert locked.value.retry_after_s > throttling.FIRST_LOCK_S


async def test_sign_in_counts_failures_and_a_correct_password_after_the_lock_works(db: Database) -> None:
    clock = Clock()
    throttle = SignInThrottle(clock, first_delay_s=0.01, max_delay_s=0.1)  # the delays are awaited for real
    make_user(db, "mira@example.com", "correct horse")
    refused = 0
    for _ in range(LOCK_AFTER + 2):
        try:
            await sign_in(db, throttle, "mira@example.com", "wrong horse", "10.0.0.1")
        except AuthError:
            pass
        except TooManyAttempts:
            refused += 1
    assert refused == 2
    with pytest.raises(TooManyAttempts):  # even the right password, while locked
        await sign_in(db, throttle, "mira@example.com", "correct horse", "10.0.0.1")
    clock.now += throttling.MAX_LOCK_S
    throttle_delay = throttle.check("mira@example.com", "10.0.0.1")
    assert 0 < throttle_delay <= 0.1
    user = await sign_in(db, throttle, "mira@example.com", "correct horse", "10.0.0.1")
    assert user.email == "mira@example.com" and throttle.check("mira@example.com", "10.0.0.1") == 0.0
