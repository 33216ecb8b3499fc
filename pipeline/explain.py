"""A fitted tree's rules read in the units of the pipeline's raw input columns.

``raw_node_view(model)`` follows every column the tree splits on back through the fitted
transformers in front of it (``Pipeline``, ``ColumnTransformer``, imputers, scalers, encoders)
and writes each split as a :class:`Condition` on a raw input column:

- through a monotone increasing transform (``MinMaxScaler``, ``StandardScaler``, an identity
  ``FunctionTransformer``, or any transformer offering ``monotone_column_map(j)``, see below)
  the threshold is inverse-transformed: ``age <= 28.5``;
- a one-hot column becomes ``column == category`` / ``!=`` (any ``drop``; the infrequent group
  becomes ``in`` / ``not in`` its categories);
- an ordinal-encoded column becomes ``column in {...}`` / ``not in {...}`` with the category
  names, written so that unseen categories satisfy the condition of the side they go to;
- where a column was imputed, ``Condition.missing`` says which side a missing raw value goes to
  (the imputed value's side) and ``Condition.note`` what it was imputed with;
- a split that cannot be mapped (an unknown or non-monotone transform) keeps the transformed
  column and threshold, with ``exact=False`` and a note saying why.

The mapping is exact for the tree's own float32 comparison: a raw value ``x`` satisfies
``x <= value`` exactly when the transformed ``x`` goes left (thresholds are chosen by bisection
against the transform, not merely inverted).

Protocol for other transformers: a fitted one-to-one transformer may define
``monotone_column_map(j)`` returning ``(forward, inverse)`` (callables on floats; ``forward``
the transform of its input column ``j``, increasing) or None when column ``j`` is not monotone.

Native categorical splits (issue 13: ``tree_.categorical_node`` and its bitsets) become ``in``
conditions through :func:`_categorical_condition` like ordinal codes, each code's side read
from the node's bitset (:func:`_code_goes_left`).

:mod:`pipeline.explain_rows` routes rows with the model itself and describes each step of the
path in raw units (``Pipeline.explain`` and serving use it). Only the tree's public ``tree_``
arrays are read (scikit-learn's names), so ``tree`` is not imported here.
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

NEGATED = {"<=": ">", ">": "<=", "==": "!=", "!=": "==", "in": "not in", "not in": "in"}
_LEAF = -1


@dataclass(frozen=True)
class Condition:
    """The test of one split in raw units; a row satisfying ``op`` goes left.

    Attributes
    ----------
    feature : str
        The raw input column (the transformed column when ``exact`` is False).
    op : {"<=", "==", "!=", "in", "not in"}
        The test sending a row left; ``NEGATED[op]`` sends it right.
    value : float, category or tuple of categories
    missing : {"left", "right"} or None
        Where a missing raw value goes (None: a missing value cannot reach this split).
    note : str
        How missing values are imputed, or why the split is not in raw units.
    exact : bool
        False when the split could not be mapped to the raw column.
    boundary : float or None
        For ``<=``: the exact raw threshold (``x <= boundary`` is the tree's own test, float32
        included); ``value`` is the shortest decimal within the tree's float32 resolution
        below it (e.g. 28.5 for 28.500000186), for reading.
    """

    feature: str
    op: str
    value: object
    missing: str | None = None
    note: str = ""
    exact: bool = True
    boundary: float | None = None

    def branch_op(self, left):
        """The test of the left (``left=True``) or the right branch."""
        return self.op if left else NEGATED[self.op]

    def text(self, left=True, precision=2, missing_note=True):
        """The branch's test as text, e.g. ``age <= 28.50`` or ``sex == Male``."""
        op = self.branch_op(left)
        text = f"{self.feature} {op} {format_value(self.value, precision)}"
        if missing_note and self.missing == ("left" if left else "right"):
            text += " or missing"
        if not self.exact:
            text += " (transformed units)"
        return text


@dataclass(frozen=True)
class RuleNode:
    """One node of the tree with its split (None at a leaf) in raw units."""

    node: int
    left: int
    right: int
    condition: Condition | None
    n_samples: int
    value: np.ndarray = field(repr=False)

    @property
    def is_leaf(self):
        return self.left == _LEAF


