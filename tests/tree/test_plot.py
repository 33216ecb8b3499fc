"""plot_tree, plot_decision_path, plot_decision_boundary: the artists drawn, not just no error."""

import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from sklearn.datasets import load_iris

import tree
from tree._checks import NotFittedError
from tree.export import color_palette
from tree.plotting import plot_decision_boundary, plot_decision_path, plot_tree

IRIS_X, IRIS_Y = load_iris(return_X_y=True)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def depth4():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "age": rng.integers(17, 90, 600).astype(float),
            "hours": rng.integers(1, 99, 600).astype(float),
            "education": rng.integers(1, 16, 600).astype(float),
        }
    )
    y = np.where(
        (X["age"] > 35) & (X["education"] > 9) | (X["hours"] > 70), ">50K", "<=50K"
    ).astype(object)
    flip = rng.random(600) < 0.15
    y[flip] = np.where(y[flip] == ">50K", "<=50K", ">50K")
    return tree.DecisionTree(max_depth=4).fit(X, y), X, y


def hex_colour(rgb):
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def gids(artists, prefix):
    return [a.get_gid() for a in artists if (a.get_gid() or "").startswith(prefix)]


def node_ids(ax, prefix="node:"):
    return sorted(int(g.split(":")[1]) for g in gids(ax.texts, prefix))


def edges(ax, prefix="edge:"):
    return sorted(tuple(map(int, g.split(":")[1].split("-"))) for g in gids(ax.lines, prefix))


def parent_child_pairs(tree_, nodes):
    pairs = []
    for node in nodes:
        left = tree_.children_left[node]
        if left != -1:
            pairs += [(node, int(left)), (node, int(tree_.children_right[node]))]
    return sorted(pairs)


def test_plot_tree_draws_one_box_per_node_and_one_edge_per_child(depth4):
    model, _, _ = depth4
    boxes = plot_tree(model)
    ax = plt.gca()
    n = model.tree_.node_count
    assert len(boxes) == n
    assert node_ids(ax) == list(range(n))
    assert edges(ax) == parent_child_pairs(model.tree_, range(n))
    assert len(edges(ax)) == n - 1
    assert all(isinstance(box, matplotlib.text.Annotation) for box in boxes)


def test_plot_tree_depth4_is_readable_at_its_default_size(depth4):
    model, _, _ = depth4
    assert model.get_depth() == 4
    boxes = plot_tree(model)
    figure = plt.gcf()
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert boxes[0].get_fontsize() >= 8
    extents = [box.get_bbox_patch().get_window_extent(renderer) for box in boxes]
    for a, b in itertools.combinations(extents, 2):
        assert not a.overlaps(b), "two node boxes overlap"
    page = figure.bbox
    for extent in extents:
        assert page.x0 <= extent.x0 and extent.x1 <= page.x1
        assert page.y0 <= extent.y0 and extent.y1 <= page.y1


def assert_no_overlap(figure, boxes):
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    extents = [box.get_bbox_patch().get_window_extent(renderer) for box in boxes]
    for a, b in itertools.combinations(extents, 2):
        assert not a.overlaps(b), "two node boxes overlap"


def test_boxes_do_not_overlap_in_a_given_default_size_axes():
    model = tree.DecisionTree(max_depth=3).fit(IRIS_X, IRIS_Y)
    fig, ax = plt.subplots()
    boxes = plot_tree(model, ax=ax)
    assert 4 < boxes[0].get_fontsize() < 12  # shrunk to fit, not clamped at the minimum
    assert_no_overlap(fig, boxes)
    fig, ax = plt.subplots()
    boxes = plot_decision_path(model, IRIS_X[70], ax=ax)
    assert_no_overlap(fig, boxes)


