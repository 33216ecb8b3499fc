"""Categorical splits as text: ``workclass in {Private, Self-emp-inc}``.

The set is the node's bitset (``tree._categorical_fit``): the codes that go left, written with
their category names when known (the model's ``category_names_`` from pandas categories, or a
``category_names`` argument), then ``missing`` when the missing values go left. When a feature's
names are known, codes with no name are left out: the bitset is as wide as the largest code of
any categorical feature, and a code a feature never had (a category unseen in training) follows
the larger child, which the set need not spell out. Long sets show their first ``MAX_SHOWN``
members and how many more there are.
"""

import numpy as np

MAX_SHOWN = 12


def is_categorical_node(tree_, node):
    """Node ``node`` is a split on a categorical feature."""
    index = getattr(tree_, "categorical_node", None)
    return index is not None and int(index[node]) >= 0


def left_codes(tree_, node):
    """The codes a categorical node sends left (ascending)."""
    words = np.asarray(tree_.categorical_bitsets[int(tree_.categorical_node[node])])
    bits = np.unpackbits(words.astype("<u8").view(np.uint8), bitorder="little")
    return np.flatnonzero(bits[: int(tree_.categorical_n_codes)])


def resolve_category_names(model, category_names, feature_names=None):
    """Per feature index its category names: ``category_names`` (a dict by feature index or
    name, or a sequence with one list or None per feature) over the model's own."""
    names = dict(getattr(model, "category_names_", None) or {})
    if category_names is None:
        return names
    if isinstance(category_names, dict):
        for key, value in category_names.items():
            if isinstance(key, str):
                known = [str(n) for n in (feature_names or getattr(model, "feature_names_in_", []))]
                if key not in known:
                    raise ValueError(
                        f"category_names names the feature {key!r}, which is not one of the "
                        f"feature names {known}."
                    )
                key = known.index(key)
            names[int(key)] = [str(v) for v in value]
        return names
    n_features = int(getattr(model, "n_features_in_", len(category_names)))
    if len(category_names) != n_features:
        raise ValueError(
            f"category_names has {len(category_names)} entries; give one (a list of names, or "
            f"None) per feature ({n_features}), or a dict by feature."
        )
    for j, value in enumerate(category_names):
        if value is not None:
            names[j] = [str(v) for v in value]
    return names


def category_text(code, names):
    """A category's name when known, else its code."""
    code = int(code)
    return names[code] if names is not None and 0 <= code < len(names) else str(code)


def category_set_text(tree_, node, names):
    """``{A, C, missing}``: what the categorical node ``node`` sends left."""
    codes = left_codes(tree_, node)
    if names is not None:  # codes without a name are unseen categories: not listed
        codes = codes[codes < len(names)]
    items = [category_text(code, names) for code in codes]
    if tree_.missing_go_to_left[node]:
        items.append("missing")
    if len(items) > MAX_SHOWN:
        items = items[:MAX_SHOWN] + [f"... {len(items) - MAX_SHOWN} more"]
    return "{" + ", ".join(items) + "}"


def categorical_condition(tree_, node, name, category_names, left=True):
    """``name in {...}`` (left) or ``name not in {...}`` (right) of a categorical node."""
    names = category_names.get(int(tree_.feature[node]))
    op = "in" if left else "not in"
    return f"{name} {op} {category_set_text(tree_, node, names)}"
