"""Fixtures of the serving tests: one exported model folder and one live server per session."""

import pytest
from serving_support import make_model_folder, running_server


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """(model folder, fitted in-process model) exported like the workflow's train step."""
    return make_model_folder(tmp_path_factory.mktemp("serving") / "model")


@pytest.fixture(scope="session")
def model_dir(exported):
    return exported[0]


@pytest.fixture(scope="session")
def fitted_model(exported):
    return exported[1]


@pytest.fixture(scope="session")
def loaded(model_dir):
    from pipeline.serving.model_loader import load_model

    return load_model(model_dir)


@pytest.fixture(scope="session")
def server(model_dir):
    """Base URL of a real ``serve`` subprocess on a free loopback port (small limits)."""
    with running_server(model_dir, "--max-body-bytes", 2_000_000, "--max-rows", 5000) as (
        url,
        _,
    ):
        yield url
