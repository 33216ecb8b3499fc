"""Offline (batch) scoring of CSV / Parquet files in bounded memory, and of partition folders
with Dask.

The input's columns are checked against the model's signature before any row is scored; rows
are read, scored and written chunk by chunk; the output appears atomically (a temporary file in
the same folder, then ``os.replace``). The output holds one ``prediction`` column, plus one
``proba_<class>`` column per class with ``proba=True``, in the input's row order.
"""

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline._csv import check_field_counts
from pipeline.serving.errors import SchemaError
from pipeline.serving.model_loader import LoadedModel, load_model, load_model_cached

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
DEFAULT_CHUNKSIZE = 50_000
SCORING_ROWS = 8_192


def file_format(path):
    """``"csv"`` or ``"parquet"`` from the file name's extension."""
    name = Path(path).name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise ValueError(
        f"cannot tell the format of {str(path)!r} from its extension; use one of "
        f"{CSV_SUFFIXES + PARQUET_SUFFIXES}"
    )


def predict_file(
    model,
    input_path,
    output_path,
    *,
    proba=False,
    chunksize=DEFAULT_CHUNKSIZE,
    progress=None,
    explain=False,
):
    """Score a CSV or Parquet file chunk by chunk and write the predictions atomically.

    Parameters
    ----------
    model : str, os.PathLike or LoadedModel
        The exported model folder or a loaded model.
    input_path, output_path : str or os.PathLike
        ``.csv`` / ``.parquet`` files (the format is read from the extension).
    proba : bool, default False
        Also write one ``proba_<class>`` column per class.
    chunksize : int, default 50,000
        Rows per chunk; memory grows with it, not with the file.
    progress : bool or None, default None
        Print progress to stderr; None prints only when stderr is a terminal.
    explain : bool, default False
        Also write an ``explanation`` column: each row's rule path in raw units as JSON.

    Returns
    -------
    int
        The number of rows scored.
    """
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    input_path, output_path = Path(input_path), Path(output_path)
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer; got {chunksize!r}")
    if not input_path.is_file():
        raise FileNotFoundError(f"input file {str(input_path)!r} does not exist")
    in_format, out_format = file_format(input_path), file_format(output_path)
    if input_path.resolve() == output_path.resolve():
        raise ValueError("the output file must differ from the input file")
    if output_path.is_dir():
        raise ValueError(
            f"the output {str(output_path)!r} is a directory; give a file name such as "
            f"{str(output_path / ('predictions.' + out_format))!r}"
        )
    reader = _ParquetChunks if in_format == "parquet" else _CsvChunks
    chunks = reader(input_path, loaded.signature, chunksize)
    loaded.signature.check_names(chunks.columns)
    if progress is None:
        progress = sys.stderr.isatty()
    meter = _Progress(chunks.total_rows) if progress else None
    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(
        prefix=f".{output_path.name}.", suffix=".tmp", dir=output_path.parent
    )
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    writer = None
    n_rows = 0
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would outlive the rename
        writer = _ParquetWriter(tmp) if out_format == "parquet" else _CsvWriter(tmp)
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            out = score_frame(loaded, chunk, proba=proba, explain=explain)
            writer.write(out)
            n_rows += len(out)
            if meter:
                meter.update(n_rows)
        if n_rows == 0:
            raise SchemaError(f"{str(input_path)!r} has no rows to score")
        writer.close()
        os.replace(tmp, output_path)
    except BaseException:
        if writer is not None:
            with contextlib.suppress(OSError):  # closing flushes, which fails on a full disk
                writer.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if meter:
            meter.done(n_rows)
    return n_rows


def score_frame(loaded, frame, proba=False, explain=False):
    """Predictions (and probabilities) for one DataFrame chunk, as a DataFrame.

    The chunk is scored in slices of ``SCORING_ROWS`` rows: the numeric matrix of a slice (one
    column per one-hot category) is far bigger than the slice's text, so this bounds memory.
    """
    loaded.signature.check_names(frame.columns)
    parts, texts = [], []
    for start in range(0, len(frame), SCORING_ROWS):
        columns = frame_to_columns(loaded.signature, frame.iloc[start : start + SCORING_ROWS])
        parts.append(loaded.predict_columns(columns, proba))
        if explain:
            from pipeline.serving.explain import explanation_texts

            texts.extend(explanation_texts(loaded, columns))
    predictions = np.concatenate([p[0] for p in parts])
    probabilities = np.concatenate([p[1] for p in parts]) if proba else None
    out = {"prediction": predictions}
    if probabilities is not None:
        for j, cls in enumerate(loaded.classes.tolist()):
            out[f"proba_{cls}"] = probabilities[:, j]
    if explain:
        out["explanation"] = texts
    return pd.DataFrame(out)


def frame_to_columns(signature, frame):
    """A DataFrame's columns as the fast path wants them (float arrays / lists with None)."""
    columns = {}
    for spec in signature.columns:
        if spec.name not in frame:
            columns[spec.name] = [None] * len(frame)
            continue
        series = frame[spec.name]
        if spec.is_numeric:
            if series.dtype.kind not in "iufb":
                converted = pd.to_numeric(series, errors="coerce")
                bad = converted.isna() & series.notna()
                if bad.any():
                    row = int(np.flatnonzero(bad.to_numpy())[0])
                    raise SchemaError(
                        f"column {spec.name!r} has type {spec.type!r} but holds the "
                        f"non-numeric value {series.iloc[row]!r}"
                    )
                series = converted
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            if not np.isfinite(values[~np.isnan(values)]).all():
                raise SchemaError(f"column {spec.name!r} holds infinite values")
            columns[spec.name] = values
        else:
            if spec.type == "string" and series.dtype.kind in "iufb":
                raise SchemaError(
                    f"column {spec.name!r} has type 'string' but holds numbers; quote them"
                )
            columns[spec.name] = series.to_numpy(dtype=object, na_value=None).tolist()
    return columns