def format_value(value, precision=2):
    """A threshold, category or set of categories as text."""
    if isinstance(value, tuple):
        return "{" + ", ".join(format_value(v, precision) for v in value) + "}"
    if isinstance(value, float):
        return f"{value:.{precision}f}"
    return str(value)


# --------------------------------------------------------------------------------------------
# what each transformed column means in raw units
# --------------------------------------------------------------------------------------------
@dataclass
class _Numeric:
    """``forward(raw)`` is the current column; a missing raw value becomes ``missing``."""

    column: str
    forward: object
    inverse: object
    missing: float | None = math.nan  # NaN: still missing; None: cannot reach the tree
    fill: object = None  # the raw value a missing one was imputed with
    identity: bool = True


@dataclass
class _Categorical:
    """Each raw category has a current value; unseen ones ``unknown`` (None: they raise)."""

    column: str
    values: dict
    unknown: float | None
    missing: float | None = math.nan
    fill: object = None


@dataclass
class _Opaque:
    reason: str


def _identity(value):
    return value


def _is_nan(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value != value


def _then(first, second):
    return lambda value: second(first(value))


def _map_through(meaning, forward, inverse):
    """``meaning`` after an increasing one-column transform."""
    if isinstance(meaning, _Opaque):
        return meaning
    missing = meaning.missing
    if missing is not None and not _is_nan(missing):
        missing = float(forward(missing))
    if isinstance(meaning, _Categorical):
        unknown = meaning.unknown
        if unknown is not None and not _is_nan(unknown):
            unknown = float(forward(unknown))
        values = {c: float(forward(v)) for c, v in meaning.values.items()}
        return _Categorical(meaning.column, values, unknown, missing, meaning.fill)
    return _Numeric(
        meaning.column,
        _then(meaning.forward, forward),
        _then(inverse, meaning.inverse),
        missing,
        meaning.fill,
        identity=False,
    )


def _scaler_maps(transformer, n_columns):
    """``(forward, inverse)`` per column of a fitted scaler, or None when it is no scaler."""
    custom = getattr(transformer, "monotone_column_map", None)
    if callable(custom):
        return [custom(j) for j in range(n_columns)]
    kind = type(transformer).__name__
    if kind == "MinMaxScaler" and hasattr(transformer, "scale_"):
        maps = []
        for scale, low in zip(transformer.scale_.tolist(), transformer.min_.tolist()):
            maps.append(
                (lambda v, s=scale, m=low: v * s + m, lambda t, s=scale, m=low: (t - m) / s)
            )
        return maps
    if kind == "StandardScaler" and hasattr(transformer, "n_samples_seen_"):
        mean = transformer.mean_ if transformer.with_mean else None
        scale = transformer.scale_ if transformer.with_std else None
        maps = []
        for j in range(n_columns):
            m = 0.0 if mean is None else float(mean[j])
            s = 1.0 if scale is None else float(scale[j])
            maps.append((lambda v, m=m, s=s: (v - m) / s, lambda t, m=m, s=s: t * s + m))
        return maps
    if kind == "FunctionTransformer" and getattr(transformer, "func", 0) is None:
        return [(_identity, _identity)] * n_columns
    return None


def _impute(transformer, meanings):
    if not _is_nan(transformer.missing_values):
        reason = f"SimpleImputer replaces the value {transformer.missing_values!r}"
        return [_Opaque(reason) for _ in meanings]
    out = []
    for meaning, statistic in zip(meanings, transformer.statistics_.tolist()):
        if isinstance(meaning, _Opaque) or not (
            meaning.missing is None or _is_nan(meaning.missing)
        ):
            out.append(meaning)
            continue
        if isinstance(meaning, _Numeric):
            fill = meaning.inverse(statistic) if not meaning.identity else statistic
            out.append(
                _Numeric(
                    meaning.column,
                    meaning.forward,
                    meaning.inverse,
                    statistic,
                    fill,
                    meaning.identity,
                )
            )
        else:
            fill = next((c for c, v in meaning.values.items() if v == statistic), statistic)
            out.append(
                _Categorical(meaning.column, meaning.values, meaning.unknown, statistic, fill)
            )
    return out


def _categories(cats):
    """Known categories (as Python values) and whether NaN is one of them."""
    values = [c.item() if isinstance(c, np.generic) else c for c in cats.tolist()]
    has_nan = bool(values) and (values[-1] is None or _is_nan(values[-1]))
    return (values[:-1] if has_nan else values), has_nan


def _one_hot(encoder, meanings):
    out = []
    for j, meaning in enumerate(meanings):
        labels = encoder._output_categories(j)
        raw = isinstance(meaning, _Numeric) and meaning.identity
        if not raw:
            out.extend(_Opaque("one-hot encoding of a transformed column") for _ in labels)
            continue
        known, has_nan = _categories(encoder.categories_[j])
        infrequent = set()
        if encoder._infrequent_enabled and encoder._infrequent_indices[j] is not None:
            infrequent = {known[i] for i in encoder._infrequent_indices[j] if i < len(known)}
        for label in labels.tolist():
            if label == "infrequent_sklearn" and infrequent:
                hot = infrequent
                unknown = 1.0 if encoder.handle_unknown == "infrequent_if_exist" else 0.0
            else:
                hot = {label}
                unknown = 0.0
            if encoder.handle_unknown == "error":
                unknown = None
            values = {c: (1.0 if c in hot else 0.0) for c in known}
            if not _is_nan(meaning.missing):
                missing = values.get(meaning.missing, unknown)
                missing = 0.0 if missing is None else missing
            elif has_nan:
                missing = 1.0 if any(_is_nan(h) or h is None for h in hot) else 0.0
            else:
                missing = unknown  # None: a missing value is an error for this encoder
            out.append(_Categorical(meaning.column, values, unknown, missing, meaning.fill))
    return out


def _ordinal(encoder, meanings):
    out = []
    for j, meaning in enumerate(meanings):
        if not (isinstance(meaning, _Numeric) and meaning.identity):
            out.append(_Opaque("ordinal encoding of a transformed column"))
            continue
        known, has_nan = _categories(encoder.categories_[j])
        values = {c: float(i) for i, c in enumerate(known)}
        unknown = None
        if encoder.handle_unknown == "use_encoded_value":
            unknown = float(encoder.unknown_value)
        if not _is_nan(meaning.missing):
            missing = values.get(meaning.missing, unknown)
        elif has_nan:
            missing = float(encoder.encoded_missing_value)
        else:
            missing = unknown  # None: a missing value is an error for this encoder
        out.append(_Categorical(meaning.column, values, unknown, missing, meaning.fill))
    return out


def _column_positions(transformer, columns):
    names = getattr(transformer, "feature_names_in_", None)
    items = [columns] if isinstance(columns, str | numbers.Integral) else list(columns)
    lookup = {} if names is None else {str(n): i for i, n in enumerate(names)}
    return [lookup[c] if isinstance(c, str) else int(c) for c in items]


def _column_transformer(transformer, meanings):
    out = []
    weights = transformer.transformer_weights or {}
    for name, step, columns in transformer.transformers_:
        if isinstance(step, str) and step == "drop":
            continue
        positions = _column_positions(transformer, columns)
        if not positions:
            continue
        block = [meanings[i] for i in positions]
        if not (isinstance(step, str) and step == "passthrough"):
            block = transform_meanings(step, block)
        width = transformer.output_indices_[name]
        width = width.stop - width.start
        if block is None or len(block) != width:
            block = [_Opaque(f"transformer {name!r} ({type(step).__name__})")] * width
        weight = weights.get(name)
        if weight is not None:
            if weight > 0:
                block = [
                    _map_through(m, lambda v, w=weight: v * w, lambda t, w=weight: t / w)
                    for m in block
                ]
            else:
                block = [_Opaque(f"transformer weight {weight}")] * width
        out.extend(block)
    return out


def transform_meanings(transformer, meanings):
    """What each output column of a fitted ``transformer`` is, given its inputs' meanings.

    Returns None when the number of output columns is not known.
    """
    if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
        return list(meanings)
    kind = type(transformer).__name__
    if hasattr(transformer, "steps"):
        for _, step in transformer.steps:
            if meanings is None:
                return None
            meanings = transform_meanings(step, meanings)
        return meanings
    if kind == "ColumnTransformer" and hasattr(transformer, "transformers_"):
        return _column_transformer(transformer, meanings)
    if kind == "SimpleImputer" and hasattr(transformer, "statistics_"):
        return _impute(transformer, meanings)
    if kind == "OneHotEncoder" and hasattr(transformer, "_output_categories"):
        return _one_hot(transformer, meanings)
    if kind == "OrdinalEncoder" and hasattr(transformer, "categories_"):
        return _ordinal(transformer, meanings)
    maps = _scaler_maps(transformer, len(meanings))
    if maps is not None:
        return [
            _Opaque(f"{kind} is not monotone on this column")
            if pair is None
            else _map_through(meaning, *pair)
            for meaning, pair in zip(meanings, maps)
        ]
    try:
        width = len(transformer.get_feature_names_out())
    except Exception:  # noqa: BLE001 - any failure means the width is unknown
        return None
    return [_Opaque(f"{kind} has no declared inverse")] * width


def feature_meanings(model):
    """The meaning of each feature the final tree sees, and the tree itself."""
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    tree_ = getattr(estimator, "tree_", None)
    if tree_ is None or not hasattr(tree_, "children_left"):
        raise ValueError(
            f"{type(estimator).__name__} is not a fitted decision tree; the raw-unit rules need "
            "a fitted Pipeline ending in a tree (or a fitted tree)."
        )
    first = next(
        (s for _, s in (steps or [("", model)]) if s is not None and not isinstance(s, str)),
        estimator,
    )  # the first real step sees the raw input
    names = getattr(first, "feature_names_in_", None)
    n_inputs = int(getattr(first, "n_features_in_", estimator.n_features_in_))
    names = [f"x{i}" for i in range(n_inputs)] if names is None else [str(n) for n in names]
    meanings = [_Numeric(name, _identity, _identity) for name in names]
    for _, step in (steps or [])[:-1]:
        if meanings is None:
            break
        meanings = transform_meanings(step, meanings)
    n_features = int(estimator.n_features_in_)
    if meanings is None or len(meanings) != n_features:
        meanings = [_Opaque("the transformers' outputs could not be followed")] * n_features
    out_names = _transformed_names(model, n_features)
    return meanings, out_names, estimator


def _transformed_names(model, n_features):
    steps = getattr(model, "steps", None)
    if steps and len(steps) > 1:
        try:
            names = list(model[:-1].get_feature_names_out())
            if len(names) == n_features:
                return [str(n) for n in names]
        except Exception:  # noqa: BLE001 - names are a nicety here
            pass
    names = getattr(steps[-1][1] if steps else model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{j}" for j in range(n_features)]


# --------------------------------------------------------------------------------------------
# node view
# --------------------------------------------------------------------------------------------
def _tree_compare(forward):
    """The transformed value as the tree compares it (its input is float32)."""
    return lambda raw: float(np.float32(forward(float(raw))))


def _raw_threshold(forward, inverse, threshold):
    """A short number ``r`` with ``x <= r`` exactly when the tree sends raw ``x`` left."""
    compare = _tree_compare(forward)
    guess = float(inverse(threshold))
    if not math.isfinite(guess):
        return guess
    step = max(abs(guess), 1.0) * 1e-9
    low = high = guess
    for _ in range(80):
        if compare(low) <= threshold:
            break
        low -= step
        step *= 2
    step = max(abs(guess), 1.0) * 1e-9
    for _ in range(80):
        if compare(high) > threshold:
            break
        high += step
        step *= 2
    if not (compare(low) <= threshold < compare(high)):
        return guess  # forward is not monotone here; the plain inverse is the best guess
    for _ in range(200):
        middle = low + (high - low) / 2
        if middle <= low or middle >= high:
            break
        if compare(middle) <= threshold:
            low = middle
        else:
            high = middle
    return low


def _readable_threshold(forward, inverse, threshold, boundary):
    """The shortest decimal within the tree's float32 resolution around ``boundary``.

    The tree compares float32 numbers: raw values in ``(previous, next]`` reach it as the
    float32 value of the boundary or the one above, where ``previous`` and ``next`` are the
    boundaries of the float32 numbers below and above. Any decimal there reads the split as
    well as the tree resolves it (28.5 for 28.500000186); ``Condition.boundary`` keeps the exact
    value, and an explained row lying between the two is shown with the exact one.
    """
    if not math.isfinite(boundary):
        return boundary
    compared = np.float32(_tree_compare(forward)(boundary))
    below = float(np.nextafter(compared, np.float32(-np.inf)))
    above = float(np.nextafter(compared, np.float32(np.inf)))
    previous = _raw_threshold(forward, inverse, below)
    following = _raw_threshold(forward, inverse, above)
    if not (previous < boundary <= following):
        return boundary
    for digits in range(0, 17):
        scale = 10.0**digits
        for candidate in (
            round(boundary, digits),
            math.floor(boundary * scale) / scale,
            math.ceil(boundary * scale) / scale,
        ):
            if previous < candidate <= following:
                return float(candidate)
    return boundary


def _code_goes_left(current, threshold, tree_, node):
    """A (non-missing) transformed value goes left: ``<= threshold``, or at a native
    categorical split its code's bit (a code above the training ones: the larger child)."""
    rows = getattr(tree_, "categorical_node", None)
    if rows is None or rows[node] < 0:
        return bool(np.float32(current) <= threshold)
    if _is_nan(current):
        return bool(tree_.missing_go_to_left[node])
    code = int(current)
    if code >= int(tree_.categorical_n_codes):
        left, right = int(tree_.children_left[node]), int(tree_.children_right[node])
        return bool(tree_.n_node_samples[left] > tree_.n_node_samples[right])
    word = int(tree_.categorical_bitsets[int(rows[node])][code >> 6])
    return bool((word >> (code & 63)) & 1)


def _missing_side(current, threshold, tree_, node):
    if current is None:
        return None
    if _is_nan(current):
        flags = getattr(tree_, "missing_go_to_left", None)
        if flags is None or len(flags) <= node:
            return None
        return "left" if flags[node] else "right"
    return "left" if _code_goes_left(current, threshold, tree_, node) else "right"


def _fill_note(meaning, precision=4):
    if meaning.fill is None:
        return ""
    fill = meaning.fill
    if isinstance(fill, float):
        fill = float(f"{fill:.{precision}g}")
    return f"missing values are imputed as {fill}"


def _categorical_condition(meaning, threshold, tree_, node):
    left, right = [], []
    for category, current in meaning.values.items():
        (left if _code_goes_left(current, threshold, tree_, node) else right).append(category)
    unknown = _missing_side(meaning.unknown, threshold, tree_, node)
    if unknown == "left" or (unknown is None and len(right) <= len(left)):
        op, value = "not in", right
    else:
        op, value = "in", left
    if len(value) == 1:
        op, value = ("!=" if op == "not in" else "=="), value[0]
    else:
        value = tuple(value)
    missing = _missing_side(meaning.missing, threshold, tree_, node)
    return Condition(meaning.column, op, value, missing, _fill_note(meaning))


def _condition(meaning, name, tree_, node):
    threshold = float(tree_.threshold[node])
    if isinstance(meaning, _Categorical):
        return _categorical_condition(meaning, threshold, tree_, node)
    if isinstance(meaning, _Numeric):
        boundary = _raw_threshold(meaning.forward, meaning.inverse, threshold)
        missing = _missing_side(meaning.missing, threshold, tree_, node)
        return Condition(
            meaning.column,
            "<=",
            _readable_threshold(meaning.forward, meaning.inverse, threshold, boundary),
            missing,
            _fill_note(meaning),
            boundary=boundary,
        )
    missing = _missing_side(math.nan, threshold, tree_, node)
    note = f"not in raw units: {meaning.reason}"
    readable = _readable_threshold(_identity, _identity, threshold, threshold)
    return Condition(name, "<=", readable, missing, note, False, threshold)


def raw_node_view(model):
    """Every node of a fitted (Pipeline ending in a) tree, with its split in raw units.

    Parameters
    ----------
    model : fitted Pipeline or tree
        A Pipeline whose last step has ``tree_`` (scikit-learn's array names), or such a tree.

    Returns
    -------
    list of RuleNode
        Indexed by node id; ``condition`` is None at the leaves.
    """
    meanings, names, estimator = feature_meanings(model)
    tree_ = estimator.tree_
    nodes = []
    for node in range(int(tree_.node_count)):
        left, right = int(tree_.children_left[node]), int(tree_.children_right[node])
        condition = None
        if left != _LEAF:
            feature = int(tree_.feature[node])
            condition = _condition(meanings[feature], names[feature], tree_, node)
        nodes.append(
            RuleNode(
                node,
                left,
                right,
                condition,
                int(tree_.n_node_samples[node]),
                np.asarray(tree_.value[node][0]),
            )
        )
    return nodes
