"""Binning for ``splitter="hist"``: each feature's values become at most ``max_bins`` codes.

The bin edges of a feature are computed once, from a seeded subsample of the training rows
(as scikit-learn's HistGradientBoosting bins): with at most ``max_bins`` distinct values, the
midpoints between consecutive distinct values (so that every distinct value has its own bin);
otherwise midpoints between quantiles of the subsample. A value ``x`` gets the code
``b = #{edges < x}``, so ``code <= b`` exactly when ``x <= edges[b]``: a split on bins is a
threshold in the feature's own units, and ``predict`` on raw X needs no binning. A missing
value gets the code ``max_bins`` (one bin more).

A categorical feature (native categorical splits, ``tree._categorical_hist``) gets one bin per
category seen in *any* training row, in increasing order of code (``category_bins``), its edges
the midpoints between consecutive codes. A local fit takes up to ``MAX_CATEGORY_BINS``
categories per feature: when a feature has more than ``max_bins``, every feature's histogram
gets that many bins (numeric features still use at most ``max_bins`` of them), the missing
values' bin moves past them, and the codes are uint16 instead of uint8.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tree._jit import borrowing_entry

DEFAULT_SUBSAMPLE = 200_000
MAX_CATEGORY_BINS = 65_535  # uint16 codes, the missing values' bin included


def midpoints(distinct):
    """Midpoints ``a/2 + b/2`` between consecutive sorted values (``a`` when rounding gives
    ``b``, as the exact splitter's thresholds)."""
    return midpoints_between(distinct[:-1], distinct[1:])


def midpoints_between(below, above):
    """The midpoints ``a/2 + b/2`` of the pairs of values ``below[k] < above[k]``."""
    a = below.astype(np.float64)
    b = above.astype(np.float64)
    mid = a / 2.0 + b / 2.0
    return np.where((mid == b) | np.isinf(mid), a, mid)


def feature_edges(column, max_bins):
    """The bin edges of one float32 column (NaN ignored), increasing float64."""
    values = np.sort(column)  # NaN last
    values = values[: values.size - np.count_nonzero(np.isnan(values))]
    if values.size == 0:
        return np.empty(0)
    distinct = values[np.concatenate(([True], values[1:] != values[:-1]))]
    if distinct.size <= max_bins:
        return midpoints(distinct)
    # quantiles: the midpoints of the order statistics around (n - 1) q
    h = (values.size - 1) * np.linspace(0.0, 1.0, max_bins + 1)[1:-1]
    below = values[np.floor(h).astype(np.int64)].astype(np.float64)
    above = values[np.ceil(h).astype(np.int64)].astype(np.float64)
    quantiles = below / 2.0 + above / 2.0
    # each edge between two values of the data, so that no bin is empty for the sample
    positions = np.searchsorted(distinct, quantiles, side="left")
    positions = np.unique(np.clip(positions, 1, distinct.size - 1))
    return midpoints_between(distinct[positions - 1], distinct[positions])


def category_bins(X32, is_categorical, max_bins):
    """Each categorical feature's categories (its distinct codes in every row, increasing), one
    bin each: ``bin_code`` int64 ``(n_features, n_bins + 1)``, the code of bin ``b`` of
    feature ``f`` at ``[f, b]`` (-1: no such bin; numeric features have none), where
    ``n_bins`` is ``max_bins`` or the largest number of categories of a feature if more."""
    present = {}
    for f in np.flatnonzero(is_categorical):
        column = np.asarray(X32[:, f], dtype=np.float32)
        present[f] = np.flatnonzero(np.bincount(column[~np.isnan(column)].astype(np.int64)))
    limit_reason = (
        f"{MAX_CATEGORY_BINS:,}, the most splitter='hist' gives a bin each. Merge the rare "
        "categories, or fit with splitter='best' (any number of categories)."
    )
    return category_table(present, X32.shape[1], max_bins, MAX_CATEGORY_BINS, limit_reason)


def category_table(present, n_features, max_bins, max_categories, limit_reason):
    """The ``bin_code`` table of ``category_bins`` from each categorical feature's distinct
    codes (``present``: feature -> increasing int64 codes), at most ``max_categories`` of them
    per feature; ``limit_reason`` ends the error message beyond (what the limit is, the way out)."""
    for f, codes in present.items():
        if codes.size > max_categories:
            raise ValueError(
                f"categorical feature {f} has {codes.size} categories, more than {limit_reason}"
            )
    largest = max((codes.size for codes in present.values()), default=0)
    bin_code = np.full((n_features, max(max_bins, largest) + 1), -1, dtype=np.int64)
    for f, codes in present.items():
        bin_code[f, : codes.size] = codes
    return bin_code


def n_bins_of(max_bins, bin_code):
    """The bins of every feature's histogram (the missing values' bin): ``max_bins``, or more
    when ``bin_code`` (``category_bins``, or None) gives a feature more categories."""
    return int(max_bins if bin_code is None else bin_code.shape[1] - 1)


def fit_bin_edges(X32, max_bins, subsample, rng, n_threads=1, bin_code=None):
    """Per feature, its bin edges from at most ``subsample`` rows of ``X32`` (float32 values,
    any numeric dtype) drawn with
    ``rng``: ``(edges (n_features, n_bins - 1) float64 padded with inf, n_edges int64)``,
    features on ``n_threads`` threads. A feature with categories in ``bin_code``
    (``category_bins``) gets the midpoints between its codes, and ``n_bins`` is the table's
    number of bins (``max_bins`` unless a feature has more categories)."""
    n, d = X32.shape
    rows = slice(None)
    if subsample is not None and n > subsample:
        # drawn by a Generator seeded from rng: 4 times faster than RandomState.choice
        sampler = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        rows = np.sort(sampler.choice(n, size=subsample, replace=False, shuffle=False))
    edges = np.full((d, max(n_bins_of(max_bins, bin_code) - 1, 1)), np.inf)
    n_edges = np.zeros(d, dtype=np.int64)

    sample = X32 if isinstance(rows, slice) else gather_rows(X32, rows, n_threads)

    def fit_feature(f):
        if bin_code is not None and bin_code[f, 0] >= 0:
            e = midpoints(bin_code[f][bin_code[f] >= 0])
        else:
            with np.errstate(over="ignore"):  # checked already (tree._checks.check_X)
                column = sample[:, f].astype(np.float32, copy=False)
            e = feature_edges(column, max_bins)
        edges[f, : e.size] = e
        n_edges[f] = e.size

    if n_threads > 1 and d > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:  # numpy sorts without the GIL
            list(pool.map(fit_feature, range(d)))
    else:
        for f in range(d):
            fit_feature(f)
    return edges, n_edges


def gather_rows(X, rows, n_threads):
    """``X[rows]`` (whole rows: a sampled row's values share cache lines, so one gather for
    every feature is four times faster than one per feature), row blocks on threads."""
    out = np.empty((rows.shape[0], X.shape[1]), dtype=X.dtype)
    bounds = np.linspace(0, rows.shape[0], n_threads + 1).astype(np.int64)

    def gather(k):
        np.take(X, rows[bounds[k] : bounds[k + 1]], axis=0, out=out[bounds[k] : bounds[k + 1]])

    if n_threads > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(gather, range(n_threads)))
    else:
        gather(0)
    return out


