"""``cartflow serve`` and ``cartflow predict`` refuse, at start, a model that cannot score its own
input example (issue 17, class 5) instead of answering every request with an error."""

import json

import pytest
from serving_support import adult_features, make_model_folder

from pipeline.serving.cli import main as cli_main


@pytest.fixture(scope="module")
def unscorable_model(tmp_path_factory):
    """A model whose encoder rejects unknown categories, exported with an example it never saw."""
    folder, _ = make_model_folder(
        tmp_path_factory.mktemp("m") / "model",
        n_rows=600,
        handle_unknown="error",
        impute_categories=False,
    )
    example_file = folder / "input_example.json"
    example = json.loads(example_file.read_text())
    column = example["columns"].index("native_country")
    for row in example["data"]:
        row[column] = "Atlantis"
    example_file.write_text(json.dumps(example))
    return folder


def test_serve_refuses_a_model_that_cannot_score_its_example(unscorable_model, capsys, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    code = cli_main(["serve", "--model", str(unscorable_model), "--port", "0"])
    assert code == 2 and not started
    err = capsys.readouterr().err
    assert "cannot score its own input example" in err and "Atlantis" in err


def test_predict_refuses_a_model_that_cannot_score_its_example(unscorable_model, tmp_path, capsys):
    X, _ = adult_features(20)
    source = tmp_path / "in.csv"
    X.to_csv(source, index=False)
    code = cli_main(
        [
            "predict",
            "--model",
            str(unscorable_model),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out.csv"),
        ]
    )
    assert code == 2
    assert "cannot score its own input example" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_a_model_file_changed_after_export_is_refused(tmp_path):
    from pipeline.serving.errors import ModelLoadError
    from pipeline.serving.model_loader import load_model

    folder, _ = make_model_folder(tmp_path / "model", n_rows=300)
    load_model(folder)  # the untouched export loads
    model_json = folder / "model.json"
    model_json.write_text(model_json.read_text().replace('"max_depth": 8', '"max_depth": 7'))
    with pytest.raises(ModelLoadError, match="modified after export: MLmodel records"):
        load_model(folder)
