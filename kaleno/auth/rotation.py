"""Re-seal every stored secret under the active key, so old keys can be retired."""

from __future__ import annotations

from dataclasses import dataclass

from kaleno.sealed import SEALED_PLACES
from kaleno.vault import current_vault


@dataclass
class RotationReport:
    """How many sealed values were looked at and how many were re-sealed."""

    examined: int = 0
    resealed: int = 0


def rotate_sealed_values() -> RotationReport:
    """Re-seal every value of every registered sealed place still under an older key.

    Runs in the caller's unit of work (the CLI command commits once at the end).

    Raises:
        VaultError: a value cannot be opened with any key in the ring (nothing is committed).
    """
    vault = current_vault()
    report = RotationReport()
    for place in SEALED_PLACES:
        for row in list(place.rows()):
            value = place.read(row)
            if value is None:
                continue
            report.examined += 1
            fresh = vault.reseal(value, place.aad(row))
            if fresh is not None:
                place.write(row, fresh)
                report.resealed += 1
    return report