BIN_BLOCK_ROWS = 65_536  # rows binned per task
SEARCH_WIDTH = 256  # edges padded with inf to this many, so every search takes the same 8 steps


def bin_features(X32, edges, n_edges, missing_bin, n_threads=1):
    """The codes of ``X32`` (n_samples, n_features): uint8 of the same shape (uint16 when
    ``missing_bin`` exceeds 255), a sample's codes side by side (one or two cache lines),
    row blocks binned on ``n_threads`` threads."""
    n, d = X32.shape
    wide = np.flatnonzero(n_edges >= SEARCH_WIDTH)  # categorical features only
    code_dtype = np.uint8 if missing_bin <= np.iinfo(np.uint8).max else np.uint16
    if wide.size and code_dtype == np.uint8:
        raise ValueError(f"features {wide.tolist()} have more bins than missing_bin={missing_bin}")
    width = min(edges.shape[1], SEARCH_WIDTH - 1)
    padded = np.full((d, SEARCH_WIDTH), np.inf)
    padded[:, :width] = np.where(np.arange(width) < n_edges[:, None], edges[:, :width], np.inf)
    padded[wide] = np.inf  # binned by bin_wide_rows
    codes = np.empty((n, d), dtype=code_dtype)
    starts = range(0, n, BIN_BLOCK_ROWS)
    ends = [min(start + BIN_BLOCK_ROWS, n) for start in starts]
    missing_bin = np.int64(missing_bin)

    def bin_block(bounds):
        start, end = np.int64(bounds[0]), np.int64(bounds[1])
        bin_rows(X32, padded, missing_bin, codes, start, end)
        for f in wide:
            bin_wide_rows(X32, f, edges[f, : n_edges[f]], missing_bin, codes, start, end)

    if n_threads > 1 and n > BIN_BLOCK_ROWS:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(bin_block, zip(starts, ends)))
    else:
        for bounds in zip(starts, ends):
            bin_block(bounds)
    return codes


