"""preprocess and check_data on small frames and on the bundled data."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from pipeline.datasets import ADULT_COLUMNS, adult_path, load_adult
from pipeline.workflow.config import load_config
from pipeline.workflow.errors import DataCheckError
from pipeline.workflow.steps.check_data import deterministic_failures, drift_tests
from pipeline.workflow.steps.preprocess import clean_frame


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return load_config(cwd=tmp_path_factory.mktemp("cfg"))[0]


@pytest.fixture(scope="module")
def adult(config):
    raw = pd.read_csv(adult_path(), header=None, dtype=str, keep_default_na=False)
    return clean_frame(raw, config["data"]["columns"], config["data"]["na_values"])


def test_clean_frame_matches_an_independent_reading_of_the_file(adult):
    expected = load_adult()  # pandas' own skipinitialspace / na_values parsing
    pd.testing.assert_frame_equal(adult, expected, check_dtype=False)
    assert adult["age"].dtype == np.int64
    assert adult["workclass"].isna().sum() == (expected["workclass"].isna()).sum() > 0


def test_clean_frame_strips_both_sides_and_marks_missing():
    raw = pd.DataFrame({0: [" 1 ", "2", " ?"], 1: ["  a", "b  ", " ? "]})
    clean = clean_frame(raw, ["n", "s"], ["?"])
    assert clean["n"].tolist()[:2] == [1.0, 2.0] and np.isnan(clean["n"][2])
    assert clean["s"].tolist()[:2] == ["a", "b"] and pd.isna(clean["s"][2])


def test_clean_frame_rejects_a_file_with_another_number_of_fields():
    raw = pd.DataFrame({0: ["1"], 1: ["2"]})
    with pytest.raises(DataCheckError, match="2 fields per row but data.columns names 3"):
        clean_frame(raw, ["a", "b", "c"], ["?"])


def test_bundled_data_passes_every_check(adult, config):
    assert deterministic_failures(adult, config) == []
    results = drift_tests(adult, adult, config["model"]["numeric_features"], 0.05)
    assert len(results) == 6 and not any(r["drifted"] for r in results)


def test_each_deterministic_check_reports_its_failure(adult, config):
    bad = adult.drop(columns=["race"]).copy()
    bad["age"] = bad["age"].astype(float)
    bad.loc[0, "age"] = 300
    bad.loc[1, "high_income"] = "maybe"
    bad["capital_loss"] = bad["capital_loss"].astype(str)
    bad.loc[bad.index[:5000], "occupation"] = np.nan
    failures = deterministic_failures(bad, config)
    text = "\n".join(failures)
    assert "required column(s) missing: race" in text
    assert "1 value(s) of 'age' outside [0.0, 120.0]" in text
    assert "unknown class(es) ['maybe']" in text
    assert "numeric column 'capital_loss'" in text
    assert "of 'occupation' is missing" in text
    assert len(failures) == 5
    small = adult.head(10)
    failures = deterministic_failures(small, config)
    assert any("fewer than data.checks.min_rows" in f for f in failures)
    one_class = adult[adult["high_income"] == "<=50K"]
    assert any("training needs 2" in f for f in deterministic_failures(one_class, config))


def test_drift_uses_ks_with_bonferroni(adult):
    rng = np.random.default_rng(0)
    sample = adult.sample(3000, random_state=1).reset_index(drop=True)
    shifted = sample.copy()
    shifted["age"] = shifted["age"] + 5
    columns = ["age", "hours_per_week", "fnlwgt"]
    results = {r["column"]: r for r in drift_tests(shifted, adult, columns, 0.05)}
    expected = ks_2samp(shifted["age"], adult["age"])
    assert results["age"]["pvalue"] == pytest.approx(expected.pvalue)
    assert results["age"]["statistic"] == pytest.approx(expected.statistic)
    assert results["age"]["threshold"] == pytest.approx(0.05 / 3)
    assert results["age"]["drifted"]
    assert not results["hours_per_week"]["drifted"]
    # a p-value between alpha/m and alpha does not count as drift after the correction
    noise = pd.DataFrame({"x": rng.normal(size=400)})
    base = pd.DataFrame({"x": rng.normal(0.17, 1, size=400)})
    p = ks_2samp(noise["x"], base["x"]).pvalue
    assert 0.01 < p < 0.05  # the seed was picked so
    single = drift_tests(noise, base, ["x"], 0.05)[0]
    assert single["threshold"] == 0.05 and single["drifted"]
    many = noise.copy()
    for k in range(1, 5):
        many[f"x{k}"] = noise["x"]
        base[f"x{k}"] = base["x"]
    results = drift_tests(many, base, ["x", "x1", "x2", "x3", "x4"], 0.05)
    assert all(r["threshold"] == pytest.approx(0.01) for r in results)
    assert not any(r["drifted"] for r in results)


def test_adult_columns_constant_matches_config(config):
    assert config["data"]["columns"] == ADULT_COLUMNS
