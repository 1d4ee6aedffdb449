"""Checksums that tell a real identifier from a number that merely looks like one."""

from __future__ import annotations

from collections.abc import Callable

from stdnum import iban, luhn
from stdnum.es import dni, nie
from stdnum.exceptions import ValidationError


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def is_luhn(value: str) -> bool:
    """Payment card numbers: 13 to 19 digits passing the Luhn checksum."""
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def _stdnum(module: object) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            module.validate(value)  # type: ignore[attr-defined]
        except ValidationError:
            return False
        return True

    return check


is_iban = _stdnum(iban)
is_es_dni = _stdnum(dni)
is_es_nie = _stdnum(nie)

VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": is_luhn,
    "iban": is_iban,
    "es_dni": is_es_dni,
    "es_nie": is_es_nie,
}
