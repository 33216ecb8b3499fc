"""Explanations of rows: the root-to-leaf path of each row in the pipeline's raw units.

The model routes the rows (``tree.apply`` on the transformed rows), so an explanation follows
the prediction's own path; :func:`pipeline.explain.raw_node_view` supplies each step's test.
``Explainer.explain_json`` and ``explain_json_array`` write the same explanations as JSON text,
byte for byte what ``json.dumps`` writes of them, fast (see :mod:`pipeline._explain_text`): the
text of every step is built once per node, a request encodes each column's values and one
compiled loop copies the bytes. A row value lying between a rounded threshold and the exact one
is shown with the exact one.
"""

import json

import numpy as np
import pandas as pd
from pandas import NA as _NA

from pipeline._explain_text import CategoryCodes, byte_pool, encode_numeric, write_rows
from pipeline.explain import raw_node_view

_COMPACT = (",", ":")
FEW_ROWS = 8  # below this many rows, building dicts and json.dumps is faster (measured)


def _json_value(value):
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_sequence(values):
    """A column as a list or tuple of Python values (a float array stays: it is read whole)."""
    if isinstance(values, list | tuple):
        return values
    if isinstance(values, np.ndarray):
        return values if values.dtype.kind == "f" and values.ndim == 1 else values.tolist()
    return list(values)


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

    def _step(self, node, left):
        """The test of ``node``'s left or right branch as the parts of an explanation step."""
        condition = self.nodes[node].condition
        goes = "left" if left else "right"
        missing_note = condition.note or "a missing value goes this way"
        return (
            condition.feature,
            condition.branch_op(left),
            _json_value(condition.value),
            condition.boundary,
            int(self.estimator.tree_.feature[node]) if not condition.exact else None,
            missing_note if condition.missing == goes else None,
            condition.note if not condition.exact else None,
        )

    def _template(self, leaf):
        """The steps from the root to ``leaf`` (built once per leaf)."""
        cached = self._paths.get(leaf)
        if cached is not None:
            return cached
        steps, node = [], leaf
        while node in self._parent:
            node, left = self._parent[node]
            steps.append(self._step(node, left))
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

    def leaves(self, transformed):
        """The leaf each transformed row reaches (the model's own ``apply``)."""
        return np.asarray(self._leaves(transformed), dtype=np.intp)

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
        return {name: _as_sequence(columns[name]) for name in self.raw_columns}

    # ------------------------------------------------------------------ JSON text, fast
    def _prepare_json(self):
        """Per node the JSON text of the step into it, in every variant, as byte pieces.

        A row's explanation is the pieces of the nodes on its path, each followed by the row
        value (none where it is missing), and its leaf's closing piece. A piece depends on the
        node only: the step into a node always tests its parent's split the same way.
        Variants: the previous step's value missing or not (its closing brace is in this
        piece), and this step read with the shown value, with the exact one (a row value
        between the two) or as missing.
        """
        tree = self.estimator.tree_
        numeric, opaque = set(), set()
        for node in self.nodes:
            condition = node.condition
            if condition is None:
                continue
            if not condition.exact:
                opaque.add(int(tree.feature[node.node]))
            elif condition.op == "<=":
                numeric.add(condition.feature)
        sources = [(name, name in numeric) for name in self.raw_columns]
        sources += [(("t", j), True) for j in sorted(opaque)]
        slot_of_source = {key: k for k, (key, _) in enumerate(sources)}
        n_nodes = len(self.nodes)
        depth = np.zeros(n_nodes, dtype=np.intp)
        slot = np.zeros(n_nodes, dtype=np.intp)
        checked = np.zeros(n_nodes, dtype=bool)  # shown value != the tree's exact boundary
        shown = np.full(n_nodes, np.nan)
        left_op = np.zeros(n_nodes, dtype=bool)
        pieces = [""] * (10 * n_nodes)
        tails = [""] * n_nodes
        order, stack = [], [0]
        while stack:  # parents before their children
            node = self.nodes[stack.pop()]
            order.append(node.node)
            if not node.is_leaf:
                stack += [node.right, node.left]
        for c in order[1:]:
            parent, left = self._parent[c]
            depth[c] = depth[parent] + 1
            feature, op, value, boundary, index, missing_note, note = self._step(parent, left)
            slot[c] = slot_of_source[feature if index is None else ("t", index)]
            if boundary is not None:
                checked[c] = True
                shown[c] = value
                left_op[c] = op == "<="
            start = '{"rules":[' if depth[c] == 1 else ","
            name = json.dumps(feature)
            head = '{"feature":' + name + ',"op":' + json.dumps(op) + ',"value":'
            reads = head + json.dumps(value, separators=_COMPACT) + ',"row_value":'
            exact = reads if boundary is None else head + json.dumps(boundary) + ',"row_value":'
            missing = (
                '{"feature":' + name + ',"op":"is missing","value":null,"row_value":null,'
                '"note":' + json.dumps(missing_note or "missing") + "}"
            )
            tails[c] = "}" if not note else ',"note":' + json.dumps(note) + "}"
            for after_missing in (0, 1):
                before = tails[parent] if depth[c] > 1 and not after_missing else ""
                for kind, text in enumerate((reads, exact, missing)):
                    pieces[(3 * after_missing + kind) * n_nodes + c] = before + start + text
        paths = []
        for node in self.nodes:
            if not node.is_leaf:
                continue
            leaf, path = node.node, []
            _, leaf_info = self._template(leaf)
            text = ',"leaf":' + json.dumps(leaf_info, separators=_COMPACT) + "}"
            for after_missing in (0, 1):
                if depth[leaf] == 0:
                    closing = '{"rules":[]' + text
                else:
                    closing = ("" if after_missing else tails[leaf]) + "]" + text
                for mode, end in enumerate(("\n", ",")):
                    pieces[(6 + 2 * mode + after_missing) * n_nodes + leaf] = closing + end
            c = leaf
            while c in self._parent:
                path.append(c)
                c = self._parent[c][0]
            paths.append((leaf, path[::-1]))
        path_start = np.zeros(n_nodes, dtype=np.intp)
        path_nodes = []
        for leaf, path in paths:
            path_start[leaf] = len(path_nodes)
            path_nodes.extend(path)
        self._sources = sources
        self._categories = {key: CategoryCodes() for key, numeric in sources if not numeric}
        self._json = {
            "depth": depth,
            "slot": slot,
            "checked": checked,
            "shown": shown,
            "left_op": left_op,
            "pieces": byte_pool(pieces),
            "path_start": path_start,
            "path_nodes": np.asarray(path_nodes, dtype=np.intp),
            "bytes_per_row": 256.0,
        }

    def _encode(self, transformed, columns, n_rows):
        """Per source: each row's value number (or int value), the values' texts, missing
        flags, numbers, and which sources are ints written by the kernel."""
        n_sources = len(self._sources)
        codes = np.empty((n_sources, n_rows), dtype=np.int64)
        missing = np.empty((n_sources, n_rows), dtype=bool)
        numbers = np.full((n_sources, n_rows), np.nan)
        written_ints = np.zeros(n_sources, dtype=bool)
        texts = []
        for k, (key, numeric) in enumerate(self._sources):
            if isinstance(key, tuple):
                encoded = encode_numeric(np.ascontiguousarray(transformed[:, key[1]]))
            elif numeric:
                encoded = encode_numeric(columns[key])
            else:
                encoded = self._categories[key].encode(columns[key])
            if encoded is None:
                return None
            if encoded[1] is None:
                codes[k] = encoded[0]
                written_ints[k] = True
            else:
                codes[k] = encoded[0] + len(texts)
                texts += encoded[1]
            missing[k] = encoded[2]
            if numeric:
                numbers[k] = encoded[3]
        return codes, missing, numbers, written_ints, texts

    def _json_bytes(self, transformed, columns, mode, leaves=None):
        """The explanations as ``[`` + rows ended by newlines (``mode`` 0) or commas (1) +
        ``]``; None for a few rows (the general path is faster there) or when a value cannot
        be read this way (the general path then explains the rows)."""
        if len(transformed) < FEW_ROWS:
            return None
        if not hasattr(self, "_json"):
            self._prepare_json()
        t = self._json
        leaves = self.leaves(transformed) if leaves is None else leaves
        n_rows = len(leaves)
        try:
            encoded = self._encode(transformed, columns, n_rows)
        except (TypeError, ValueError):  # e.g. a value json cannot write
            return None
        if encoded is None:
            return None
        return write_rows(t, leaves, *encoded, 6 + 2 * mode)

    def explain_json(self, transformed, columns):
        """The explanations of :meth:`explain_columns` as one compact JSON text per row."""
        columns = self._check_columns(columns)
        text = self._json_bytes(transformed, columns, 0)
        if text is None:  # values the table path cannot read
            return [
                json.dumps(e, separators=_COMPACT)
                for e in self.explain_columns(transformed, columns)
            ]
        return text[1:-1].decode("ascii").split("\n") if len(text) > 2 else []

    def explain_json_array(self, transformed, columns, leaves=None):
        """The explanations of :meth:`explain_columns` as one JSON array (ASCII bytes);
        ``leaves`` (from :meth:`leaves`) when the rows are routed already."""
        columns = self._check_columns(columns)
        text = self._json_bytes(transformed, columns, 1, leaves)
        if text is None:
            explanations = self.explain_columns(transformed, columns)
            return json.dumps(explanations, separators=_COMPACT).encode("ascii")
        return text

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