@borrowing_entry
def bin_rows(X32, padded_edges, missing_bin, codes, start, end):
    """Write the codes of rows ``[start, end)`` of ``X32`` into ``codes[start:end]``: the
    number of a feature's edges below each value, ``missing_bin`` for NaN.

    ``padded_edges`` holds each feature's edges followed by inf, ``SEARCH_WIDTH`` in all: the
    binary search then has the same steps for every value, which the compiler unrolls into
    code without branches (a search whose length varies by feature measured 4 times slower).
    Four rows are searched side by side: four independent chains of loads keep the processor
    busy while each waits for its own."""
    d = X32.shape[1]
    i = start
    while i + 4 <= end:
        for f in range(d):
            edges_f = padded_edges[f]
            x0 = np.float64(np.float32(X32[i, f]))  # X32's values as float32, any dtype
            x1 = np.float64(np.float32(X32[i + 1, f]))
            x2 = np.float64(np.float32(X32[i + 2, f]))
            x3 = np.float64(np.float32(X32[i + 3, f]))
            b0 = b1 = b2 = b3 = 0
            length = SEARCH_WIDTH
            while length > 1:
                half = length >> 1
                b0 += half * (edges_f[b0 + half - 1] < x0)
                b1 += half * (edges_f[b1 + half - 1] < x1)
                b2 += half * (edges_f[b2 + half - 1] < x2)
                b3 += half * (edges_f[b3 + half - 1] < x3)
                length -= half
            codes[i, f] = missing_bin if np.isnan(x0) else b0 + (edges_f[b0] < x0)
            codes[i + 1, f] = missing_bin if np.isnan(x1) else b1 + (edges_f[b1] < x1)
            codes[i + 2, f] = missing_bin if np.isnan(x2) else b2 + (edges_f[b2] < x2)
            codes[i + 3, f] = missing_bin if np.isnan(x3) else b3 + (edges_f[b3] < x3)
        i += 4
    for row in range(i, end):
        for f in range(d):
            edges_f = padded_edges[f]
            x = np.float64(np.float32(X32[row, f]))
            base = 0
            length = SEARCH_WIDTH
            while length > 1:
                half = length >> 1
                base += half * (edges_f[base + half - 1] < x)
                length -= half
            codes[row, f] = missing_bin if np.isnan(x) else base + (edges_f[base] < x)


@borrowing_entry
def bin_wide_rows(X32, f, edges_f, missing_bin, codes, start, end):
    """``bin_rows`` for one feature of more than ``SEARCH_WIDTH - 1`` edges (a categorical
    feature with more categories than ``max_bins``): a binary search of its own length."""
    n_e = edges_f.shape[0]
    for row in range(start, end):
        x = np.float64(np.float32(X32[row, f]))
        if np.isnan(x):
            codes[row, f] = missing_bin
            continue
        lo = 0
        hi = n_e
        while lo < hi:  # the number of edges below x
            mid = (lo + hi) >> 1
            if edges_f[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        codes[row, f] = lo
