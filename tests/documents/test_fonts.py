"""The packaged font: sizes banks accept, rare name characters, refusal of undrawable ones."""

from __future__ import annotations

import io
import pickle
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from hub.documents import (
    LETTER_TYPES,
    RenderError,
    UnknownLetterType,
    UnprintableCharacter,
    check_letter,
    render_letter,
)
from hub.domain.errors import ValidationFailed
from tests.documents import letters
from tests.documents.conftest import CREATED, squash

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "hub" / "documents" / "fonts"


STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.S)


def content_streams(pdf: bytes) -> list[bytes]:
    """Each page's content stream with its string operands blanked (operators only)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    streams = []
    for page in reader.root["/Pages"]["/Kids"]:
        contents = page.get_object()["/Contents"]
        parts = contents if isinstance(contents, list) else [contents]
        data = b"".join(part.get_object().data for part in parts)
        streams.append(STRING.sub(b"()", data))
    return streams


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_no_text_is_smaller_than_wuhao_nor_scaled_nor_coloured(letter_type, render):
    pdf = render(letter_type, letters.example(letter_type))
    for stream in content_streams(pdf):
        sizes = [float(s) for s in re.findall(rb"([\d.]+) Tf\b", stream)]
        assert sizes and min(sizes) >= 10.5
        # No operator that could shrink or recolour text behind the font size's back.
        for operator in (rb"\bTz\b", rb"\bTm\b", rb"\bcm\b", rb"\brg\b", rb"\bk\b", rb"\bsc\b",
                         rb"\bscn\b", rb"\bTs\b"):
            assert not re.search(operator, stream), operator


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_only_the_packaged_font_is_used_and_it_is_embedded(letter_type, render):
    reader = PdfFileReader(io.BytesIO(render(letter_type, letters.example(letter_type))))
    for page in reader.root["/Pages"]["/Kids"]:
        fonts = page.get_object()["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            assert font["/Subtype"] == "/Type0" and "/ToUnicode" in font
            descendant = font["/DescendantFonts"][0].get_object()
            assert descendant["/Subtype"] == "/CIDFontType2"
            program = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().data
            # A well-formed TrueType subset: fontTools checks every table checksum.
            embedded = TTFont(io.BytesIO(program), checkChecksums=2)
            assert 20 < embedded["maxp"].numGlyphs < 2000
            assert embedded["name"].getDebugName(1) == "Hub Sans SC"


def test_rare_name_characters_render(render, pdf_text):
    letter = letters.example("bank_format1")
    name = "深圳市堃喆昇䶮科技有限公司"  # 䶮 is in CJK extension A, beyond GBK
    letter["items"]["deposits"]["rows"][0]["account_name"] = name
    letter["responder"]["name"] = "昇华银行股份有限公司喆堃支行"
    # -raw: in drawing order, so a name wrapped in its cell reads whole beside other columns
    text = squash(pdf_text(render("bank_format1", letter, client_name="北京喆昇堃科技有限公司"),
                           None, "-raw"))
    assert name in text
    assert "昇华银行股份有限公司喆堃支行" in text
    assert "北京喆昇堃科技有限公司" in text


@pytest.mark.parametrize(("character", "label"), [
    ("\ue000", "a private-use character"),
    ("\U0001f600", "an emoji"),
    ("\U00020000", "a CJK extension B ideograph"),
    ("\x07", "a control character"),
])
def test_an_undrawable_character_is_refused_naming_field_and_character(character, label):
    pointer = "/items/deposits/rows/1/account_name"
    letter = letters.with_value("bank_format1", pointer, f"北京{character}科技有限公司")
    with pytest.raises(UnprintableCharacter) as caught:
        render_letter("bank_format1", letter, created_at=CREATED)
    error = caught.value
    assert isinstance(error, RenderError) and isinstance(error, ValidationFailed)
    assert error.field == "/letter" + pointer, label
    assert error.character == character
    assert f"U+{ord(character):04X}" in error.message and pointer in error.message
    assert error.errors == [{"field": "/letter" + pointer, "message": error.message}]
    # It survives a process pool (rendering is CPU-bound work for worker processes).
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.field, again.character) == (type(error), error.field, character)


@pytest.mark.parametrize(("letter_type", "pointer"), [
    ("bank_format1", "/responder/name"),
    ("bank_format1", "/reply_to/address"),
    ("bank_format1", "/items/loans/rows/0/collateral_or_guarantor"),
    ("bank_format1", "/cash_pool/rows/0/remarks"),
    ("bank_format2", "/responder/name"),
    ("bank_capital", "/contributions/1/remarks"),
    ("bank_capital", "/signatory/name"),
    ("company_receivable", "/other_matters"),
    ("company_payable", "/rows/1/note"),
])
def test_check_letter_names_the_field_before_any_pdf_is_made(letter_type, pointer):
    letter = letters.with_value(letter_type, pointer, "有\ue000字")
    with pytest.raises(UnprintableCharacter) as caught:
        check_letter(letter_type, letter, pointer_prefix="")
    assert caught.value.field == pointer


def test_book_values_of_format2_are_not_checked_since_they_are_not_printed(render):
    letter = letters.with_value("bank_format2", "/book_values/deposits/0/account_name", "\ue000")
    check_letter("bank_format2", letter)
    assert render("bank_format2", letter).startswith(b"%PDF-")


def test_client_name_and_letter_type_errors():
    letter = letters.example("company_payable")
    with pytest.raises(UnprintableCharacter) as caught:
        render_letter("company_payable", letter, client_name="A\U0001f600")
    assert caught.value.field == "client_name"
    with pytest.raises(UnknownLetterType) as unknown:
        render_letter("bank_format9", letter)
    assert unknown.value.field == "/letter_type"


def test_concurrent_renders_match_sequential_ones(render):
    jobs = [(t, letters.example(t)) for t in LETTER_TYPES] * 3
    expected = [render(t, letter) for t, letter in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: render(*job), jobs))
    assert got == expected


def test_the_font_ships_in_the_package_with_its_licence():
    font = FONTS / "HubSansSC-Regular.ttf"
    assert font.stat().st_size > 1_000_000
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Reserved Font Name" in licence
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["setuptools"]["package-data"]["hub.documents"]
    assert "fonts/*.ttf" in shipped and "fonts/OFL.txt" in shipped


@pytest.mark.parametrize("widths", [
    {0: 0, 1: 1000, 2: 1000, 3: 500, 4: 500, 5: 1000, 6: 278, 7: 1000},
    {0: 0, 1: 600},
    {},
])
def test_the_width_table_gives_every_code_its_width(widths: dict[int, int]) -> None:
    from hub.documents._pdf import cid_widths

    default, table = cid_widths(widths)
    numbers = [int(n) for n in table.strip("[]").split()]
    read = {}
    for first, last, width in zip(numbers[::3], numbers[1::3], numbers[2::3], strict=True):
        read.update(dict.fromkeys(range(first, last + 1), width))
    assert {code: read.get(code, default) for code in widths} == widths


def test_a_letters_font_names_only_the_widths_that_are_not_the_default() -> None:
    pdf = render_letter("bank_format1", letters.example("bank_format1"),
                        client_name="北京堃喆昇科技有限公司")
    reader = PdfFileReader(io.BytesIO(pdf))
    font = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    [cid] = next(iter(font.values())).get_object()["/DescendantFonts"]
    cid = cid.get_object()
    assert cid["/DW"] == 1000
    assert len(cid["/W"]) < 150, "runs of the few glyphs that are not one em wide"
