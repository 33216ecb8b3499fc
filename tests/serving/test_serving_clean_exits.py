"""``cartflow predict`` validates its input where it enters and fails with one line and no
leftover files (issue 17, classes 6 and 7)."""

import errno

import pytest
from serving_support import adult_features, make_model_folder

from pipeline.serving import batch
from pipeline.serving.cli import main as cli_main


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder, _ = make_model_folder(tmp_path_factory.mktemp("m") / "model", n_rows=600)
    return folder


@pytest.fixture
def source(tmp_path):
    X, _ = adult_features(30)
    path = tmp_path / "in.csv"
    X.to_csv(path, index=False)
    return path


def predict(model_dir, source, output):
    return cli_main(
        ["predict", "--model", str(model_dir), "--input", str(source), "--output", str(output)]
    )


def test_a_truncated_last_line_is_an_error_naming_the_line(model_dir, source, tmp_path, capsys):
    lines = source.read_text().splitlines()
    lines[-1] = ",".join(lines[-1].split(",")[:8])  # 8 of 14 fields
    source.write_text("\n".join(lines) + "\n")
    assert predict(model_dir, source, tmp_path / "out.csv") == 2
    err = capsys.readouterr().err
    assert f"line {len(lines)} of" in err and "has 8 fields, expected 14" in err
    assert not (tmp_path / "out.csv").exists()


def test_a_quoted_field_with_a_comma_still_counts_right(model_dir, source, tmp_path):
    lines = source.read_text().splitlines()
    fields = lines[1].split(",")
    fields[1] = '"Private, really"'
    lines[1] = ",".join(fields)
    source.write_text("\n".join(lines) + "\n")
    assert predict(model_dir, source, tmp_path / "out.csv") == 0


def test_an_output_path_that_is_a_directory(model_dir, source, tmp_path, capsys):
    target = tmp_path / "preds.csv"
    target.mkdir()
    assert predict(model_dir, source, target) == 2
    assert "is a directory; give a file name" in capsys.readouterr().err
    assert list(target.iterdir()) == [] and not list(tmp_path.glob(".*.tmp"))


def test_a_full_disk_leaves_no_temporary_file(model_dir, source, tmp_path, capsys, monkeypatch):
    def no_space(self, *args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch._CsvWriter, "write", no_space)
    monkeypatch.setattr(batch._CsvWriter, "close", no_space)
    assert predict(model_dir, source, tmp_path / "out" / "p.csv") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert list((tmp_path / "out").iterdir()) == []
