"""The datasets shipped inside the package, so that nothing needs the internet."""

from importlib import resources
from pathlib import Path

import pandas as pd

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "high_income",
]
ADULT_TARGET = "high_income"
ADULT_SHA256 = "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d"
"""sha256 of the uncompressed UCI ``adult.data`` file (the gzip copy is ``adult.data.gz``)."""


def adult_path() -> Path:
    """Path of the bundled gzip copy of the UCI Adult training data (32,561 rows)."""
    return Path(str(resources.files("pipeline") / "data" / "adult.data.gz"))


def load_adult(clean: bool = True) -> pd.DataFrame:
    """Load the bundled UCI Adult data as a DataFrame.

    Parameters
    ----------
    clean : bool, default True
        Strip the whitespace around every value and read ``?`` as missing. With ``False`` the
        values are returned exactly as published (leading spaces, ``?`` markers).

    Returns
    -------
    pandas.DataFrame
        One row per person, the columns of ``ADULT_COLUMNS``; the target is ``high_income``
        (``"<=50K"`` or ``">50K"``).
    """
    if not clean:
        return pd.read_csv(adult_path(), header=None, names=ADULT_COLUMNS)
    return pd.read_csv(
        adult_path(),
        header=None,
        names=ADULT_COLUMNS,
        na_values=["?"],
        skipinitialspace=True,
    )
