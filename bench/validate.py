"""Schema benchmark: validate and money_values per example, fast path beside the pure-Python one."""

from __future__ import annotations

import argparse
import functools
import timeit
from collections.abc import Callable
from typing import Any

import schemas
from hub.domain.errors import ValidationFailed
from schemas import _validate
from tests.schema_reference import money_values_uncached

NAME = "confirmation_request"
TYPES = ("bank_format1", "bank_format2", "bank_capital", "company_receivable",
         "company_payable")


def refusing(check: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    """`check`, for a body it refuses: the refusal is what is measured."""

    def run(name: str, body: Any) -> None:
        try:
            check(name, body)
        except ValidationFailed:
            return
        raise AssertionError("the bad body was accepted")

    return run


def bodies() -> list[tuple[str, Any, bool]]:
    """(label, body, valid): every letter type's example, and one with a bad amount."""
    out = [(t, schemas.example(f"{NAME}.{t}"), True) for t in TYPES]
    bad = schemas.example(f"{NAME}.bank_format1")
    bad["letter"]["items"]["deposits"]["rows"][0]["balance"] = "1٣"
    return [*out, ("bank_format1, a bad amount", bad, False)]


def per_call(call: Callable[[], Any], seconds: float) -> float:
    """Seconds per call: the best of 5 runs of about `seconds` / 5 each."""
    call()  # warm the caches
    number, took = timeit.Timer(call).autorange()
    number = max(1, int(number * seconds / 5 / max(took, 1e-9)))
    return min(timeit.repeat(call, number=number, repeat=5)) / number


def measure(seconds: float) -> list[tuple[str, str, float, float]]:
    """(body, operation, µs per call on the fast path, µs per call on the Python path)."""
    rows = []
    for label, body, valid in bodies():
        pairs: list[tuple[str, Callable[[str, Any], Any], Callable[[str, Any], Any]]] = [
            ("validate", schemas.validate, _validate.validate_python),
        ]
        if valid:
            pairs.append(("money_values", schemas.money_values, money_values_uncached))
        else:
            pairs = [(op, refusing(fast), refusing(slow)) for op, fast, slow in pairs]
        for operation, fast, slow in pairs:
            fast_s = per_call(functools.partial(fast, NAME, body), seconds)
            slow_s = per_call(functools.partial(slow, NAME, body), seconds)
            rows.append((label, operation, fast_s * 1e6, slow_s * 1e6))
    return rows


def table(rows: list[tuple[str, str, float, float]]) -> str:
    head = (f"{'body':28} {'operation':13} {'fast µs':>9} {'fast calls/s':>13} "
            f"{'python µs':>10} {'python calls/s':>15} {'speed-up':>9}")
    lines = [head, "-" * len(head)]
    for label, operation, fast, slow in rows:
        lines.append(f"{label:28} {operation:13} {fast:9.1f} {1e6 / fast:13,.0f} "
                     f"{slow:10.1f} {1e6 / slow:15,.0f} {slow / fast:8.1f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="time spent on each measurement (default 1)")
    args = parser.parse_args()
    print(table(measure(args.seconds)))


if __name__ == "__main__":
    main()