class _CsvChunks:
    def __init__(self, path, signature, chunksize):
        self.path, self.chunksize = path, chunksize
        self.columns = list(pd.read_csv(path, nrows=0).columns)
        try:  # pandas would fill a short (truncated) row with NaN and score it
            check_field_counts(path, len(self.columns))
        except ValueError as exc:
            raise SchemaError(str(exc)) from None
        self.dtypes = {
            s.name: "str"
            for s in signature.columns
            if s.type == "string" and s.name in self.columns
        }
        self.total_rows = None

    def __iter__(self):
        with pd.read_csv(
            self.path,
            chunksize=self.chunksize,
            dtype=self.dtypes,
        ) as reader:
            yield from reader


class _ParquetChunks:
    def __init__(self, path, signature, chunksize):
        import pyarrow.parquet as pq

        self.file = pq.ParquetFile(path)
        self.chunksize = chunksize
        self.columns = list(self.file.schema_arrow.names)
        self.total_rows = self.file.metadata.num_rows

    def __iter__(self):
        for batch in self.file.iter_batches(batch_size=self.chunksize):
            yield batch.to_pandas()


class _CsvWriter:
    def __init__(self, path):
        self.handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.header = True

    def write(self, frame):
        frame.to_csv(self.handle, header=self.header, index=False)
        self.header = False

    def close(self):
        self.handle.close()


class _ParquetWriter:
    def __init__(self, path):
        self.path, self.writer = path, None

    def write(self, frame):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _Progress:
    def __init__(self, total):
        self.total, self.start = total, time.monotonic()

    def update(self, n_rows):
        elapsed = time.monotonic() - self.start
        rate = n_rows / elapsed if elapsed > 0 else 0.0
        if self.total:
            text = f"scored {n_rows:,}/{self.total:,} rows ({100 * n_rows / self.total:.0f}%)"
        else:
            text = f"scored {n_rows:,} rows"
        sys.stderr.write(f"\r{text}, {rate:,.0f} rows/s")
        sys.stderr.flush()

    def done(self, n_rows):
        sys.stderr.write("\n")
        sys.stderr.flush()


# --------------------------------------------------------------------------- dask
def _partition_files(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"input folder {str(folder)!r} does not exist")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
    formats = {
        file_format(p) for p in files if p.name.lower().endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)
    }
    if not files or len(formats) != 1:
        raise ValueError(
            f"{str(folder)!r} must hold partition files of one format (.csv or .parquet); "
            f"found {[p.name for p in files][:10]}"
        )
    return files, formats.pop()


def _score_partition(frame, model_dir, proba):
    loaded = load_model_cached(model_dir)
    out = score_frame(loaded, frame, proba=proba)
    out.index = frame.index
    return out


def predict_partitions(model, input_dir, output_dir, *, proba=False, scheduler=None, n_workers=2):
    """Score a folder of CSV or Parquet partitions with Dask, one output partition per input.

    Parameters
    ----------
    model : str or os.PathLike
        The exported model folder (each worker loads it once).
    input_dir : str or os.PathLike
        A folder of ``.csv`` or ``.parquet`` files.
    output_dir : str or os.PathLike
        The folder to write (``part.N.parquet`` or ``part.N.csv``, the input's format); it is
        written under a temporary name and moved into place when complete.
    proba : bool, default False
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``); by default a local cluster
        on the loopback interface.
    n_workers : int, default 2
        Workers of the local cluster.

    Returns
    -------
    int
        The number of rows scored.
    """
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            "--engine dask needs the dask extra: pip install 'cartflow[dask]'"
        ) from exc
    model_dir = str(Path(model).resolve())
    loaded = load_model(model_dir)  # fail fast, before starting a cluster
    files, fmt = _partition_files(input_dir)
    strings = {s.name: "str" for s in loaded.signature.columns if s.type == "string"}
    if fmt == "parquet":
        frame = dd.read_parquet([str(f) for f in files])
    else:
        header = list(pd.read_csv(files[0], nrows=0).columns)
        frame = dd.read_csv(
            [str(f) for f in files],
            dtype={k: v for k, v in strings.items() if k in header},
            blocksize=None,
        )
    loaded.signature.check_names(frame.columns)
    meta = _output_meta(loaded, proba)
    scored = frame.map_partitions(_score_partition, model_dir, proba, meta=meta)

    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                processes=True,
            )
            client = Client(cluster)
        with client:
            if fmt == "parquet":
                scored.to_parquet(str(staging), write_index=False)
            else:
                scored.to_csv(str(staging / "part.*.csv"), index=False)
        n_rows = _count_rows(staging, fmt)
        _replace_folder(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if cluster is not None:
            cluster.close()
    return n_rows


def _count_rows(folder, fmt):
    """Rows written to a folder of output partitions (read from metadata / line counts)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("*.parquet"))
    total = 0
    for path in folder.glob("*.csv"):
        with open(path, "rb") as handle:
            total += sum(1 for _ in handle) - 1  # predictions hold no line breaks
    return total


def _output_meta(loaded, proba):
    kind = loaded.classes.dtype if loaded.classes is not None else np.float64
    meta = {"prediction": pd.Series(dtype="str" if kind.kind in "OUS" else kind)}
    if proba and loaded.classes is not None:
        for cls in loaded.classes.tolist():
            meta[f"proba_{cls}"] = pd.Series(dtype=np.float64)
    return pd.DataFrame(meta)


def _replace_folder(staging, target):
    if target.exists():
        if not target.is_dir():
            raise ValueError(f"{str(target)!r} exists and is not a folder")
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)
