"""Categorical encoders: ``OneHotEncoder`` and ``OrdinalEncoder`` (dense output).

Categories are learnt per column: sorted unique values, with the missing value (NaN) last when
present. Text columns (``str``, ``object``, ``category``) give ``object`` categories; numeric
columns keep their dtype.
"""

import numbers

import numpy as np

from pipeline._serialize import check_array, check_feature_state, fail
from pipeline._validation import (
    check_2d,
    check_features,
    column_label,
    columns_of,
    default_feature_names,
    is_scalar_nan,
)
from pipeline.base import BaseEstimator, TransformerMixin, check_is_fitted


def _unique_with_counts(col, who, label):
    """Sorted categories of one column (NaN last) and how often each occurs."""
    if col.dtype.kind == "O":
        present = set(col.tolist())
        has_missing = np.nan in present  # missing entries are the np.nan object (column_values)
        present.discard(np.nan)
        try:
            cats = sorted(present)
        except TypeError as exc:
            kinds = sorted({type(v).__name__ for v in present})
            raise TypeError(
                f"{who}: {label} mixes value types {kinds}; encoders need a column to be "
                "uniformly strings or numbers. Convert it with .astype(str) first."
            ) from exc
        if has_missing:
            cats.append(np.nan)
        cats = np.asarray(cats + [None], dtype=object)[:-1]
    else:
        cats = np.unique(col)  # np.unique puts NaN last
        if cats.dtype.kind == "f" and cats.size and np.isnan(cats[-1]):
            cats = np.concatenate([cats[~np.isnan(cats)], [np.nan]])
    codes, known = _encode(col, cats)
    counts = np.bincount(codes[known], minlength=len(cats))
    return cats, counts


def _lookup_table(cats):
    """``{category: index}`` for a text column, else None.

    Missing values are keyed by the ``np.nan`` object: ``column_values`` makes every missing
    entry that object, and a dict finds it by identity.
    """
    if cats.dtype.kind != "O":
        return None
    table = {c: i for i, c in enumerate(cats.tolist()) if not is_scalar_nan(c)}
    if len(cats) and is_scalar_nan(cats[-1]):
        table[np.nan] = len(cats) - 1
    return table


def _encode(col, cats, lookup=None):
    """Index of each value of ``col`` in ``cats`` and a mask of the values found there.

    ``col`` comes from ``column_values`` (missing entries are ``np.nan``).
    """
    n = len(col)
    codes = np.zeros(n, dtype=np.int64)
    known = np.zeros(n, dtype=bool)
    has_nan = len(cats) > 0 and is_scalar_nan(cats[-1])
    if col.dtype.kind == "O" or cats.dtype.kind == "O":
        if lookup is None:
            lookup = _lookup_table(cats.astype(object))
        get = lookup.get
        try:
            found = np.array([get(v, -1) for v in col.tolist()], dtype=np.int64)
        except TypeError as exc:
            raise TypeError(f"encoders need hashable values (strings or numbers): {exc}") from exc
        known = found >= 0
        codes[known] = found[known]
        return codes, known
    present = cats[:-1] if has_nan else cats
    values = col.astype(np.float64) if col.dtype.kind == "f" else col
    nan_rows = np.isnan(values) if values.dtype.kind == "f" else np.zeros(n, dtype=bool)
    if present.size:
        pos = np.searchsorted(present, values)
        pos_clipped = np.minimum(pos, present.size - 1)
        found = (present[pos_clipped] == values) & ~nan_rows
        codes[found] = pos_clipped[found]
        known |= found
    if has_nan:
        codes[nan_rows] = len(cats) - 1
        known[nan_rows] = True
    return codes, known


