"""Explanations of rows: the root-to-leaf path of each row in the pipeline's raw units.

The model routes the rows (``tree.apply`` on the transformed rows), so an explanation follows
the prediction's own path; :func:`pipeline.explain.raw_node_view` supplies each step's test.
``Explainer.explain_json`` writes the same explanations as JSON text, fast: the text around each
row value on each leaf's path is built once, a request only gathers and joins pieces with numpy
object arrays (measured: a Python loop over rows and steps cost 4x the prediction itself), and
a row value lying between a rounded threshold and the exact one is shown with the exact one.
"""

import json

import numpy as np
import pandas as pd
from pandas import NA as _NA

from pipeline.explain import raw_node_view

_COMPACT = (",", ":")
_PLAIN_NUMBERS = {int, float, type(None)}


def _json_value(value):
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class Explainer:
    """Routes rows with the model and describes each path in raw units.

    Parameters
    ----------
    model : fitted Pipeline or tree
        As for :func:`raw_node_view`.
    """

    def __init__(self, model):
        self.model = model
        self.nodes = raw_node_view(model)
        steps = getattr(model, "steps", None)
        self.estimator = steps[-1][1] if steps else model
        self.preprocess = model[:-1] if steps and len(steps) > 1 else None
        classes = getattr(self.estimator, "classes_", None)
        self.classes = None if classes is None else [_json_value(c) for c in np.asarray(classes)]
        self.raw_columns = sorted(
            {
                n.condition.feature
                for n in self.nodes
                if n.condition is not None and n.condition.exact
            }
        )
        self._wanted = set(self.raw_columns)
        parent = {}
        for n in self.nodes:
            if not n.is_leaf:
                parent[n.left] = (n.node, True)
                parent[n.right] = (n.node, False)
        self._parent = parent
        self._paths = {}
        self._n_features = int(self.estimator.n_features_in_)

    def _template(self, leaf):
        """The steps from the root to ``leaf`` (built once per leaf)."""
        cached = self._paths.get(leaf)
        if cached is not None:
            return cached
        steps, node = [], leaf
        while node in self._parent:
            node, left = self._parent[node]
            condition = self.nodes[node].condition
            feature = int(self.estimator.tree_.feature[node])
            goes = "left" if left else "right"
            missing_note = condition.note or "a missing value goes this way"
            steps.append(
                (
                    condition.feature,
                    condition.branch_op(left),
                    _json_value(condition.value),
                    condition.boundary,
                    feature if not condition.exact else None,
                    missing_note if condition.missing == goes else None,
                    condition.note if not condition.exact else None,
                )
            )
        steps.reverse()
        rule_node = self.nodes[leaf]
        value = np.asarray(rule_node.value, dtype=np.float64)
        leaf_info = {"node": int(leaf), "samples": rule_node.n_samples}
        if self.classes is not None:
            total = float(value.sum()) or 1.0
            leaf_info["distribution"] = {
                str(c): round(float(v) / total, 6) for c, v in zip(self.classes, value)
            }
        else:
            leaf_info["value"] = float(value[0])
        cached = (tuple(steps), leaf_info)
        self._paths[leaf] = cached
        return cached

    def explain_columns(self, transformed, columns):
        """Explanations of rows given as raw columns and their transformed matrix.

        Parameters
        ----------
        transformed : ndarray of shape (n_rows, n_features)
            The rows as the tree sees them.
        columns : dict of str to sequence
            The raw input columns (at least those in ``raw_columns``), one value per row;
            None or NaN is missing.

        Returns
        -------
        list of dict
            Per row ``{"rules": [step, ...], "leaf": {...}}``; a step is ``{"feature", "op",
            "value", "row_value"}`` (``"op": "is missing"`` and a ``"note"`` for a missing
            value).
        """
        columns = self._check_columns(columns)
        leaves = self._leaves(transformed)
        out = []
        for row, leaf in enumerate(leaves.tolist()):
            steps, leaf_info = self._template(leaf)
            rules = []
            for feature, op, value, boundary, index, missing_note, note in steps:
                if index is None:
                    row_value = columns[feature][row]
                else:
                    row_value = float(transformed[row, index])
                if row_value is None or row_value is _NA or row_value != row_value:
                    step = {
                        "feature": feature,
                        "op": "is missing",
                        "value": None,
                        "row_value": None,
                        "note": missing_note or "missing",
                    }
                else:
                    if boundary is not None and (row_value <= value) != (op == "<="):
                        value = boundary  # the row lies between the rounded and exact value
                    step = {"feature": feature, "op": op, "value": value, "row_value": row_value}
                    if note:
                        step["note"] = note
                rules.append(step)
            out.append({"rules": rules, "leaf": leaf_info})
        return out

    def _leaves(self, transformed):
        tree_input = transformed
        names = getattr(self.estimator, "feature_names_in_", None)
        if names is not None and not hasattr(transformed, "columns"):
            tree_input = pd.DataFrame(transformed, columns=list(names), copy=False)
        return np.asarray(self.estimator.apply(tree_input))

    def _check_columns(self, columns):
        absent = [name for name in self.raw_columns if name not in columns]
        if absent:
            raise ValueError(f"explain needs the raw columns {absent}; pass them with the rows.")
        return {
            name: values.tolist() if isinstance(values, np.ndarray) else list(values)
            for name, values in columns.items()
            if name in self._wanted
        }

    # ------------------------------------------------------------------ JSON text, fast
    def _prepare_json(self):
        """The slot sources: the raw columns, then the transformed columns of unmapped splits."""
        numeric, opaque = set(), set()
        for node in self.nodes:
            condition = node.condition
            if condition is None:
                continue
            if not condition.exact:
                opaque.add(int(self.estimator.tree_.feature[node.node]))
            elif condition.op == "<=":
                numeric.add(condition.feature)
        self._sources = [(name, name in numeric) for name in self.raw_columns]
        self._sources += [(("t", j), True) for j in sorted(opaque)]
        self._slot = {key: k for k, (key, _) in enumerate(self._sources)}

    def _json_tables(self):
        """Per leaf and path position: the JSON text around the row value, the slot of the
        value, the text for a missing value; per leaf the closing text (built once)."""
        leaves = [n.node for n in self.nodes if n.is_leaf]
        paths = {leaf: self._template(leaf) for leaf in leaves}
        depth = max((len(steps) for steps, _ in paths.values()), default=0)
        shape = (len(self.nodes), depth)
        heads = np.full(shape, "", dtype=object)
        tails = np.full(shape, "", dtype=object)
        missings = np.full(shape, "", dtype=object)
        slots = np.full(shape, len(self._sources), dtype=np.intp)  # the last: always ""
        ends = np.full(len(self.nodes), "", dtype=object)
        exact_heads = np.full(shape, "", dtype=object)
        lows = np.full(shape, np.inf)  # a row value in (low, high] needs the exact value
        highs = np.full(shape, -np.inf)
        for leaf, (steps, leaf_info) in paths.items():
            for d, (feature, op, value, _, index, missing_note, note) in enumerate(steps):
                start = '{"rules":[' if d == 0 else ","
                name = json.dumps(feature)
                heads[leaf, d] = (
                    start
                    + '{"feature":'
                    + name
                    + ',"op":'
                    + json.dumps(op)
                    + ',"value":'
                    + json.dumps(value, separators=_COMPACT)
                    + ',"row_value":'
                )
                tails[leaf, d] = "}" if not note else ',"note":' + json.dumps(note) + "}"
                missings[leaf, d] = (
                    start + '{"feature":' + name + ',"op":"is missing","value":null,'
                    '"row_value":null,"note":' + json.dumps(missing_note or "missing") + "}"
                )
                slots[leaf, d] = self._slot[feature if index is None else ("t", index)]
            leaf_text = ',"leaf":' + json.dumps(leaf_info, separators=_COMPACT) + "}"
            ends[leaf] = ("]" if steps else '{"rules":[]') + leaf_text
        self._tables = (heads, tails, missings, slots, ends, exact_heads, lows, highs)

    def _encoded(self, transformed, columns, n_rows):
        """Per slot source: each row's value as JSON text ("" when missing), as a number (NaN
        when missing or not a number), and whether it is missing; None when a value cannot be
        read this way (the general path then explains the rows)."""
        encoded, numbers, missing = [], [], []
        for key, numeric in self._sources:
            values = transformed[:, key[1]].tolist() if isinstance(key, tuple) else columns[key]
            if numeric:
                try:
                    number = np.asarray(values, dtype=np.float64)
                except (TypeError, ValueError):
                    return None
                if set(map(type, values)) <= _PLAIN_NUMBERS:
                    texts = list(map(repr, values))  # what json writes for int and float
                else:
                    texts = json.dumps(values)[1:-1].split(", ")
                    if len(texts) != n_rows:
                        return None
                absent = np.isnan(number)
                for row in np.flatnonzero(absent).tolist():
                    texts[row] = ""
            else:
                try:
                    memo = {
                        v: ("" if v is None or v is _NA or v != v else json.dumps(v))
                        for v in set(values)
                    }
                except TypeError:  # an unhashable value: the general path reads it
                    return None
                texts = list(map(memo.__getitem__, values))
                gone = {v for v, text in memo.items() if text == ""}
                if gone:
                    absent = np.fromiter(map(gone.__contains__, values), bool, count=n_rows)
                else:
                    absent = np.zeros(n_rows, dtype=bool)
                number = np.full(n_rows, np.nan)
            encoded.append(texts)
            numbers.append(number)
            missing.append(absent)
        return encoded, numbers, missing

    def _fill_json(self, leaves, encoded, numbers, missing):
        """Every row's JSON text: one join per row of pieces gathered with numpy (head, value
        and tail per path step, then the leaf's closing text)."""
        heads, tails, missings, slots, ends, exact_heads, lows, highs = self._tables
        n_rows, n_sources, depth = len(leaves), len(self._sources), slots.shape[1]
        values = np.empty((n_rows, n_sources + 1), dtype=object)
        for k, column in enumerate(encoded):
            values[:, k] = column
        values[:, n_sources] = ""
        number = np.column_stack([*numbers, np.full(n_rows, np.nan)])
        absent = np.column_stack([*missing, np.zeros(n_rows, dtype=bool)])
        where = slots[leaves]
        rows = np.arange(n_rows)[:, None]
        head, tail = heads[leaves], tails[leaves]
        x = number[rows, where]
        near = (x > lows[leaves]) & (x <= highs[leaves])
        if near.any():  # between the rounded and the exact threshold: show the exact one
            head[near] = exact_heads[leaves][near]
        gone = absent[rows, where]
        if gone.any():  # a missing value: the step reads "is missing"
            head[gone] = missings[leaves][gone]
            tail[gone] = ""
        pieces = np.empty((n_rows, 3 * depth + 1), dtype=object)
        pieces[:, 0 : 3 * depth : 3] = head
        pieces[:, 1 : 3 * depth : 3] = values[rows, where]
        pieces[:, 2 : 3 * depth : 3] = tail
        pieces[:, -1] = ends[leaves]
        return ["".join(parts) for parts in pieces.tolist()]

    def explain_json(self, transformed, columns):
        """The explanations of :meth:`explain_columns` as one compact JSON text per row."""
        columns = self._check_columns(columns)
        if not hasattr(self, "_sources"):
            self._prepare_json()
            self._json_tables()
        leaves = self._leaves(transformed)
        encoded = self._encoded(transformed, columns, len(leaves))
        if encoded is None:  # values the table path cannot read
            return [
                json.dumps(e, separators=_COMPACT)
                for e in self.explain_columns(transformed, columns)
            ]
        return self._fill_json(np.asarray(leaves, dtype=np.intp), *encoded)

    def explain(self, X):
        """Explanations of the rows of ``X`` (the pipeline's raw input)."""
        transformed = X if self.preprocess is None else self.preprocess.transform(X)
        transformed = np.asarray(transformed, dtype=np.float64)
        if transformed.ndim != 2 or transformed.shape[1] != self._n_features:
            raise ValueError(
                f"X must give {self._n_features} features to the tree; got shape "
                f"{transformed.shape}."
            )
        if hasattr(X, "columns"):
            wanted = set(self.raw_columns)
            columns = {
                str(c): [_json_value(v) for v in X[c].tolist()]
                for c in X.columns
                if str(c) in wanted
            }
        else:
            values = np.asarray(X, dtype=object)
            if values.ndim != 2:
                raise ValueError(f"X must be 2-D; got shape {values.shape}.")
            columns = {
                f"x{i}": [_json_value(v) for v in values[:, i].tolist()]
                for i in range(values.shape[1])
            }
        return self.explain_columns(transformed, columns)


_CACHE = {}


def explainer_for(model):
    """The model's :class:`Explainer`, built once per fitted tree."""
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    key = (id(model), id(getattr(estimator, "tree_", None)))
    cached = _CACHE.get(key)
    if (
        cached is None
        or cached.model is not model
        or cached.estimator.tree_ is not getattr(estimator, "tree_", None)
    ):
        if len(_CACHE) > 32:
            _CACHE.clear()
        cached = Explainer(model)
        _CACHE[key] = cached
    return cached


def explain(model, X):
    """The rule path of each row of ``X`` in raw units (see :meth:`Explainer.explain_columns`)."""
    return explainer_for(model).explain(X)
