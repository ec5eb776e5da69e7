import json
import subprocess
import sys


from tests.conftest import TINY_CORPUS, write_csv
from training.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_prints_counts(capsys):
    code, out, _ = run(capsys, "validate", str(TINY_CORPUS))
    assert code == 0 and "48 rows" in out and "rumor" in out


def test_validate_bad_data_exits_2_with_file_and_line(capsys, tmp_path):
    path = write_csv(tmp_path / "bad.csv", "text,label\nA.,rumor\nB.,gossip\n")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and f"{path}:3" in err and "gossip" in err


def test_train_writes_a_model_and_reports_scores(capsys, tmp_path):
    out_dir = tmp_path / "m"
    code, out, err = run(capsys, "train", "--data", str(TINY_CORPUS), "--out", str(out_dir), "--cv-folds", "3")
    assert code == 0 and (out_dir / "model.joblib").exists()
    assert "cross validation" in out and "macro-F1" in out
    assert "fitting the final model" in err


def test_evaluate_json_has_the_documented_keys(capsys, trained_model_dir):
    code, out, _ = run(capsys, "evaluate", "--model", str(trained_model_dir), "--data", str(TINY_CORPUS),
                       "--json", "--quiet")
    result = json.loads(out)
    assert code == 0 and {"macro_f1", "per_label", "confusion"} <= set(result)
    assert result["n"] == 48


def test_evaluate_with_missing_model_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "evaluate", "--model", str(tmp_path / "none"), "--data", str(TINY_CORPUS))
    assert code == 2 and "no model directory" in err


def test_predict_reads_lines_and_csv(capsys, tmp_path, trained_model_dir):
    lines = write_csv(tmp_path / "in.txt", "Police said two men were arrested.\n\nIt may rain tomorrow.\n")
    code, out, _ = run(capsys, "predict", "--model", str(trained_model_dir), "--input", str(lines))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["text"] for r in records] == ["Police said two men were arrested.", "It may rain tomorrow."]
    assert all(set(r["scores"]) == {"attributed_fact", "official_claim", "speculation", "rumor"} for r in records)
    table = write_csv(tmp_path / "in.csv", "id,text\n1,Shares rose 4%.\n")
    code, out, _ = run(capsys, "predict", "--model", str(trained_model_dir), "--input", str(table))
    assert code == 0 and json.loads(out)["text"] == "Shares rose 4%."


def test_predict_csv_without_text_column_exits_2(capsys, tmp_path, trained_model_dir):
    table = write_csv(tmp_path / "in.csv", "id,sentence\n1,x\n")
    code, _, err = run(capsys, "predict", "--model", str(trained_model_dir), "--input", str(table))
    assert code == 2 and "text" in err


def test_unexpected_failure_exits_1_without_traceback(capsys, tmp_path, monkeypatch):
    import training.cli

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(training.cli, "train", boom)
    code, _, err = run(capsys, "train", "--data", str(TINY_CORPUS), "--out", str(tmp_path / "m"))
    assert code == 1 and "disk full" in err and "Traceback" not in err


def test_module_entry_point_and_usage_errors():
    done = subprocess.run([sys.executable, "-m", "training", "validate", str(TINY_CORPUS)], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "48 rows" in done.stdout
    done = subprocess.run([sys.executable, "-m", "training", "bogus"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_evaluate_writes_a_report_with_calibration_and_confident_errors(capsys, tmp_path, trained_model_dir):
    data = write_csv(tmp_path / "eval.csv", "text,label\nPolice said two men were arrested.,rumor\n"
                     "It may rain tomorrow.,speculation\nRumours spread that the dam broke.,rumor\n")
    code, out, _ = run(capsys, "evaluate", "--model", str(trained_model_dir), "--data", str(data),
                       "--report", str(tmp_path / "report"), "--quiet")
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert code == 0 and report["n"] == 3 and "calibration" in report
    wrong = [e for e in report["confident_errors"]]
    assert all(e["true"] != e["predicted"] for e in wrong)
    assert {e["origin"] for e in wrong} <= {f"{data}:{line}" for line in (2, 3, 4)}
    assert "macro-F1" in (tmp_path / "report" / "report.md").read_text() and "macro-F1" in out
