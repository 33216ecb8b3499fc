"""``ColumnTransformer``: different transformers for different columns, outputs side by side."""

import re
from collections import Counter

import numpy as np
import pandas as pd

from pipeline._pipeline import (
    Bunch,
    _name_estimators,
    _StepsMixin,
    check_step_names,
    hstack_outputs,
    reraise_with_context,
)
from pipeline._serialize import check_feature_state, fail
from pipeline._validation import check_2d, feature_names_of, is_dataframe
from pipeline.base import BaseEstimator, check_is_fitted, clone, tag_classes

_SPECIAL = ("drop", "passthrough")


class make_column_selector(BaseEstimator):
    """A callable selecting DataFrame columns by dtype and/or a regex on the name.

    Parameters
    ----------
    pattern : str, optional
        Keep columns whose name contains a match of this regular expression.
    dtype_include, dtype_exclude : dtype or list of dtypes, optional
        As in ``DataFrame.select_dtypes``.
    """

    def __init__(self, pattern=None, *, dtype_include=None, dtype_exclude=None):
        self.pattern = pattern
        self.dtype_include = dtype_include
        self.dtype_exclude = dtype_exclude

    def __call__(self, df):
        if not is_dataframe(df):
            raise ValueError(
                "make_column_selector can only be applied to a pandas DataFrame; got "
                f"{type(df).__name__}."
            )
        selected = df.iloc[:1]
        if self.dtype_include is not None or self.dtype_exclude is not None:
            selected = selected.select_dtypes(
                include=_with_str(self.dtype_include), exclude=_with_str(self.dtype_exclude)
            )
        names = list(selected.columns)
        if self.pattern is not None:
            names = [n for n in names if re.search(self.pattern, str(n))]
        return names


def _with_str(dtypes):
    """With pandas 3, ``object`` keeps selecting ``str`` columns too (stated explicitly)."""
    if dtypes is None or int(pd.__version__.split(".")[0]) < 3:
        return dtypes
    items = list(dtypes) if isinstance(dtypes, list | tuple) else [dtypes]
    if any(d is object or d == "object" or d is np.object_ for d in items) and "str" not in items:
        items.append("str")
    return items


def _is_scalar_spec(spec):
    return isinstance(spec, str | int | np.integer) and not isinstance(spec, bool)