def test_plot_tree_labels_and_colours_follow_the_nodes(depth4):
    model, X, _ = depth4
    boxes = plot_tree(model)
    tree_ = model.tree_
    root = boxes[0].get_text().splitlines()
    feature = X.columns[tree_.feature[0]]
    assert root[0] == f"{feature} <= {round(tree_.threshold[0], 2)}"
    assert root[2] == f"samples = {tree_.n_node_samples[0]}"
    palette = color_palette(2)
    for node, box in enumerate(boxes):
        value = tree_.value[node][0]
        if tree_.children_left[node] == -1:
            assert box.get_text().endswith(f"class = {model.classes_[np.argmax(value)]}")
        if value.max() == 1.0:  # a pure node takes its class colour at full strength
            expected = hex_colour(palette[int(np.argmax(value))])
            assert to_hex(box.get_bbox_patch().get_facecolor()) == expected
        if abs(value[0] - value[1]) < 1e-12:  # a tie is white
            assert to_hex(box.get_bbox_patch().get_facecolor()) == "#ffffff"


def test_plot_tree_max_depth_draws_truncated_markers():
    model = tree.DecisionTree(random_state=0).fit(IRIS_X, IRIS_Y)
    fig, ax = plt.subplots()
    boxes = plot_tree(model, ax=ax, max_depth=1)
    tree_ = model.tree_
    depth_of = {0: 0}
    for node in range(tree_.node_count):
        if tree_.children_left[node] != -1:
            for child in (tree_.children_left[node], tree_.children_right[node]):
                depth_of[int(child)] = depth_of[node] + 1
    expected = sorted(node for node, depth in depth_of.items() if depth <= 2)
    assert node_ids(ax) == expected
    assert len(boxes) == len(expected)
    assert len(edges(ax)) == len(expected) - 1
    truncated = [box for box in boxes if box.get_text() == "(...)"]
    assert len(truncated) == sum(1 for node in expected if depth_of[node] == 2)


def test_plot_tree_of_a_regressor_uses_the_value_scale():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = X[:, 0] * 3 + rng.normal(size=200)
    model = tree.DecisionTreeRegressor(max_depth=3).fit(X, y)
    fig, ax = plt.subplots()
    boxes = plot_tree(model, ax=ax, fontsize=7)
    assert len(boxes) == model.tree_.node_count
    assert all(box.get_fontsize() == 7 for box in boxes)
    values = model.tree_.value[:, 0, 0]
    lowest, highest = int(np.argmin(values)), int(np.argmax(values))
    assert to_hex(boxes[lowest].get_bbox_patch().get_facecolor()) == "#ffffff"
    assert to_hex(boxes[highest].get_bbox_patch().get_facecolor()) == hex_colour(
        color_palette(1)[0]
    )


def test_plot_decision_path_highlights_the_models_path(depth4):
    model, X, _ = depth4
    sample = X.iloc[[7]]
    fig, ax = plt.subplots(figsize=(20, 6))
    boxes = plot_decision_path(model, sample, ax=ax)
    path = sorted(model.decision_path(sample).indices.tolist())
    assert node_ids(ax, "path-node:") == path
    assert len(boxes) == model.tree_.node_count
    assert len(node_ids(ax, "path-node:")) + len(node_ids(ax, "node:")) == len(boxes)
    path_edges = edges(ax, "path-edge:")
    assert len(path_edges) == len(path) - 1
    assert all(parent in path and child in path for parent, child in path_edges)
    assert len(path_edges) + len(edges(ax)) == model.tree_.node_count - 1
    by_id = {int(box.get_gid().split(":")[1]): box for box in boxes}
    tree_ = model.tree_
    for node in path:
        text = by_id[node].get_text()
        if tree_.children_left[node] == -1:
            assert text.startswith(f"prediction: class = {model.predict(sample)[0]}")
            continue
        name = X.columns[tree_.feature[node]]
        value = sample.iloc[0][name]
        went_left = value <= tree_.threshold[node]
        sign, direction = ("<=", "left") if went_left else (">", "right")
        threshold = round(tree_.threshold[node], 2)
        assert (
            text.splitlines()[0] == f"{name} = {int(value)} {sign} {threshold} \u2192 {direction}"
        )
        assert (tree_.children_left[node] in path) == went_left


