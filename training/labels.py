"""The four claim labels: ids, display names, definitions and lenient parsing.

The wording follows the project's labeling guide (docs/labeling-guide.md), which
agrees with the shared specification.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Label", "LABELS", "LABEL_IDS", "normalize_label"]


@dataclass(frozen=True)
class Label:
    """One claim label: the id used in CSVs and the API, a name and a one-line test."""

    id: str
    name: str
    definition: str


LABELS: tuple[Label, ...] = (
    Label(
        "attributed_fact",
        "Attributed fact",
        "Presented as established: told by the writer as fact, or sourced to evidence "
        "or to an accountable, non-official source.",
    ),
    Label(
        "official_claim",
        "Official claim",
        "An assertion made by an official or institution in its own voice: said, "
        "claimed, denied, accused, vowed, ordered, 'according to the ministry'.",
    ),
    Label(
        "speculation",
        "Speculation",
        "Conjecture: a prediction, possibility, hypothesis or open question, marked by "
        "hedges or modals, whoever voices it.",
    ),
    Label(
        "rumor",
        "Rumor",
        "Unverified information circulating from unnamed, anonymous or diffuse "
        "sources, or flagged as unconfirmed.",
    ),
)

#: Label ids in the canonical order used for score vectors everywhere.
LABEL_IDS: tuple[str, ...] = tuple(label.id for label in LABELS)


def normalize_label(raw: str) -> str | None:
    """Map a user-written label to its id, or return None when it is not a label.

    Accepts case, surrounding space, inner spaces and hyphens as variants
    ("Official claim", "official-claim", " RUMOR "), and the British spelling
    "rumour".

    Parameters
    ----------
    raw : str
        The label as written in a CSV cell or a request.

    Returns
    -------
    str or None
        The canonical label id, or None.
    """
    key = "_".join(raw.strip().lower().replace("-", " ").replace("_", " ").split())
    if key == "rumour":
        key = "rumor"
    return key if key in LABEL_IDS else None
