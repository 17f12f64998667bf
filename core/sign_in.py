"""Sign-in with a password, throttled per account and per client address (the UI and the API alike).

Each wrong password for an account (whether or not it exists: the answer must not tell) and from an
address makes the next answer slower: no delay for the first few, then a delay that doubles up to a
few seconds. After ``LOCK_AFTER`` failures the account or address is locked for a while and every
attempt, right or wrong, is refused with :class:`TooManyAttempts` (the API's 429 with
``Retry-After``); each further lock lasts twice as long, up to a quarter of an hour. A correct
password once the lock has passed signs in and clears both counters. Failures older than
``FORGET_AFTER_S`` are forgotten.

The counters live in this process: with several processes an attacker gets a few more tries, not a
way around the limit. Sleeping happens on the event loop (``await``), never in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from core import auth
from core.db import Database
from core.errors import AuthError, StudioError
from core.models import User

FREE_FAILURES = 3
LOCK_AFTER = 8
FIRST_DELAY_S = 0.25
MAX_DELAY_S = 4.0
FIRST_LOCK_S = 60.0
MAX_LOCK_S = 900.0
FORGET_AFTER_S = 3600.0


class TooManyAttempts(StudioError):
    """Sign-in is locked for ``retry_after_s`` seconds for this account or address."""

    code = "too_many_attempts"

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"Too many failed sign-ins: try again in {int(retry_after_s) + 1} seconds")
        self.retry_after_s = retry_after_s


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0
    locks: int = 0


class SignInThrottle:
    """The failure counters, keyed by account and by address; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, first_delay_s: float = FIRST_DELAY_S,
                 max_delay_s: float = MAX_DELAY_S) -> None:
        self._clock = clock
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    def check(self, email: str, address: str) -> float:
        """The delay (s) to wait before answering this attempt; TooManyAttempts while locked."""
        now = self._clock()
        with self._lock:
            records = [self._record(key, now) for key in _keys(email, address)]
        locked = max(r.locked_until for r in records) - now
        if locked > 0:
            raise TooManyAttempts(locked)
        failures = max(r.failures for r in records)
        if failures < FREE_FAILURES:
            return 0.0
        return min(self.max_delay_s, self.first_delay_s * 2 ** (failures - FREE_FAILURES))

    def failed(self, email: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in _keys(email, address):
                record = self._record(key, now)
                record.failures += 1
                record.last_failure = now
                if record.failures >= LOCK_AFTER:
                    record.locked_until = now + min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** record.locks)
                    record.locks += 1

    def succeeded(self, email: str, address: str) -> None:
        with self._lock:
            for key in _keys(email, address):
                self._records.pop(key, None)

    def _record(self, key: tuple[str, str], now: float) -> _Record:
        record = self._records.get(key)
        if record is None or (now - record.last_failure > FORGET_AFTER_S and now >= record.locked_until):
            record = self._records[key] = _Record()
        if len(self._records) > 100_000:  # bounded: forget the quiet ones first
            for stale in [k for k, r in self._records.items() if now - r.last_failure > 60][:50_000]:
                del self._records[stale]
        return record


async def sign_in(db: Database, throttle: SignInThrottle, email: str, password: str, address: str) -> User:
    """The user with these credentials, after the throttle's delay; AuthError or TooManyAttempts."""
    account = (email or "").strip().lower()
    delay = throttle.check(account, address)
    if delay:
        await asyncio.sleep(delay)  # the throttle's growing delay itself, not a wait for a condition
    try:
        user = await asyncio.to_thread(auth.authenticate, db, email, password)
    except AuthError:
        throttle.failed(account, address)
        raise
    throttle.succeeded(account, address)
    return user


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    return [("account", email), ("address", address or "unknown")]
