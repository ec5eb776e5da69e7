import pytest

from training import LABEL_IDS, normalize_label


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("official_claim", "official_claim"),
        ("Official claim", "official_claim"),
        ("official-claim", "official_claim"),
        ("  ATTRIBUTED FACT ", "attributed_fact"),
        ("Rumour", "rumor"),
        ("speculation", "speculation"),
        ("fact", None),
        ("", None),
        ("official claims", None),
    ],
)
def test_normalize_label_accepts_variants_only(raw, expected):
    assert normalize_label(raw) == expected


def test_label_order_is_the_guide_order():
    assert LABEL_IDS == ("attributed_fact", "official_claim", "speculation", "rumor")