class ColumnTransformer(_StepsMixin, BaseEstimator):
    """Apply transformers to subsets of columns and concatenate the results.

    Parameters
    ----------
    transformers : list of (name, transformer, columns) tuples
        ``transformer`` is an estimator, ``"drop"`` or ``"passthrough"``; ``columns`` is a
        name, a list of names, an integer, a list of integers, a slice, a boolean mask, or a
        callable taking ``X`` (e.g. :func:`make_column_selector`). A scalar (single name or
        integer) hands the transformer a 1-D column; a list a 2-D one.
    remainder : "drop", "passthrough" or a transformer, default "drop"
        What happens to the columns no transformer selected.
    sparse_threshold : float, default 0.3
        Accepted for compatibility; the output is always dense.
    n_jobs : None
        Accepted for compatibility; the work runs sequentially.
    transformer_weights : dict, optional
        Multiply a transformer's output by ``transformer_weights[name]``.
    verbose : bool, default False
        Accepted for compatibility; nothing is printed.
    verbose_feature_names_out : bool, default True
        Prefix output names with ``"<name>__"``.
    """

    _steps_attr = "transformers"

    def __init__(
        self,
        transformers,
        *,
        remainder="drop",
        sparse_threshold=0.3,
        n_jobs=None,
        transformer_weights=None,
        verbose=False,
        verbose_feature_names_out=True,
    ):
        self.transformers = transformers
        self.remainder = remainder
        self.sparse_threshold = sparse_threshold
        self.n_jobs = n_jobs
        self.transformer_weights = transformer_weights
        self.verbose = verbose
        self.verbose_feature_names_out = verbose_feature_names_out

    _state_names = (
        "n_features_in_",
        "feature_names_in_",
        "transformers_",
        "output_indices_",
        "_remainder_positions",
    )

    def _check_state(self):
        n = check_feature_state(self)
        try:
            self._validate()
        except TypeError as exc:
            fail(self, str(exc))
        names = getattr(self, "feature_names_in_", None)
        known = set() if names is None else set(names.tolist())
        expected = [t[0] for t in self.transformers] + ["remainder"]
        items = self.transformers_
        if (
            not isinstance(items, list)
            or [t[0] if isinstance(t, tuple) and len(t) == 3 else None for t in items] != expected
        ):
            fail(self, f"transformers_ must list {expected} as (name, transformer, columns)")
        for name, t, columns in items:
            if isinstance(t, str):
                if t not in _SPECIAL:
                    fail(self, f"transformer {name!r} is the unknown string {t!r}")
            elif not hasattr(t, "transform"):
                fail(self, f"transformer {name!r} has no transform method")
            cols = [columns] if _is_scalar_spec(columns) else columns
            if not isinstance(cols, list):
                fail(self, f"the columns of {name!r} must be a list")
            for c in cols:
                if isinstance(c, str):
                    if c not in known:
                        fail(self, f"column {c!r} of {name!r} is not an input feature")
                elif isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < n:
                    fail(self, f"column {c!r} of {name!r} is not a valid position")
            _check_fitted_columns(self, name, t, cols)
        rest = self._remainder_positions
        if not isinstance(rest, list) or not all(isinstance(i, int) and 0 <= i < n for i in rest):
            fail(self, "_remainder_positions must be column positions")
        if not isinstance(self.output_indices_, dict) or not all(
            isinstance(s, slice) for s in self.output_indices_.values()
        ):
            fail(self, "output_indices_ must map names to slices")

    # ------------------------------------------------------------------ validation
    def _validate(self):
        if not isinstance(self.transformers, list | tuple):
            raise TypeError(
                "ColumnTransformer: transformers must be a list of (name, transformer, "
                "columns) tuples."
            )
        for item in self.transformers:
            if not isinstance(item, tuple | list) or len(item) != 3:
                raise TypeError(
                    "ColumnTransformer: each transformer must be a (name, transformer, "
                    f"columns) tuple, got {item!r}."
                )
        names = [item[0] for item in self.transformers]
        check_step_names("ColumnTransformer", names, self._get_param_names())
        for name, t, _ in self.transformers:
            self._check_transformer(name, t)
        self._check_transformer("remainder", self.remainder)
        weights = self.transformer_weights or {}
        unknown = set(weights) - set(names) - {"remainder"}
        if unknown:
            raise ValueError(
                f"ColumnTransformer: transformer_weights names {sorted(unknown)} are not "
                f"transformers ({names})."
            )

    @staticmethod
    def _check_transformer(name, t):
        if isinstance(t, str):
            if t not in _SPECIAL:
                raise ValueError(
                    f"ColumnTransformer transformer {name!r}: the only strings allowed are "
                    f"'drop' and 'passthrough', got {t!r}."
                )
            return
        has_fit = hasattr(t, "fit") or hasattr(t, "fit_transform")
        if not has_fit or not hasattr(t, "transform"):
            raise TypeError(
                f"ColumnTransformer transformer {name!r} ({t!r}) must implement fit and "
                "transform, or be 'drop' / 'passthrough'."
            )

    def _resolve(self, name, spec, X, names):
        """Positions of the columns ``spec`` selects in ``X``, with a clear error if absent."""
        n = X.shape[1]
        if callable(spec):
            spec = spec(X)
        if isinstance(spec, slice):
            if isinstance(spec.start, str) or isinstance(spec.stop, str):
                if names is None:
                    raise ValueError(
                        f"ColumnTransformer transformer {name!r} selects columns by name, but X "
                        "has no column names; pass a pandas DataFrame."
                    )
                as_list = list(names)
                start = 0 if spec.start is None else as_list.index(spec.start)
                stop = n if spec.stop is None else as_list.index(spec.stop) + 1
                return list(range(start, stop))
            return list(range(n))[spec]
        items = [spec] if _is_scalar_spec(spec) else list(np.asarray(spec, dtype=object))
        if items and all(isinstance(i, bool | np.bool_) for i in items):
            if len(items) != n:
                raise ValueError(
                    f"ColumnTransformer transformer {name!r}: boolean column mask has "
                    f"{len(items)} entries but X has {n} columns."
                )
            return [i for i, keep in enumerate(items) if keep]
        positions = []
        for item in items:
            if isinstance(item, str):
                if names is None:
                    raise ValueError(
                        f"ColumnTransformer transformer {name!r} selects column {item!r} by "
                        "name, but X has no column names; pass a pandas DataFrame."
                    )
                lookup = {c: i for i, c in enumerate(names)}
                if item not in lookup:
                    raise ValueError(
                        f"ColumnTransformer transformer {name!r}: column {item!r} is not in X "
                        f"(columns: {list(names)})."
                    )
                positions.append(lookup[item])
            elif isinstance(item, int | np.integer) and not isinstance(item, bool):
                if not -n <= item < n:
                    raise ValueError(
                        f"ColumnTransformer transformer {name!r}: column index {item} is out of "
                        f"range for X with {n} feature(s)."
                    )
                positions.append(int(item) % n)
            else:
                raise TypeError(
                    f"ColumnTransformer transformer {name!r}: cannot select columns with "
                    f"{item!r}; use names, integers, a slice, a boolean mask or a callable."
                )
        return positions

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, **params):
        """Fit every transformer on its columns."""
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X, y=None, **params):
        """Fit every transformer on its columns and concatenate their outputs."""
        self._validate()
        X = check_2d(X, "ColumnTransformer")
        names = feature_names_of(X)
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        used = set()
        fitted = []
        for name, t, spec in self.transformers:
            positions = self._resolve(name, spec, X, names)
            used.update(positions)
            fitted.append((name, t, spec, positions))
        remaining = [i for i in range(X.shape[1]) if i not in used]
        self._remainder_positions = remaining
        blocks = []
        transformers_ = []
        for name, t, spec, positions in fitted + [
            ("remainder", self.remainder, remaining, remaining)
        ]:
            fitted_t, block = self._fit_one(name, t, spec, positions, X, y, params)
            columns = self._columns_for_output(spec, positions, names)
            transformers_.append((name, fitted_t, columns))
            if block is not None:
                blocks.append((name, block))
        self.transformers_ = transformers_
        out, indices = self._stack(blocks, X.shape[0])
        self.output_indices_ = {
            name: indices.get(name, slice(0, 0))
            for name in [t[0] for t in self.transformers] + ["remainder"]
        }
        return out

    @staticmethod
    def _columns_for_output(spec, positions, names):
        if names is not None and not _is_scalar_spec(spec):
            return [names[i] for i in positions]
        if names is not None and isinstance(spec, str):
            return spec
        return spec if _is_scalar_spec(spec) else list(positions)

    def _subset(self, X, spec, positions):
        if _is_scalar_spec(spec) and len(positions) == 1:
            return X.iloc[:, positions[0]] if is_dataframe(X) else np.asarray(X)[:, positions[0]]
        return X.iloc[:, positions] if is_dataframe(X) else np.asarray(X)[:, positions]

    def _fit_one(self, name, t, spec, positions, X, y, params):
        if t == "drop" or not positions:
            return t, None
        Xs = self._subset(X, spec, positions)
        if t == "passthrough":
            return t, Xs
        est = clone(t)
        try:
            if hasattr(est, "fit_transform"):
                out = est.fit_transform(Xs, y, **params)
            else:
                out = est.fit(Xs, y, **params).transform(Xs)
        except Exception as exc:  # noqa: BLE001
            reraise_with_context(exc, self._context(name, est, X, positions))
        return est, out

    def _context(self, name, est, X, positions):
        names = feature_names_of(X)
        cols = [names[i] for i in positions] if names is not None else positions
        return f"ColumnTransformer transformer {name!r} ({type(est).__name__}) on columns {cols}"

    def _stack(self, blocks, n_samples):
        weights = self.transformer_weights or {}
        arrays, indices, start = [], {}, 0
        for name, block in blocks:
            arr = block.to_numpy() if isinstance(block, pd.DataFrame | pd.Series) else block
            arr = np.asarray(arr)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2 or arr.shape[0] != n_samples:
                raise ValueError(
                    f"ColumnTransformer transformer {name!r} returned an output of shape "
                    f"{arr.shape}; expected a 2-D array with {n_samples} rows."
                )
            if name in weights:
                arr = arr * weights[name]
            indices[name] = slice(start, start + arr.shape[1])
            start += arr.shape[1]
            arrays.append(arr)
        return hstack_outputs(arrays, n_samples), indices

    # ------------------------------------------------------------------ inference
    def transform(self, X):
        """Transform each column subset with its fitted transformer; outputs side by side.

        A DataFrame fitted by column names may come with its columns reordered or with extra
        columns; a missing column raises a ValueError naming it and its transformer.
        """
        check_is_fitted(self, "transformers_")
        X = check_2d(X, "ColumnTransformer")
        names = feature_names_of(X)
        fit_names = getattr(self, "feature_names_in_", None)
        by_name = fit_names is not None and names is not None
        if by_name:
            lookup = {c: i for i, c in enumerate(names)}
            absent = []
            for name, t, columns in self.transformers_:
                if t == "drop":
                    continue
                cols = [columns] if _is_scalar_spec(columns) else list(columns)
                cols = [fit_names[c] if not isinstance(c, str) else c for c in cols]
                gone = [c for c in cols if c not in lookup]
                if gone:
                    absent.append(f"{gone} (used by {name!r})")
            if absent:
                raise ValueError(
                    f"ColumnTransformer: columns are missing from X: {'; '.join(absent)}. X "
                    "must contain every column the transformers were fitted on."
                )
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but ColumnTransformer is expecting "
                f"{self.n_features_in_} features as input."
            )
        fit_index = {} if fit_names is None else {c: i for i, c in enumerate(fit_names)}

        def positions_of(columns):
            cols = [columns] if _is_scalar_spec(columns) else list(columns)
            if by_name:
                return [lookup[c if isinstance(c, str) else fit_names[c]] for c in cols]
            return [fit_index[c] if isinstance(c, str) else int(c) for c in cols]

        blocks = []
        for name, t, columns in self.transformers_:
            if t == "drop":
                continue
            positions = positions_of(columns)
            if not positions:
                continue
            spec = columns
            Xs = self._subset(X, spec, positions)
            if t == "passthrough":
                blocks.append((name, Xs))
                continue
            try:
                blocks.append((name, t.transform(Xs)))
            except Exception as exc:  # noqa: BLE001
                reraise_with_context(exc, self._context(name, t, X, positions))
        return self._stack(blocks, X.shape[0])[0]

    # ------------------------------------------------------------------ names
    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``"<transformer>__<feature>"`` (or plain names)."""
        check_is_fitted(self, "transformers_")
        fit_names = getattr(self, "feature_names_in_", None)
        if input_features is not None:
            all_names = np.asarray(input_features, dtype=object)
            if fit_names is not None and not np.array_equal(all_names, fit_names):
                raise ValueError("input_features is not equal to feature_names_in_")
        elif fit_names is not None:
            all_names = fit_names
        else:
            all_names = np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
        index = {c: i for i, c in enumerate(all_names)}
        out = []
        for name, t, columns in self.transformers_:
            cols = [columns] if _is_scalar_spec(columns) else list(columns)
            if t == "drop" or not cols:
                continue
            positions = [index[c] if isinstance(c, str) else c for c in cols]
            selected = all_names[positions]
            if t == "passthrough":
                names_out = list(selected)
            elif not hasattr(t, "get_feature_names_out"):
                raise AttributeError(
                    f"ColumnTransformer transformer {name!r} ({type(t).__name__}) does not "
                    "provide get_feature_names_out."
                )
            else:
                try:
                    names_out = list(t.get_feature_names_out(selected))
                except Exception as exc:  # noqa: BLE001
                    reraise_with_context(
                        exc, f"ColumnTransformer transformer {name!r} ({type(t).__name__})"
                    )
            out.extend(f"{name}__{n}" if self.verbose_feature_names_out else n for n in names_out)
        if not self.verbose_feature_names_out and len(set(out)) != len(out):
            dupes = sorted(n for n, c in Counter(out).items() if c > 1)
            raise ValueError(
                f"ColumnTransformer: output feature names {dupes[:5]} are not unique; set "
                "verbose_feature_names_out=True."
            )
        return np.asarray(out, dtype=object)

    @property
    def named_transformers_(self):
        """The fitted transformers by name."""
        check_is_fitted(self, "transformers_")
        return Bunch((name, t) for name, t, _ in self.transformers_)

    def _named(self):
        if not isinstance(self.transformers, list | tuple):
            return []
        return [
            (item[0], item[1])
            for item in self.transformers
            if isinstance(item, tuple | list) and len(item) == 3 and isinstance(item[0], str)
        ]

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        if deep and not isinstance(self.remainder, str) and hasattr(self.remainder, "get_params"):
            for key, value in self.remainder.get_params(deep=True).items():
                params[f"remainder__{key}"] = value
        return params

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = tag_classes().TransformerTags()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def make_column_transformer(
    *transformers,
    remainder="drop",
    sparse_threshold=0.3,
    n_jobs=None,
    verbose=False,
    verbose_feature_names_out=True,
):
    """A :class:`ColumnTransformer` from ``(transformer, columns)`` pairs, names generated."""
    ests = [t for t, _ in transformers]
    names = _name_estimators(ests)
    return ColumnTransformer(
        [(name, t, cols) for name, (t, cols) in zip(names, transformers)],
        remainder=remainder,
        sparse_threshold=sparse_threshold,
        n_jobs=n_jobs,
        verbose=verbose,
        verbose_feature_names_out=verbose_feature_names_out,
    )


def _check_fitted_columns(ct, name, transformer, cols):
    """A loaded transformer must have been fitted on exactly the columns it is given."""
    if isinstance(transformer, str):
        return
    n_in = getattr(transformer, "n_features_in_", None)
    if isinstance(n_in, int) and n_in != len(cols):
        fail(ct, f"transformer {name!r} was fitted on {n_in} columns but is given {len(cols)}")
    names_in = getattr(transformer, "feature_names_in_", None)
    ct_names = getattr(ct, "feature_names_in_", None)
    given = [c if isinstance(c, str) else None if ct_names is None else ct_names[c] for c in cols]
    if names_in is not None and None not in given:
        if [str(v) for v in names_in] != [str(c) for c in given]:
            fail(ct, f"transformer {name!r} was fitted on columns {list(names_in)}, not {given}")
