"""Cue features: the scikit-learn transformer contract and each cue family."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn.feature_extraction.text import TfidfVectorizer

from training.cues import TOKEN_PATTERN, CueFeatures, cue_matches, word_tokens


@parametrize_with_checks([CueFeatures(), CueFeatures(max_count=1, combinations=False)])
def test_sklearn_transformer_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "text, family, expected",
    [
        ("The spokesman said the talks had ended.", "neutral_reporting_verb", ["said"]),
        ("The minister insisted the figures were right.", "assertive_reporting_verb", ["insisted"]),
        ("The club denied the reports.", "denial_verb", ["denied"]),
        ("According to the ministry, 40 died.", "according_to", ["According to"]),
        ("Police and the interior ministry were informed.", "official_actor", ["Police", "ministry"]),
        ("Sources said the deal was close.", "anonymous_source", ["Sources"]),
        ("He spoke on condition of anonymity.", "anonymous_source", ["condition of anonymity"]),
        ("Posts on social media claim the dam broke.", "diffuse_source", ["Posts", "social media"]),
        ("The singer is said to be ill.", "unverified_flag", ["is said to"]),
        ("The striker has reportedly left.", "unverified_flag", ["reportedly"]),
        ("Prices might rise.", "hedge_modal", ["might"]),
        ("Rates are expected to rise.", "forecast", ["are expected to"]),
        ("Economists believe it will pass.", "belief", ["believe"]),
        ("Hospital records show 41 were hurt.", "evidence_record", ["records show", "records"]),
        ("WHO said the outbreak was contained.", "official_actor", ["WHO"]),
        ("Dr Ames, who treated the victims, said three had burns.", "private_speaker", ["Dr"]),
        ("We're hearing the bridge has collapsed.", "unverified_flag", ["We're hearing"]),
        ("Sources close to the singer said she was ill.", "anonymous_source", ["Sources close to"]),
    ],
)
def test_each_family_finds_its_cue(text, family, expected):
    found = cue_matches(text)[family]
    assert all(cue in found for cue in expected), found


@pytest.mark.parametrize(
    "text, family",
    [
        ("Mr Adeyemi said the road was closed.", "frame_subject_said"),
        ("The road was closed, said the mayor.", "frame_said_subject"),
        ("BREAKING: bridge shut #storm http://t.co/Ab12", "post_marker"),
        ("It rose 3.5% to 1,200 units.", "number"),
        ('"We are ready," she said.', "quotation"),
        ("Will the truce hold?", "question"),
    ],
)
def test_shape_families(text, family):
    assert family in cue_matches(text)


def test_plain_narration_has_no_source_cues():
    found = cue_matches("The river burst its banks on Sunday, flooding homes in the lower town.")
    assert not {"unverified_flag", "anonymous_source", "hedge_modal", "official_actor"} & set(found)


@pytest.mark.parametrize(
    "text, family",
    [
        ("The man who found the wallet returned it.", "official_actor"),  # a pronoun, not the WHO
        ("Close to 300 people attended the vigil.", "anonymous_source"),
        ("The court hearing was adjourned until May.", "unverified_flag"),
    ],
)
def test_common_words_are_not_cues(text, family):
    assert family not in cue_matches(text)


def test_word_tokens_are_what_the_word_features_read():
    # The compiled inference path feeds these tokens to the word features; it must
    # not matter whether scikit-learn or word_tokens tokenised the sentence.
    analyse = TfidfVectorizer(token_pattern=TOKEN_PATTERN).build_analyzer()
    texts = ["BREAKING: #Flood hits @CityHall, don't panic?", "Rock’n’roll co-op's İstanbul café — 3.5%!",
             "a--b c-- --d #x #-y @@z x#y a_b 'quoted' e-mail ##tag _x_ 9-5 it's?"]
    for text in texts:  # ASCII and not: two patterns, one answer
        assert word_tokens(text) == analyse(text)


def test_phrase_must_be_contiguous():
    assert "unverified_flag" not in cue_matches("It is, he said, to be finished.")


def test_transform_values_and_combinations():
    features = CueFeatures().fit(["x"])
    names = list(features.get_feature_names_out())
    matrix = features.transform(["The minister said prices may rise, may fall, may stall, may soar."]).toarray()[0]
    assert matrix[names.index("cue:hedge_modal")] == 1.0  # four hedges, clipped at max_count=3
    assert matrix[names.index("cue:official_actor+hedge_modal")] == 1.0
    assert matrix[names.index("cue:question")] == 0.0
    assert np.all((matrix >= 0) & (matrix <= 1))


def test_rejects_non_text():
    with pytest.raises(ValueError, match="strings"):
        CueFeatures().fit([1, 2, 3])
    with pytest.raises(ValueError, match="single string"):
        CueFeatures().fit("one sentence")


def test_fitted_columns_are_checked_against_the_code():
    cues = CueFeatures().fit(["Officials said so."])
    cues.check_columns_match_code()  # fitted by this code: no complaint
    cues.feature_names_ = np.append(cues.feature_names_, "retired_family")
    with pytest.raises(ValueError, match=r"retired_family.*retrain"):
        cues.check_columns_match_code()


def test_fitted_lexicon_fingerprint_is_checked_against_the_code():
    cues = CueFeatures().fit(["Officials said so."])
    cues.cue_fingerprint_ = "0" * 16  # as if fitted with other lexicons or rules
    with pytest.raises(ValueError, match=r"lexicons and rules.*retrain"):
        cues.check_columns_match_code()


@pytest.mark.parametrize("text, denials", [
    ("The orchestra was denied permission to land at Rennick airfield.", 0),
    ("He was denied bail and the appeal was dismissed.", 0),
    ("The minister denied the report.", 1),
    ("The council rejected the plan, which had been rejected before.", 1),
])
def test_passive_denial_words_narrate_rather_than_deny(text, denials):
    from training.cues import FEATURE_FAMILIES, cue_counts

    assert cue_counts(text)[FEATURE_FAMILIES.index("denial_verb")] == denials


def test_link_digits_and_country_names_are_not_cues():
    from training.cues import FEATURE_FAMILIES, cue_counts

    link = cue_counts("Derby called off, pitch frozen http://t.co/Qw3rT5yU7i")
    assert link[FEATURE_FAMILIES.index("number")] == 0 and link[FEATURE_FAMILIES.index("post_marker")] == 1
    assert cue_counts("Derby moved to 9 May http://t.co/Qw3rT")[FEATURE_FAMILIES.index("number")] == 1
    reporting = FEATURE_FAMILIES.index("neutral_reporting_verb")
    assert cue_counts("Trade between the United States and Canada grew.")[reporting] == 0
    assert cue_counts("Her letter states plainly that the fund is empty.")[reporting] == 1


@pytest.mark.parametrize("text, family, expected", [
    ("US farm exports fell in March.", "first_person", 0),  # the country
    ("Tell us what you saw.", "first_person", 1),
    ("The suspect was arrested at the border.", "belief", 0),  # a noun
    ("Investigators suspect the fire was started deliberately.", "belief", 1),
    ("The campaign alleged that the data had been stolen.", "assertive_reporting_verb", 1),
    ("He faces trial over the alleged fraud.", "assertive_reporting_verb", 0),
])
def test_words_read_in_their_news_sense(text, family, expected):
    from training.cues import FEATURE_FAMILIES, cue_counts

    assert cue_counts(text)[FEATURE_FAMILIES.index(family)] == expected
