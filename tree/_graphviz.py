"""A fitted tree in Graphviz DOT: ``export_graphviz``, scikit-learn's format to the character.

The node labels and fill colours are ``tree._node_style``'s.
"""

import io
import os
import tempfile

from tree._export_common import check_int, is_classifier, preorder, rule_source
from tree._node_style import NodeStyle
from tree._tree import TREE_LEAF


def export_graphviz(
    model,
    out_file=None,
    feature_names=None,
    class_names=None,
    filled=False,
    rounded=False,
    impurity=True,
    proportion=False,
    node_ids=False,
    label="all",
    precision=3,
    max_depth=None,
    leaves_parallel=False,
    rotate=False,
    special_characters=False,
    fontname="helvetica",
    category_names=None,
):
    """The tree in Graphviz DOT (scikit-learn's ``export_graphviz`` format).

    No Graphviz installation is needed to produce the text; render it with, for example,
    ``dot -Tpng tree.dot -o tree.png``.

    Parameters
    ----------
    model : DecisionTree, DecisionTreeRegressor or fitted Pipeline ending in one
        The fitted tree; a pipeline's splits are written on its raw input columns.
    out_file : str, path or file object, optional
        Where to write; when None the DOT text is returned.
    feature_names : sequence of str, optional
        One name per feature; default ``x[0]``, ``x[1]``, ...
    class_names : sequence or True, optional
        Names for the majority class line (True: ``y[k]``); no class line when None.
    filled, rounded : bool, default False
        Colour nodes by majority class (regression: by value), draw rounded boxes.
    impurity, proportion, node_ids : bool
        Show impurity; show proportions instead of counts; show node ids.
    label : {"all", "root", "none"}, default "all"
        Which nodes name their fields.
    precision : int, default 3
        Digits for thresholds, impurity and values.
    max_depth : int, optional
        Levels shown; deeper nodes appear as "(...)".
    leaves_parallel, rotate, special_characters : bool, default False
        Leaves on one rank; left-to-right layout; HTML-style labels.
    fontname : str, default "helvetica"
    category_names : dict or sequence, optional
        Names of categorical features' codes, as in ``export_text``.

    Returns
    -------
    str or None
        The DOT text when ``out_file`` is None.
    """
    if special_characters:
        marks = ("&#35;", "<SUB>", "</SUB>", "&le;", "<br/>", ">", "<")
    else:
        marks = ("#", "[", "]", "<=", "\\n", '"', '"')
    model, rules = rule_source(model, feature_names)
    if rules is not None and class_names is None and is_classifier(model):
        class_names = [str(name) for name in model.classes_]
    style = NodeStyle(
        model,
        marks,
        feature_names=feature_names,
        class_names=class_names,
        label=label,
        impurity=impurity,
        node_ids=node_ids,
        proportion=proportion,
        precision=precision,
        escape=lambda text: text.replace('"', r"\""),
        rules=rules,
        category_names=category_names,
    )
    max_depth = check_int("max_depth", max_depth, allow_none=True)
    if not isinstance(fontname, str):
        raise TypeError(f"fontname must be a str, got {type(fontname).__name__}.")
    dot = _dot_text(style, filled, rounded, max_depth, leaves_parallel, rotate, fontname)
    if out_file is None:
        return dot
    if hasattr(out_file, "write"):
        out_file.write(dot)
        return None
    _write_text_atomically(out_file, dot)
    return None


def _write_text_atomically(path, text):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, staging = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.remove(staging)
        raise


def _dot_text(style, filled, rounded, max_depth, leaves_parallel, rotate, fontname):
    tree_ = style.tree
    out = io.StringIO()
    out.write("digraph Tree {\n")
    out.write("node [shape=box")
    looks = [name for name, on in (("filled", filled), ("rounded", rounded)) if on]
    if looks:
        out.write(f', style="{", ".join(looks)}", color="black"')
    out.write(f', fontname="{fontname}"] ;\n')
    if leaves_parallel:
        out.write("graph [ranksep=equally, splines=polyline] ;\n")
    out.write(f'edge [fontname="{fontname}"] ;\n')
    if rotate:
        out.write("rankdir=LR ;\n")

    ranks = {"leaves": []}
    true_angle, false_angle = (-45, 45) if rotate else (45, -45)
    for node, depth, parent in preorder(tree_, max_depth):
        shown = max_depth is None or depth <= max_depth
        is_leaf = tree_.children_left[node] == TREE_LEAF
        if not shown or is_leaf:
            ranks["leaves"].append(str(node))
        else:
            ranks.setdefault(str(depth), []).append(str(node))
        if shown:
            out.write(f"{node} [label={style.text(node)}")
            if filled:
                out.write(f', fillcolor="{style.fill_color(node)}"')
            out.write("] ;\n")
        else:
            out.write(f'{node} [label="(...)"')
            if filled:
                out.write(', fillcolor="#C0C0C0"')
            out.write("] ;\n")
        if parent is None:
            continue
        out.write(f"{parent} -> {node}")
        if parent == 0 and shown:
            if node == tree_.children_left[0]:
                out.write(f' [labeldistance=2.5, labelangle={true_angle}, headlabel="True"]')
            else:
                out.write(f' [labeldistance=2.5, labelangle={false_angle}, headlabel="False"]')
        out.write(" ;\n")
    if leaves_parallel:
        for rank in sorted(ranks):
            out.write("{rank=same ; " + "; ".join(ranks[rank]) + "} ;\n")
    out.write("}")
    return out.getvalue()
