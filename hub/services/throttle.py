"""Sign-in failures per client address: one address may not try many accounts."""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta

MAX_FAILURES_PER_ADDRESS = 30
"""Failed sign-ins one address may make within the window (any accounts, known or not)."""
WINDOW = timedelta(minutes=15)


class AddressThrottle:
    """Recent failures by address, in this process (each API process counts its own; the
    per-account lock in the database holds across processes)."""

    def __init__(self, max_failures: int | None = None, window: timedelta = WINDOW,
                 max_addresses: int = 100_000) -> None:
        self.max_failures = MAX_FAILURES_PER_ADDRESS if max_failures is None else max_failures
        self.window = window
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        seen = self._failures.get(address)
        if seen is None:
            return deque()
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if not seen:
            del self._failures[address]
        return seen

    def blocked(self, address: str, now: datetime) -> bool:
        """Whether `address` has failed too often lately to be let try again."""
        return bool(address) and len(self._recent(address, now)) >= self.max_failures

    def failed(self, address: str, now: datetime) -> None:
        if not address:
            return
        seen = self._recent(address, now)
        seen.append(now)
        self._failures[address] = seen
        self._failures.move_to_end(address)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)