def _user_categories(given, col, who, label):
    """Validate one column's user-given categories and return them as an array."""
    if col.dtype.kind == "O":
        cats = np.asarray(list(given) + [None], dtype=object)[:-1]
    else:
        try:
            cats = np.asarray(given, dtype=col.dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{who}: the categories given for {label} do not match its dtype {col.dtype}: {exc}"
            ) from exc
    if cats.size == 0:
        raise ValueError(f"{who}: the categories given for {label} are empty.")
    for c in cats[:-1]:
        if is_scalar_nan(c):
            raise ValueError(f"{who}: NaN must be the last of the categories given for {label}.")
    non_nan = [c for c in cats if not is_scalar_nan(c)]
    if len(set(non_nan)) != len(non_nan):
        raise ValueError(f"{who}: the categories given for {label} contain duplicates.")
    if cats.dtype.kind != "O":
        stop = -1 if is_scalar_nan(cats[-1]) else None
        if np.any(np.sort(cats)[:stop] != cats[:stop]):
            raise ValueError(
                f"{who}: unsorted categories are not supported for numerical {label}; sort them."
            )
    return cats


class _BaseEncoder(TransformerMixin, BaseEstimator):
    """Learns ``categories_`` per column and encodes columns as category indices."""

    def _fit_categories(self, X, check_unknown):
        who = type(self).__name__
        X = check_2d(X, who)
        check_features(self, X, reset=True)
        columns = columns_of(X)
        if self.categories != "auto" and len(self.categories) != len(columns):
            raise ValueError(
                f"{who}: categories has {len(self.categories)} lists but X has "
                f"{len(columns)} columns; give one list per column or use 'auto'."
            )
        self.categories_, counts = [], []
        for j, col in enumerate(columns):
            label = column_label(self, j)
            if isinstance(self.categories, str):
                cats, count = _unique_with_counts(col, who, label)
            else:
                cats = _user_categories(self.categories[j], col, who, label)
                codes, known = _encode(col, cats)
                if check_unknown and not known.all():
                    unknown = _unknown_values(col, known)
                    raise ValueError(
                        f"{who}: found unknown categories {unknown} in {label} during fit; "
                        "add them to `categories` or use handle_unknown='ignore'."
                    )
                count = np.bincount(codes[known], minlength=len(cats))
            self.categories_.append(cats)
            counts.append(count)
        self._lookups = [_lookup_table(c) for c in self.categories_]
        return X, columns, counts

    def _check_categories_state(self):
        n = check_feature_state(self)
        if not isinstance(self.categories_, list) or len(self.categories_) != n:
            fail(self, f"categories_ must be a list of {n} arrays")
        for j, cats in enumerate(self.categories_):
            check_array(self, f"categories_[{j}]", cats, kinds="biufO")
            if cats.size == 0:
                fail(self, f"categories_[{j}] is empty")
            _check_unique_categories(self, j, cats)
        self._lookups = [_lookup_table(c) for c in self.categories_]
        return n

    def _check_transform_input(self, X):
        check_is_fitted(self, "categories_")
        who = type(self).__name__
        X = check_2d(X, who)
        check_features(self, X, reset=False)
        return columns_of(X)

    def _lookup(self, j):
        lookups = getattr(self, "_lookups", None)
        return None if lookups is None else lookups[j]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags


def _check_output_dtype(who, dtype):
    try:
        kind = np.dtype(dtype).kind
    except (TypeError, ValueError):
        kind = None
    if kind is None or kind not in "biuf":
        raise ValueError(f"{who}: dtype must be a numeric numpy dtype, got {dtype!r}.")


def _check_unique_categories(est, j, cats):
    """A loaded category list: no repeats, at most one missing marker and only at the end."""
    values = cats.tolist()
    missing = [i for i, v in enumerate(values) if is_scalar_nan(v) or v is None]
    if missing and missing != [len(values) - 1]:
        fail(est, f"categories_[{j}] may hold one missing value, and only as its last entry")
    if cats.dtype.kind == "f" and not np.all(np.isfinite(cats[: len(values) - len(missing)])):
        fail(est, f"categories_[{j}] holds infinite values")
    known = values[: len(values) - len(missing)]
    if len(set(known)) != len(known):
        fail(est, f"categories_[{j}] repeats a category")


