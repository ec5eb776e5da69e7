import pytest

from tests.conftest import TINY_CORPUS, write_csv
from training import CorpusError, read_corpus

HEADER = "text,label\n"


def problems_of(paths, **kwargs):
    with pytest.raises(CorpusError) as info:
        read_corpus(paths, **kwargs)
    return info.value.problems


def test_reads_bom_extra_columns_and_label_variants(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        "\ufefftopic,Text,LABEL,note\nx,Rain fell.,Attributed fact,n\ny,It may rain.,SPECULATION,\n",
    )
    corpus = read_corpus([path])
    assert corpus.texts == ["Rain fell.", "It may rain."]
    assert corpus.labels == ["attributed_fact", "speculation"]
    assert corpus.origins == [f"{path}:2", f"{path}:3"]


def test_reads_a_folder_recursively_in_sorted_order(tmp_path):
    write_csv(tmp_path / "b" / "2.csv", HEADER + "Second.,rumor\n")
    write_csv(tmp_path / "a.csv", HEADER + "First.,rumor\n")
    (tmp_path / "notes.txt").write_text("ignored")
    corpus = read_corpus([tmp_path])
    assert corpus.texts == ["First.", "Second."]
    assert len(corpus.files) == 2


def test_missing_column_names_file_and_header(tmp_path):
    path = write_csv(tmp_path / "a.csv", "sentence,label\nRain fell.,rumor\n")
    [problem] = problems_of([path])
    assert problem.path == str(path) and problem.line == 1
    assert "text" in problem.message and "sentence" in problem.message


def test_unknown_label_lists_valid_labels_with_line(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER + "Rain fell.,rumor\nSnow fell.,gossip\n")
    [problem] = problems_of([path])
    assert problem.line == 3
    assert "'gossip'" in problem.message
    for label in ("attributed_fact", "official_claim", "speculation", "rumor"):
        assert label in problem.message


def test_empty_and_blank_text_are_errors(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER + ",rumor\n\"   \",rumor\nOk.,rumor\n")
    found = problems_of([path])
    assert [(p.line, p.message) for p in found] == [(2, "empty text"), (3, "empty text")]


def test_text_over_limit_is_an_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER + "Short.,rumor\n" + "x" * 51 + ",rumor\n")
    [problem] = problems_of([path], max_text_chars=50)
    assert problem.line == 3 and "51 characters" in problem.message and "50" in problem.message


def test_undecodable_bytes_name_the_line(tmp_path):
    path = write_csv(tmp_path / "a.csv", b"text,label\nFine.,rumor\nCaf\xe9 closed.,rumor\n")
    [problem] = problems_of([path])
    assert problem.line == 3 and "UTF-8" in problem.message


def test_conflicting_labels_name_both_places(tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER + "The dam broke.,rumor\n")
    second = write_csv(tmp_path / "b.csv", HEADER + "Other.,rumor\nThe dam broke.,attributed_fact\n")
    [problem] = problems_of([first, second])
    assert problem.path == str(second) and problem.line == 3
    assert f"{first}:2" in problem.message


def test_exact_duplicates_are_dropped_and_counted(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER + "A.,rumor\nB.,rumor\nA.,Rumor\n A. ,rumor\n")
    corpus = read_corpus([path])
    assert corpus.texts == ["A.", "B."]
    assert corpus.duplicates_dropped == 2


def test_multiline_quoted_text_reports_the_starting_line(tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER + '"Line one\nline two.",rumor\nBad.,nope\n')
    [problem] = problems_of([path])
    assert problem.line == 4


def test_all_problems_are_collected_across_files(tmp_path):
    a = write_csv(tmp_path / "a.csv", HEADER + "A.,nope\n")
    b = write_csv(tmp_path / "b.csv", HEADER + ",rumor\n")
    assert len(problems_of([a, b])) == 2


def test_missing_path_and_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    found = problems_of([tmp_path / "nope.csv", tmp_path / "empty"])
    assert "no such file" in found[0].message and "no .csv" in found[1].message


def test_short_row_is_an_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", "label,text\nrumor\n")
    [problem] = problems_of([path])
    assert problem.line == 2 and "field" in problem.message


def test_sha256_depends_on_content_not_layout(tmp_path):
    a = write_csv(tmp_path / "a.csv", "label,text,x\nrumor,A.,1\n")
    b = write_csv(tmp_path / "b.csv", HEADER + "A.,rumor\n")
    c = write_csv(tmp_path / "c.csv", HEADER + "A.,speculation\n")
    assert read_corpus([a]).sha256() == read_corpus([b]).sha256() != read_corpus([c]).sha256()


def test_tiny_fixture_is_valid():
    assert len(read_corpus([TINY_CORPUS])) == 48
