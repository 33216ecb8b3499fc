"""The evaluate step's plots keep their text inside the image and their legends off the curves."""

import numpy as np
import pytest

from pipeline.workflow import evaluation

pytest.importorskip("matplotlib")


def _figures(tmp_path, monkeypatch):
    """Run write_plots on a small example, returning ``{file name: Figure}`` of what it saved."""
    saved = {}
    real_save = evaluation._save

    def capture(fig, path, dpi):
        saved[path.name] = fig
        real_save(fig, path, dpi)

    monkeypatch.setattr(evaluation, "_save", capture)
    rng = np.random.default_rng(0)
    y_true = np.where(rng.random(400) < 0.25, ">50K", "<=50K")
    y_score = np.clip(0.45 * (y_true == ">50K") + 0.6 * rng.random(400), 0, 1)
    arrays = {
        "y_true": y_true,
        "y_pred": np.where(y_score >= 0.35, ">50K", "<=50K"),
        "y_score": y_score,
        "classes": ["<=50K", ">50K"],
        "threshold": 0.35,
    }
    evaluation.write_plots(tmp_path, arrays, ">50K", dpi=60, title="(test)")
    return saved


def _drawn(fig):
    """Lay the figure out as savefig did; return its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return renderer


def _inside(box, figure_box):
    return (
        box.x0 >= figure_box.x0 - 0.5
        and box.y0 >= figure_box.y0 - 0.5
        and box.x1 <= figure_box.x1 + 0.5
        and box.y1 <= figure_box.y1 + 0.5
    )


def test_axis_labels_are_inside_the_image(tmp_path, monkeypatch):
    figures = _figures(tmp_path, monkeypatch)
    assert set(figures) == {"confusion_matrix.png", "roc_curve.png", "precision_recall_curve.png"}
    for name, fig in figures.items():
        renderer = _drawn(fig)
        ax = fig.axes[0]
        for label in (ax.xaxis.label, ax.yaxis.label, ax.title):
            assert label.get_text(), f"{name}: an empty label"
            box = label.get_window_extent(renderer)
            assert _inside(box, fig.bbox), f"{name}: {label.get_text()!r} is clipped ({box})"


def test_the_pr_legend_stays_off_the_curve_and_the_chance_line(tmp_path, monkeypatch):
    fig = _figures(tmp_path, monkeypatch)["precision_recall_curve.png"]
    renderer = _drawn(fig)
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    for line in ax.get_lines():
        points = ax.transData.transform(np.column_stack(line.get_data()).astype(float))
        if len(points) < 2:  # the threshold marker sits on the curve, outside the legend too
            continue
        # sample the segments densely: no point of the curve or chance line lies in the legend
        xs = np.concatenate([np.linspace(a[0], b[0], 20) for a, b in zip(points, points[1:])])
        ys = np.concatenate([np.linspace(a[1], b[1], 20) for a, b in zip(points, points[1:])])
        hidden = (xs > legend.x0) & (xs < legend.x1) & (ys > legend.y0) & (ys < legend.y1)
        assert not hidden.any(), f"the legend covers {line.get_label()!r}"
