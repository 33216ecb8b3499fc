"""Reading and writing the tables the steps pass to each other (CSV with stable bytes)."""

from pathlib import Path

from pipeline.workflow.fsutil import atomic_write_bytes

TABLE_FILE = "data.csv"


def read_table(folder_or_file):
    """Read a table artifact (``data.csv``) with pandas; empty fields are missing values.

    Only empty fields are missing: text such as ``NA`` or ``None`` stays text.
    """
    import pandas as pd

    path = Path(folder_or_file)
    if path.is_dir():
        path = path / TABLE_FILE
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def read_table_with_sha256(folder_or_file):
    """``(frame, sha256 of the bytes parsed)``: the file is read once, hashed and parsed."""
    import hashlib
    import io

    import pandas as pd

    path = Path(folder_or_file)
    if path.is_dir():
        path = path / TABLE_FILE
    data = path.read_bytes()
    frame = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    return frame, hashlib.sha256(data).hexdigest()


def write_table(frame, folder):
    """Write ``frame`` as ``folder/data.csv`` (no index, ``\\n`` line ends, pandas' float repr)."""
    text = frame.to_csv(index=False, lineterminator="\n")
    atomic_write_bytes(Path(folder) / TABLE_FILE, text.encode("utf-8"))
    return Path(folder) / TABLE_FILE


def features_and_target(config):
    """(feature column names in model order, target column name)."""
    model = config["model"]
    return model["numeric_features"] + model["categorical_features"], config["data"]["target"]