def _unknown_values(col, known):
    values = col[~known]
    unique = []
    for v in values:
        if v not in unique:
            unique.append(v)
        if len(unique) == 10:
            break
    return [v.item() if isinstance(v, np.generic) else v for v in unique]


class OneHotEncoder(_BaseEncoder):
    """Encode categorical columns as one-hot (dummy) columns, dense output.

    Parameters follow ``sklearn.preprocessing.OneHotEncoder``; ``sparse_output`` must be False.
    Unknown categories at transform time raise (``handle_unknown="error"``), become all-zero rows
    (``"ignore"``) or join the infrequent category (``"infrequent_if_exist"``).
    """

    def __init__(
        self,
        *,
        categories="auto",
        drop=None,
        sparse_output=False,
        dtype=np.float64,
        handle_unknown="error",
        min_frequency=None,
        max_categories=None,
        feature_name_combiner="concat",
    ):
        self.categories = categories
        self.drop = drop
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.feature_name_combiner = feature_name_combiner

    def _validate_params(self):
        who = "OneHotEncoder"
        _check_output_dtype(who, self.dtype)
        if self.sparse_output is not False:
            raise ValueError(
                f"{who}: only dense output is supported; pass sparse_output=False "
                f"(got {self.sparse_output!r})."
            )
        if self.handle_unknown not in ("error", "ignore", "infrequent_if_exist"):
            raise ValueError(
                f"{who}: handle_unknown must be 'error', 'ignore' or 'infrequent_if_exist', "
                f"got {self.handle_unknown!r}."
            )
        if not (isinstance(self.categories, str) and self.categories == "auto") and (
            isinstance(self.categories, str) or not hasattr(self.categories, "__len__")
        ):
            raise ValueError(f"{who}: categories must be 'auto' or a list of lists.")
        if isinstance(self.drop, str) and self.drop not in ("first", "if_binary"):
            raise ValueError(
                f"{who}: drop must be None, 'first', 'if_binary' or an array of one category "
                f"per column, got {self.drop!r}."
            )
        mf = self.min_frequency
        if mf is not None:
            if isinstance(mf, bool) or not isinstance(mf, numbers.Real):
                raise ValueError(f"{who}: min_frequency must be a number, got {mf!r}.")
            if isinstance(mf, numbers.Integral) and mf < 1:
                raise ValueError(f"{who}: an integer min_frequency must be >= 1, got {mf}.")
            if not isinstance(mf, numbers.Integral) and not 0.0 < mf < 1.0:
                raise ValueError(f"{who}: a float min_frequency must be in (0, 1), got {mf}.")
        mc = self.max_categories
        if mc is not None and (
            isinstance(mc, bool) or not isinstance(mc, numbers.Integral) or mc < 1
        ):
            raise ValueError(f"{who}: max_categories must be an integer >= 1, got {mc!r}.")
        fnc = self.feature_name_combiner
        if not (fnc == "concat" or callable(fnc)):
            raise ValueError(f"{who}: feature_name_combiner must be 'concat' or a callable.")

    _state_names = (
        "n_features_in_",
        "feature_names_in_",
        "categories_",
        "drop_idx_",
        "_group_of_category",
        "_infrequent_indices",
        "_dropped_group",
    )

    def _check_state(self):
        n = self._check_categories_state()
        lists = ("_group_of_category", "_infrequent_indices", "_dropped_group")
        for name in lists:
            value = getattr(self, name)
            if not isinstance(value, list) or len(value) != n:
                fail(self, f"{name} must be a list of {n} entries")
        for j, cats in enumerate(self.categories_):
            mapping, infreq = self._group_of_category[j], self._infrequent_indices[j]
            if (mapping is None) != (infreq is None):
                fail(self, f"the infrequent state of column {j} is inconsistent")
            if mapping is not None:
                check_array(self, "_group_of_category", mapping, kinds="iu", length=len(cats))
                check_array(self, "_infrequent_indices", infreq, kinds="iu")
                if not set(mapping.tolist()) == set(range(int(mapping.max()) + 1)):
                    fail(self, f"the category groups of column {j} are not 0..k")
                if infreq.min() < 0 or infreq.max() >= len(cats):
                    fail(self, f"infrequent indices of column {j} are out of range")
            dropped = self._dropped_group[j]
            if dropped is not None and (
                isinstance(dropped, bool)
                or not isinstance(dropped, int)
                or not 0 <= dropped < self._n_groups(j)
            ):
                fail(self, f"the dropped category of column {j} is out of range")
        drop_idx = self.drop_idx_
        if drop_idx is None:
            if any(g is not None for g in self._dropped_group):
                fail(self, "drop_idx_ is None but categories are dropped")
            return
        if not isinstance(drop_idx, np.ndarray) or drop_idx.shape != (n,):
            fail(self, f"drop_idx_ must be an array of {n} entries")
        for j, idx in enumerate(drop_idx.tolist()):
            if (idx is None) != (self._dropped_group[j] is None):
                fail(self, f"drop_idx_[{j}] is inconsistent with the dropped group")
            if idx is not None and (
                not isinstance(idx, int) or not 0 <= idx < len(self.categories_[j])
            ):
                fail(self, f"drop_idx_[{j}] is out of range")

    @property
    def _infrequent_enabled(self):
        return self.min_frequency is not None or self.max_categories is not None

    def _identify_infrequent(self, counts, n_samples):
        mf = self.min_frequency
        if mf is None:
            infrequent = np.zeros(counts.shape[0], dtype=bool)
        elif isinstance(mf, numbers.Integral):
            infrequent = counts < mf
        else:
            infrequent = counts < mf * n_samples
        n_out = counts.size - infrequent.sum() + 1
        if self.max_categories is not None and self.max_categories < n_out:
            keep = self.max_categories - 1
            if keep == 0:
                infrequent[:] = True
            else:
                # the least frequent ones, ties kept in category order (stable sort)
                order = np.argsort(counts, kind="mergesort")
                infrequent[order[:-keep]] = True
        idx = np.flatnonzero(infrequent)
        return idx if idx.size else None

    def fit(self, X, y=None):
        """Learn the categories of each column of ``X``."""
        self._validate_params()
        X, columns, counts = self._fit_categories(X, self.handle_unknown == "error")
        n_samples = X.shape[0]
        self._group_of_category = []  # per column: category index -> output group, or None
        self._infrequent_indices = []
        for cats, count in zip(self.categories_, counts):
            infreq = (
                self._identify_infrequent(count, n_samples) if self._infrequent_enabled else None
            )
            self._infrequent_indices.append(infreq)
            if infreq is None:
                self._group_of_category.append(None)
                continue
            mapping = np.empty(len(cats), dtype=np.int64)
            frequent = np.setdiff1d(np.arange(len(cats)), infreq)
            mapping[frequent] = np.arange(frequent.size)
            mapping[infreq] = frequent.size
            self._group_of_category.append(mapping)
        self._set_drop()
        return self

    def _n_groups(self, j):
        mapping = self._group_of_category[j]
        return len(self.categories_[j]) if mapping is None else int(mapping.max()) + 1

    def _to_group(self, j, category_index):
        mapping = self._group_of_category[j]
        return category_index if mapping is None else int(mapping[category_index])

    def _set_drop(self):
        """``drop_idx_`` (index into ``categories_``) and the dropped output group per column."""
        n_cols = len(self.categories_)
        if self.drop is None:
            self.drop_idx_ = None
            self._dropped_group = [None] * n_cols
            return
        dropped = []
        if isinstance(self.drop, str) and self.drop == "first":
            dropped = [0] * n_cols
        elif isinstance(self.drop, str):  # if_binary
            dropped = [0 if self._n_groups(j) == 2 else None for j in range(n_cols)]
        else:
            drop = np.asarray(self.drop, dtype=object).reshape(-1)
            if drop.size != n_cols:
                raise ValueError(
                    f"OneHotEncoder: drop should have one category per feature ({n_cols}), "
                    f"got {drop.size}."
                )
            not_found = []
            for j, value in enumerate(drop):
                cats = self.categories_[j]
                if is_scalar_nan(value):
                    hits = [len(cats) - 1] if len(cats) and is_scalar_nan(cats[-1]) else []
                else:
                    hits = [i for i, c in enumerate(cats) if not is_scalar_nan(c) and c == value]
                if not hits:
                    not_found.append((value, column_label(self, j)))
                    dropped.append(None)
                    continue
                infreq = self._infrequent_indices[j]
                if infreq is not None and hits[0] in infreq:
                    raise ValueError(
                        f"OneHotEncoder: unable to drop category {value!r} from "
                        f"{column_label(self, j)} because it is infrequent."
                    )
                dropped.append(self._to_group(j, hits[0]))
            if not_found:
                listed = "; ".join(f"category {v!r} in {c}" for v, c in not_found)
                raise ValueError(
                    "OneHotEncoder: the following categories were supposed to be dropped, but "
                    f"were not found in the training data: {listed}."
                )
        self._dropped_group = dropped
        drop_idx = []
        for j, group in enumerate(dropped):
            mapping = self._group_of_category[j]
            if group is None or mapping is None:
                drop_idx.append(group)
            else:
                drop_idx.append(int(np.flatnonzero(mapping == group)[0]))
        self.drop_idx_ = np.asarray(drop_idx + [None], dtype=object)[:-1]

    @property
    def infrequent_categories_(self):
        """Infrequent categories of each column (None where there are none)."""
        check_is_fitted(self, "categories_")
        if not self._infrequent_enabled:
            raise AttributeError("infrequent_categories_ needs min_frequency or max_categories.")
        return [
            None if idx is None else cats[idx]
            for cats, idx in zip(self.categories_, self._infrequent_indices)
        ]

    def _output_categories(self, j):
        """The category label of each output column of input column ``j``."""
        cats = self.categories_[j]
        mapping = self._group_of_category[j]
        if mapping is not None:
            frequent = cats[mapping < mapping.max()]
            cats = np.concatenate([frequent, np.asarray(["infrequent_sklearn"], dtype=object)])
        group = self._dropped_group[j]
        if group is not None:
            cats = np.delete(cats, group)
        return cats

    def transform(self, X):
        """One-hot encode ``X``; returns a dense array of dtype ``self.dtype``."""
        columns = self._check_transform_input(X)
        n_samples = len(columns[0])
        blocks = []
        for j, col in enumerate(columns):
            codes, known = _encode(col, self.categories_[j], self._lookup(j))
            infreq = self._infrequent_indices[j]
            if not known.all():
                if self.handle_unknown == "error":
                    raise ValueError(
                        f"OneHotEncoder: found unknown categories {_unknown_values(col, known)} "
                        f"in {column_label(self, j)} during transform. Refit on data that "
                        "contains them, or use handle_unknown='ignore' or "
                        "'infrequent_if_exist'."
                    )
                if self.handle_unknown == "infrequent_if_exist" and infreq is not None:
                    codes[~known] = infreq[0]
                    known = np.ones_like(known)
            n_groups = self._n_groups(j)
            groups = (
                codes if self._group_of_category[j] is None else (self._group_of_category[j][codes])
            )
            block = np.zeros((n_samples, n_groups), dtype=self.dtype)
            rows = np.flatnonzero(known)
            block[rows, groups[rows]] = 1
            dropped = self._dropped_group[j]
            if dropped is not None:
                block = np.delete(block, dropped, axis=1)
            blocks.append(block)
        return np.hstack(blocks) if blocks else np.zeros((n_samples, 0), dtype=self.dtype)

    def inverse_transform(self, X):
        """Map one-hot rows back to categories (None for all-zero rows of unknowns)."""
        check_is_fitted(self, "categories_")
        X = np.asarray(X)
        n_out = sum(len(self._output_categories(j)) for j in range(len(self.categories_)))
        if X.ndim != 2 or X.shape[1] != n_out:
            raise ValueError(
                f"OneHotEncoder.inverse_transform expects {n_out} columns, got shape {X.shape}."
            )
        out = np.empty((X.shape[0], len(self.categories_)), dtype=object)
        start = 0
        for j in range(len(self.categories_)):
            labels = self._output_categories(j)
            block = X[:, start : start + len(labels)]
            start += len(labels)
            hot = block.argmax(axis=1) if labels.size else np.zeros(X.shape[0], dtype=int)
            any_hot = block.sum(axis=1) > 0 if labels.size else np.zeros(X.shape[0], bool)
            col = np.empty(X.shape[0], dtype=object)
            col[any_hot] = labels[hot[any_hot]]
            dropped = self._dropped_group[j]
            if dropped is not None:
                drop_label = self.categories_[j][self.drop_idx_[j]]
                col[~any_hot] = drop_label
            else:
                col[~any_hot] = None
            out[:, j] = col
        return out

    def get_feature_names_out(self, input_features=None):
        """Output names ``"<column>_<category>"`` (``infrequent_sklearn`` for the group)."""
        check_is_fitted(self, "categories_")
        names = default_feature_names(self, input_features)
        combiner = self.feature_name_combiner
        out = []
        for j, name in enumerate(names):
            for cat in self._output_categories(j):
                if combiner == "concat":
                    out.append(f"{name}_{cat}")
                else:
                    label = combiner(name, cat.item() if isinstance(cat, np.generic) else cat)
                    if not isinstance(label, str):
                        raise TypeError(
                            "OneHotEncoder: feature_name_combiner must return str, got "
                            f"{type(label).__name__}."
                        )
                    out.append(label)
        return np.asarray(out, dtype=object)


