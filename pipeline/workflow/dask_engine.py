"""``train.engine: dask``: the pipeline's tree trained on a Dask cluster.

The transformers are fitted here, on the training rows; their output is split into
``train.partitions`` partitions of a Dask Array and the tree (``splitter="hist"``) is trained
on it by :mod:`tree.dask` on the scheduler at ``train.scheduler``, or on a local cluster. The
fitted pipeline is the same object as a local fit's: with at most 200,000 rows its tree is the
local ``splitter="hist"`` tree.
"""

import math
import warnings

import numpy as np


def fit_on_dask(model, X, y, train_config):
    """Fit ``model`` (a Pipeline ending in a tree) with its tree trained on Dask."""
    try:
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise RuntimeError(
            "train.engine: dask needs the dask extra: pip install 'cartflow[dask]'"
        ) from exc
    transformed = model[:-1].fit_transform(X, y)
    targets = np.asarray(y)
    rows = max(1, math.ceil(len(targets) / train_config["partitions"]))
    if hasattr(transformed, "columns"):  # a DataFrame: the tree keeps its column names
        import dask.dataframe as dd
        import pandas as pd

        X_dask = dd.from_pandas(transformed.reset_index(drop=True), chunksize=rows)
        y_dask = dd.from_pandas(pd.Series(targets), chunksize=rows)
    else:
        transformed = np.asarray(transformed, dtype=np.float64)
        X_dask = da.from_array(transformed, chunks=(rows, transformed.shape[1]))
        y_dask = da.from_array(targets, chunks=rows)
    tree = model.steps[-1][1]
    scheduler = train_config["scheduler"]
    with warnings.catch_warnings():
        # the rows start in this process by design, so their graph is large
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        if scheduler is None:
            with (
                LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
                Client(cluster),
            ):
                tree.fit(X_dask, y_dask)
        else:
            with Client(scheduler):
                tree.fit(X_dask, y_dask)
    return model
