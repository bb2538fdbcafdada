"""统一社会信用代码 (GB 32100-2015) validation and check-character computation."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hub.domain.errors import InvalidUSCC, ValidationFailed
from hub.domain.uscc import ALPHABET, check_character, make_uscc, validate_uscc

# Real, published codes of registered enterprises.
REAL_CODES = [
    "91100000100003962T",
    "91330100799655058B",
    "91350100M000100Y43",
    "91110000710935732K",
]
FORBIDDEN_LETTERS = "IOZSV"
# Positions 3–8 (index 2–7) are the administrative division code: digits only.
DIGIT_POSITIONS = range(2, 8)


def _allowed_at(position: int) -> str:
    return "0123456789" if position in DIGIT_POSITIONS else ALPHABET


def _substitute(code: str, position: int, ch: str) -> str:
    return code[:position] + ch + code[position + 1 :]


def test_alphabet_is_the_gb32100_one() -> None:
    assert len(ALPHABET) == 31
    assert len(set(ALPHABET)) == 31
    assert not set(FORBIDDEN_LETTERS) & set(ALPHABET)
    assert set(ALPHABET) | set(FORBIDDEN_LETTERS) == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code
    assert check_character(code[:17]) == code[17]
    assert make_uscc(code[:17]) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_changed_check_digit_names_the_expected_character(code: str) -> None:
    for wrong in ALPHABET:
        if wrong == code[17]:
            continue
        with pytest.raises(InvalidUSCC) as info:
            validate_uscc(code[:17] + wrong)
        message = info.value.message
        assert f"expected {code[17]!r}" in message
        assert f"is {wrong!r}" in message


def test_error_is_a_validation_failure_with_the_given_field() -> None:
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc("91100000100003962A", field="/responder/uscc")
    err = info.value
    assert isinstance(err, ValidationFailed)
    assert err.code == "invalid_uscc"
    assert err.field == "/responder/uscc"
    assert err.errors == [{"field": "/responder/uscc", "message": err.message}]


def test_default_field_is_uscc() -> None:
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc("short")
    assert info.value.field == "uscc"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "9110000010000396",  # 16
        "91100000100003962",  # 17 (check character missing)
        "91100000100003962TT",  # 19
        " 91100000100003962T",  # leading space
        "91100000100003962T\n",  # trailing newline
        "9" * 40,
    ],
)
def test_wrong_length_fails(code: str) -> None:
    with pytest.raises(InvalidUSCC, match="18 characters"):
        validate_uscc(code)


@pytest.mark.parametrize("code", ["91350100m000100y43", "91100000100003962t", "91350100M000100y43"])
def test_lower_case_fails(code: str) -> None:
    with pytest.raises(InvalidUSCC, match="alphabet"):
        validate_uscc(code)


@pytest.mark.parametrize("letter", FORBIDDEN_LETTERS)
@pytest.mark.parametrize("position", [0, 1, 8, 12, 16, 17])
def test_letters_outside_the_alphabet_fail(letter: str, position: int) -> None:
    with pytest.raises(InvalidUSCC, match="alphabet"):
        validate_uscc(_substitute("91350100M000100Y43", position, letter))


@pytest.mark.parametrize("position", DIGIT_POSITIONS)
def test_letters_in_the_division_code_fail(position: int) -> None:
    with pytest.raises(InvalidUSCC, match="alphabet"):
        validate_uscc(_substitute("91100000100003962T", position, "A"))


@pytest.mark.parametrize(
    "value",
    [None, 91100000100003962, b"91100000100003962T", ["91100000100003962T"], 9.1],
    ids=["None", "int", "bytes", "list", "float"],
)
def test_non_string_fails(value: object) -> None:
    with pytest.raises(InvalidUSCC):
        validate_uscc(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "first17",
    ["91110108MA01ABCDE", "12100000400000007", "Y1000000000000000", "00000000000000000"],
)
def test_make_uscc_produces_codes_that_validate(first17: str) -> None:
    code = make_uscc(first17)
    assert len(code) == 18
    assert code.startswith(first17)
    assert code[17] in ALPHABET
    assert validate_uscc(code) == code


@st.composite
def first17s(draw: st.DrawFn) -> str:
    return "".join(draw(st.sampled_from(_allowed_at(i))) for i in range(17))


@given(first17s())
def test_make_uscc_always_validates(first17: str) -> None:
    assert validate_uscc(make_uscc(first17)) == make_uscc(first17)


# --- single substitutions
# GB 32100's check: weights 3^i mod 31, sum mod 31. 31 is prime and no weight is 0 mod 31, so
# changing one character by a non-zero amount (< 31) always changes the sum mod 31: every single
# substitution inside the alphabet is detected by the check character itself.


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_in_alphabet_substitution_is_caught_by_the_check(code: str) -> None:
    """Exhaustive: every position, every replacement that keeps the shape valid."""
    for position in range(18):
        for ch in _allowed_at(position):
            if ch == code[position]:
                continue
            with pytest.raises(InvalidUSCC, match="check digit"):
                validate_uscc(_substitute(code, position, ch))


@given(
    code=st.one_of(st.sampled_from(REAL_CODES), first17s().map(make_uscc)),
    position=st.integers(min_value=0, max_value=17),
    data=st.data(),
)
def test_property_any_alphabet_substitution_is_caught_by_the_check(
    code: str, position: int, data: st.DataObject
) -> None:
    ch = data.draw(st.sampled_from(_allowed_at(position)).filter(lambda c: c != code[position]))
    with pytest.raises(InvalidUSCC, match="check digit"):
        validate_uscc(_substitute(code, position, ch))


@given(
    code=st.one_of(st.sampled_from(REAL_CODES), first17s().map(make_uscc)),
    position=st.integers(min_value=0, max_value=17),
    ch=st.characters(min_codepoint=0, max_codepoint=0x7F),
)
def test_property_any_ascii_substitution_is_caught(code: str, position: int, ch: str) -> None:
    assume(ch != code[position])
    with pytest.raises(InvalidUSCC):
        validate_uscc(_substitute(code, position, ch))


@given(
    code=st.sampled_from(REAL_CODES),
    position=st.integers(min_value=0, max_value=17),
    ch=st.characters(exclude_categories=["Nd"]),
)
def test_property_any_non_digit_substitution_is_caught(code: str, position: int, ch: str) -> None:
    assume(ch != code[position])
    with pytest.raises(InvalidUSCC):
        validate_uscc(_substitute(code, position, ch))


@pytest.mark.parametrize(
    "digit", ["\uff19", "\u0663", "\u096b"], ids=["fullwidth9", "arabic3", "devanagari5"]
)
def test_non_ascii_digit_in_division_code_fails_cleanly(digit: str) -> None:
    with pytest.raises(InvalidUSCC):
        validate_uscc(_substitute("91100000100003962T", 2, digit))