def test_plot_decision_path_accepts_arrays_and_checks_them():
    model = tree.DecisionTree(max_depth=3).fit(IRIS_X, IRIS_Y)
    fig, ax = plt.subplots()
    plot_decision_path(model, IRIS_X[100], ax=ax)
    assert node_ids(ax, "path-node:") == sorted(model.decision_path(IRIS_X[[100]]).indices)
    with pytest.raises(ValueError, match="one sample of 4 features"):
        plot_decision_path(model, IRIS_X[:2], ax=ax)
    with pytest.raises(ValueError, match="infinite"):
        plot_decision_path(model, [np.inf, 1, 1, 1], ax=ax)
    with pytest.raises(NotFittedError):
        plot_decision_path(tree.DecisionTree(), IRIS_X[0], ax=ax)


def grid_of(mesh):
    """Cell centres of the mesh (its coordinates are the cell corners)."""
    corners = mesh.get_coordinates()
    centres = (corners[:-1, :-1] + corners[1:, 1:]) / 2
    return centres[..., 0], centres[..., 1]


def test_plot_decision_boundary_colours_each_cell_by_the_prediction():
    X = IRIS_X[:, 2:]
    model = tree.DecisionTree(max_depth=3).fit(X, IRIS_Y)
    fig, ax = plt.subplots()
    plot_decision_boundary(model, X, IRIS_Y, ax=ax, resolution=60)
    (mesh,) = [c for c in ax.collections if c.get_gid() == "decision-regions"]
    xx, yy = grid_of(mesh)
    assert xx.shape == (60, 60)
    predicted = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    palette = np.array(color_palette(3)) / 255.0
    colours = mesh.to_rgba(mesh.get_array().ravel())[:, :3]
    np.testing.assert_allclose(colours, palette[predicted], atol=1e-6)
    internal = int(np.sum(model.tree_.children_left != -1))
    assert len(gids(ax.lines, "split:")) == internal
    points = [c for c in ax.collections if (c.get_gid() or "").startswith("points")]
    assert sum(len(c.get_offsets()) for c in points) == len(X)


def test_plot_decision_boundary_holds_other_features_at_their_median():
    model = tree.DecisionTree(max_depth=4).fit(IRIS_X, IRIS_Y)
    frame = pd.DataFrame(IRIS_X, columns=["sl", "sw", "pl", "pw"])
    fig, ax = plt.subplots()
    plot_decision_boundary(model, frame, IRIS_Y, features=("pl", "sl"), ax=ax, resolution=40)
    (mesh,) = [c for c in ax.collections if c.get_gid() == "decision-regions"]
    xx, yy = grid_of(mesh)
    grid = np.tile(np.median(IRIS_X, axis=0), (xx.size, 1))
    grid[:, 2], grid[:, 0] = xx.ravel(), yy.ravel()
    palette = np.array(color_palette(3)) / 255.0
    colours = mesh.to_rgba(mesh.get_array().ravel())[:, :3]
    np.testing.assert_allclose(colours, palette[model.predict(grid)], atol=1e-6)
    assert gids(ax.lines, "split:") == []
    assert ax.get_xlabel() == "pl" and ax.get_ylabel() == "sl"


def test_plot_decision_boundary_of_a_regressor():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = np.where(X[:, 0] > 0.2, 5.0, -1.0) + (X[:, 1] > 0)
    model = tree.DecisionTreeRegressor(max_depth=2).fit(X, y)
    fig, ax = plt.subplots()
    plot_decision_boundary(model, X, y, ax=ax, resolution=30)
    (mesh,) = [c for c in ax.collections if c.get_gid() == "decision-regions"]
    xx, yy = grid_of(mesh)
    np.testing.assert_allclose(
        mesh.get_array().ravel(), model.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"features": (0, 0)}, "two different"),
        ({"features": (0, 5)}, "out of range"),
        ({"features": ("a", "b")}, "Unknown feature"),
        ({"resolution": 1}, "resolution"),
        ({"y": IRIS_Y[:10]}, "one target per row"),
        ({"X": IRIS_X[:, :3]}, "4 features"),
        ({"X": IRIS_X[:0]}, "empty"),
    ],
)
def test_plot_decision_boundary_rejects_bad_input(options, message):
    model = tree.DecisionTree(max_depth=2).fit(IRIS_X, IRIS_Y)
    arguments = {"X": IRIS_X, "y": IRIS_Y, **options}
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(model, arguments.pop("X"), arguments.pop("y"), ax=ax, **arguments)
