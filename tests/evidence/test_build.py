"""Building a bundle: reproducible, with a manifest of hashes and signatures and a README."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest

from hub.evidence import FORMAT_VERSION, InvalidBundleFile, build_bundle
from signing import devpki
from tests.evidence.conftest import CREATED, METADATA, PDFS, Evidence, entries, manifest_of


async def test_the_same_files_give_the_same_bytes(evidence: Evidence) -> None:
    again = await build_bundle(dict(reversed(list(evidence.files.items()))), metadata=METADATA)
    assert again == evidence.unsealed


def test_the_zip_holds_the_files_in_order_with_fixed_times_and_no_extra_fields(
    evidence: Evidence,
) -> None:
    with zipfile.ZipFile(io.BytesIO(evidence.bundle)) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == ["manifest.json", "manifest.seal.pdf", "README.txt", *sorted(evidence.files)]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert all(i.extra == b"" for i in infos)
    assert dict(entries(evidence.bundle))["letter.pdf"] == evidence.files["letter.pdf"]


def test_the_manifest_records_hash_size_and_signatures(evidence: Evidence) -> None:
    manifest = manifest_of(evidence.bundle)
    assert manifest["version"] == FORMAT_VERSION
    assert manifest["metadata"] == {**METADATA, "created_at": CREATED.isoformat()}
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == {*evidence.files, "README.txt"}
    for name, content in evidence.files.items():
        assert files[name]["sha256"] == hashlib.sha256(content).hexdigest()
        assert files[name]["size"] == len(content)
        assert ("signatures" in files[name]) == (name in PDFS)
    [seal] = files["letter.pdf"]["signatures"]
    firm = evidence.pki.certificate("firm")
    assert seal["field_name"] == "FirmSeal" and seal["kind"] == "signature"
    assert seal["certificate_sha256"] == firm.sha256.hex()
    assert "示例会计师事务所" in seal["signer"]
    assert [s["field_name"] for s in files["reply.pdf"]["signatures"]] == ["BankSeal"]


def test_the_readme_says_how_to_verify_offline_in_both_languages(evidence: Evidence) -> None:
    readme = dict(entries(evidence.bundle))["README.txt"].decode("utf-8")
    for needed in ("hub verify bundle.zip", "sha256sum", "pdfsig", "trust/root.pem",
                   "离线验证", "How to verify offline", str(METADATA["letter_number"])):
        assert needed in readme


@pytest.mark.parametrize("name", [
    "/etc/letter.pdf", "C:/letter.pdf", "../letter.pdf", "validation/../../x.txt",
    "manifest.json", "README.txt", "readme.TXT", "a\\b.pdf", "trust/",
])
async def test_a_bad_name_is_refused_naming_it(evidence: Evidence, name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        await build_bundle({**evidence.files, name: b"x"}, metadata=METADATA)


async def test_names_colliding_only_in_case_are_refused() -> None:
    with pytest.raises(InvalidBundleFile) as caught:
        await build_bundle({"notes.txt": b"a", "NOTES.txt": b"b"}, metadata={})
    assert caught.value.field == "notes.txt"


async def test_trust_material_that_is_not_a_certificate_is_refused(evidence: Evidence) -> None:
    root = evidence.pki.certificate_path(devpki.ROOT).read_bytes()
    with pytest.raises(InvalidBundleFile) as caught:
        await build_bundle({"trust/root.pem": root, "trust/other.pem": b"not a cert"},
                           metadata={})
    assert caught.value.field == "trust/other.pem"


async def test_building_validates_nothing_and_lists_signatures_as_a_report_names_them(
    evidence: Evidence, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workpaper maker has just validated the letter and the reply: the bundle takes its
    reports, lists the other PDFs' signatures without validating them (verify_bundle does), and
    comes out the same as when it lists every PDF itself."""
    from hub.evidence import _signatures
    from signing import validate_pdf, validation

    made = {name: await validate_pdf(evidence.files[name], trust_roots=evidence.pki.trust_roots(),
                                     crls=evidence.pki.crls(), allow_fetching=False)
            for name in ("letter.pdf", "reply.pdf")}
    validated: list[bytes] = []

    async def counting(pdf: bytes, *args: object, **kwargs: object) -> object:
        validated.append(pdf)
        raise AssertionError("validated while building")

    monkeypatch.setattr(validation, "_validate", counting)
    monkeypatch.setattr(_signatures, "validate", counting)
    again = await build_bundle(evidence.files, metadata=METADATA, reports=made)
    assert again == evidence.unsealed
    assert validated == []
    listed = {f["name"]: [s["field_name"] for s in f.get("signatures") or ()]
              for f in manifest_of(again)["files"]}
    assert listed["workpaper.pdf"] == ["HubSeal"]
    assert listed["letter.pdf"] == ["FirmSeal"]