class OrdinalEncoder(_BaseEncoder):
    """Encode categorical columns as integers 0..n_categories-1 (as floats).

    Parameters follow ``sklearn.preprocessing.OrdinalEncoder``: unknown categories raise
    (``handle_unknown="error"``) or become ``unknown_value`` (``"use_encoded_value"``);
    missing values become ``encoded_missing_value``.
    """

    def __init__(
        self,
        *,
        categories="auto",
        dtype=np.float64,
        handle_unknown="error",
        unknown_value=None,
        encoded_missing_value=np.nan,
    ):
        self.categories = categories
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.unknown_value = unknown_value
        self.encoded_missing_value = encoded_missing_value

    def _validate_params(self):
        who = "OrdinalEncoder"
        _check_output_dtype(who, self.dtype)
        if self.handle_unknown not in ("error", "use_encoded_value"):
            raise ValueError(
                f"{who}: handle_unknown must be 'error' or 'use_encoded_value', got "
                f"{self.handle_unknown!r}."
            )
        uv = self.unknown_value
        if self.handle_unknown == "use_encoded_value":
            ok = is_scalar_nan(uv) or (
                isinstance(uv, numbers.Integral) and not isinstance(uv, bool)
            )
            if not ok:
                raise TypeError(
                    f"{who}: unknown_value should be an integer or np.nan when "
                    f"handle_unknown is 'use_encoded_value', got {uv!r}."
                )
            if is_scalar_nan(uv) and np.dtype(self.dtype).kind in "iu":
                raise ValueError(
                    f"{who}: when unknown_value is np.nan, dtype must be a float dtype; "
                    f"got {np.dtype(self.dtype)}."
                )
        elif uv is not None:
            raise TypeError(
                f"{who}: unknown_value should only be set when handle_unknown is "
                f"'use_encoded_value', got unknown_value={uv!r}."
            )

    _state_names = ("n_features_in_", "feature_names_in_", "categories_")

    def _check_state(self):
        self._check_categories_state()

    def fit(self, X, y=None):
        """Learn the categories of each column of ``X``."""
        self._validate_params()
        self._fit_categories(X, self.handle_unknown == "error")
        n_known = [len(c) - (1 if len(c) and is_scalar_nan(c[-1]) else 0) for c in self.categories_]
        uv = self.unknown_value
        if self.handle_unknown == "use_encoded_value" and not is_scalar_nan(uv):
            if 0 <= uv < max(n_known):
                raise ValueError(
                    f"OrdinalEncoder: the used value for unknown_value ({uv}) is one of the "
                    "values already used for encoding the seen categories; use a negative "
                    "number or np.nan."
                )
        emv = self.encoded_missing_value
        if not is_scalar_nan(emv):
            clashes = [
                column_label(self, j)
                for j, c in enumerate(self.categories_)
                if len(c) and is_scalar_nan(c[-1]) and 0 <= emv < n_known[j]
            ]
            if clashes:
                raise ValueError(
                    f"OrdinalEncoder: encoded_missing_value ({emv}) is already used to encode "
                    f"a known category in {', '.join(clashes)}; choose a negative value or NaN."
                )
        return self

    def transform(self, X):
        """Encode each column as category indices, as an array of dtype ``self.dtype``."""
        columns = self._check_transform_input(X)
        out = np.empty((len(columns[0]), len(columns)), dtype=self.dtype)
        for j, col in enumerate(columns):
            cats = self.categories_[j]
            codes, known = _encode(col, cats, self._lookup(j))
            if not known.all() and self.handle_unknown == "error":
                raise ValueError(
                    f"OrdinalEncoder: found unknown categories {_unknown_values(col, known)} in "
                    f"{column_label(self, j)} during transform. Refit on data that contains "
                    "them, or use handle_unknown='use_encoded_value'."
                )
            values = codes.astype(np.float64)
            values[~known] = self.unknown_value if not known.all() else 0
            if len(cats) and is_scalar_nan(cats[-1]):
                values[known & (codes == len(cats) - 1)] = self.encoded_missing_value
            out[:, j] = values
        return out

    def inverse_transform(self, X):
        """Map codes back to categories (None for unknown-value codes)."""
        check_is_fitted(self, "categories_")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.categories_):
            raise ValueError(
                f"OrdinalEncoder.inverse_transform expects {len(self.categories_)} columns, "
                f"got shape {X.shape}."
            )
        out = np.empty(X.shape, dtype=object)
        for j, cats in enumerate(self.categories_):
            col = X[:, j]
            has_nan = len(cats) and is_scalar_nan(cats[-1])
            result = np.empty(len(col), dtype=object)
            missing = (
                np.isnan(col)
                if is_scalar_nan(self.encoded_missing_value)
                else (col == self.encoded_missing_value)
            )
            if not has_nan:
                missing[:] = False
            result[missing] = np.nan
            unknown = np.zeros(len(col), dtype=bool)
            if self.handle_unknown == "use_encoded_value":
                uv = self.unknown_value
                unknown = np.isnan(col) if is_scalar_nan(uv) else col == uv
                unknown &= ~missing
                result[unknown] = None
            rest = ~missing & ~unknown
            result[rest] = cats[col[rest].astype(np.int64)]
            out[:, j] = result
        return out

    def get_feature_names_out(self, input_features=None):
        """The input feature names (one output column per input column)."""
        check_is_fitted(self, "categories_")
        return default_feature_names(self, input_features)
