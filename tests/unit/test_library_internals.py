"""The one list of library internals the code overrides or leans on for speed: where, the
test that guards each, and the version it was checked on. pyproject.toml holds each library to
that minor version; moving one on means re-reading its override and running its guard first."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Internal:
    library: str
    checked: str
    """The version it was read against and tested with."""
    internal: str
    """What of the library's private surface the code relies on."""
    where: str
    guard: str
    """The test that fails if the override stops giving the library's own answers."""


INTERNALS = (
    Internal("pyhanko", "0.38.0", "read_hex_string_from_stream",
             "signing/_fasthex.py", "tests/signing/test_fasthex.py"),
    Internal("asn1crypto", "1.5.1", "_ldap_string_prep",
             "signing/_fastnames.py", "tests/signing/test_fastnames.py"),
    Internal("pyhanko", "0.38.0", "_dss_to_local_knowledge",
             "signing/validation.py", "tests/signing/test_with_time.py"),
    Internal("asn1crypto", "1.5.1", "core._dump_header",
             "signing/_fastder.py", "tests/signing/test_fastder.py"),
    Internal("fpdf2", "2.8.9", "_add_fonts",
             "hub/documents/_pdf.py", "tests/documents/test_fonts.py"),
    Internal("aiosqlite", "0.22.1", "self._connection._execute",
             "hub/db/_sqlite_driver.py", "tests/integration/test_db_uow.py"),
    Internal("referencing", "0.37.0", "referencing._core",
             "schemas/_walk.py", "tests/unit/test_schemas_fast.py"),
)


def _minor(v: str) -> tuple[str, ...]:
    return tuple(v.split(".")[:2])


@pytest.mark.parametrize("item", INTERNALS, ids=lambda i: f"{i.library}:{i.internal}")
def test_each_override_is_guarded_and_checked_on_the_installed_minor_version(
        item: Internal) -> None:
    assert _minor(version(item.library)) == _minor(item.checked), (
        f"{item.library} {version(item.library)} is installed, {item.where} was checked on "
        f"{item.checked}: re-read the override, run {item.guard}, then move `checked` on")
    assert item.internal in (ROOT / item.where).read_text(encoding="utf-8")
    assert (ROOT / item.guard).is_file(), item.guard
