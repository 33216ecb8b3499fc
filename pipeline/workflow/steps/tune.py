"""Step 5, ``tune``: cross-validated search for the tree's parameters (``tuning`` artifact).

Searches the candidates of ``tune.grid`` (every combination, over ``model.tree``) by stratified
``tune.cv``-fold cross-validation seeded with ``main.random_seed``, scored by ``tune.scoring``,
exhaustively (``tune.method: grid``) or by successive halving (``halving``), on ``tune.n_jobs``
threads. The data searched is the data ``train`` refits on (``train.refit_on``): all of
``train_data``, or its training part without the validation split.

The ``tuning`` artifact holds ``results.csv`` (one row per round and candidate: parameters,
each fold's score, mean, spread, rank), ``best_params.json`` and ``scores.png`` (best mean
score against each searched parameter). With ``tune.enabled: false`` it holds only
``best_params.json`` saying so, and ``train`` uses ``model.tree`` unchanged.
"""

from pipeline.workflow.fsutil import atomic_write_json, atomic_write_text
from pipeline.workflow.steps._common import features_and_target, read_table

NAME = "tune"
OUTPUTS = ("tuning",)
OPTIONAL_OUTPUTS = ()
CODE_DEPENDENCIES = ("tree", "metrics", "pipeline")
RESULTS_FILE = "results.csv"
BEST_FILE = "best_params.json"
PLOT_FILE = "scores.png"


def inputs(config, store):
    return {"train": "train_data:latest"}


def params(config):
    tune = dict(config["tune"])
    tune.pop("n_jobs")  # changes the speed, not the result
    return {
        "tune": tune,
        "model": {k: v for k, v in config["model"].items() if k != "threshold"},
        "refit_on": config["train"]["refit_on"],
        "val_size": config["data"]["val_size"],
        "stratify": config["data"]["stratify"],
        "target": config["data"]["target"],
        "random_seed": config["main"]["random_seed"],
        "dpi": config["plots"]["dpi"],
    }


def search_frame(frame, config):
    """The rows ``train`` will fit on: all of ``frame``, or its part without the validation."""
    from pipeline.workflow.steps.segregate import split

    if config["train"]["refit_on"] == "train_and_validation":
        return frame
    data = config["data"]
    fit_frame, _ = split(frame, data["val_size"], data["stratify"], config["main"]["random_seed"])
    return fit_frame


def run(ctx):
    from pipeline.workflow import tuning
    from pipeline.workflow.model_factory import build_pipeline

    config = ctx.config
    tune = config["tune"]
    folder = ctx.output_dir("tuning")
    if not tune["enabled"]:
        atomic_write_json(folder / BEST_FILE, {"enabled": False, "params": {}})
        ctx.log("tune.enabled is false: train uses model.tree as configured")
        return
    features, target = features_and_target(config)
    frame = search_frame(read_table(ctx.input_path("train")), config)
    candidates = tuning.candidates_from_grid(tune["grid"])
    ctx.log(
        "%d candidate(s), %s search, %d-fold stratified CV on %s rows, scoring %s, %d thread(s)",
        len(candidates),
        tune["method"],
        tune["cv"],
        f"{len(frame):,}",
        tune["scoring"],
        tune["n_jobs"],
    )
    result = tuning.search(
        frame[features],
        frame[target].astype(str).to_numpy(),
        candidates,
        build_preprocessor=lambda: build_pipeline(config).steps[0][1],
        base_params=config["model"]["tree"],
        scoring=tune["scoring"],
        cv=tune["cv"],
        seed=config["main"]["random_seed"],
        method=tune["method"],
        factor=tune["halving"]["factor"],
        min_resources=tune["halving"]["min_resources"],
        n_jobs=tune["n_jobs"],
        log=ctx.log,
    )
    names = sorted(tune["grid"])
    atomic_write_text(folder / RESULTS_FILE, results_csv(result, names, tune["cv"]))
    best = {
        "enabled": True,
        "params": result.best_params,
        "tree": {**config["model"]["tree"], **result.best_params},
        "mean_score": result.best_score,
        "scoring": tune["scoring"],
        "method": tune["method"],
        "cv": tune["cv"],
        "n_candidates": len(candidates),
        "rows": len(frame),
    }
    atomic_write_json(folder / BEST_FILE, best)
    write_plot(folder / PLOT_FILE, result, names, tune["scoring"], config["plots"]["dpi"])
    ctx.rows = len(frame)
    ctx.metrics = {f"cv_{tune['scoring']}": result.best_score, "candidates": len(candidates)}
    ctx.metadata["tuning"] = {"best_params": result.best_params}
    ctx.log(
        "best: %s (mean %s %.4f)",
        ", ".join(f"{k}={v!r}" for k, v in sorted(result.best_params.items())),
        tune["scoring"],
        result.best_score,
    )


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def results_csv(result, names, n_folds):
    """One line per (round, candidate); floats in ``repr`` form, so the bytes are stable."""
    header = ["round", "n_samples", "candidate", *names, "rank", "mean_score", "std_score"]
    header += [f"fold_{i}" for i in range(n_folds)]
    lines = [",".join(header)]
    for row in result.rows:
        cells = [row["round"], row["n_samples"], row["candidate"]]
        cells += [row["params"].get(name) for name in names]
        cells += [row["rank"], row["mean_score"], row["std_score"], *row["fold_scores"]]
        lines.append(",".join(_cell(c) for c in cells))
    return "\n".join(lines) + "\n"


def write_plot(path, result, names, scoring, dpi):
    """Best mean score against each parameter's values, one line per round."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.2 * max(len(names), 1), 3.4))
    axes = fig.subplots(1, max(len(names), 1), squeeze=False)[0]
    rounds = sorted({row["round"] for row in result.rows})
    for ax, name in zip(axes, names):
        values = []
        for candidate in result.candidates:
            if candidate[name] not in values:
                values.append(candidate[name])
        labels = ["None" if v is None else str(v) for v in values]
        for round_number in rounds:
            rows = [r for r in result.rows if r["round"] == round_number]
            best = [
                max((r["mean_score"] for r in rows if r["params"][name] == v), default=None)
                for v in values
            ]
            xs = [i for i, b in enumerate(best) if b is not None]
            label = f"round {round_number} ({rows[0]['n_samples']:,} rows)"
            ax.plot(xs, [best[i] for i in xs], marker="o", label=label)
        ax.set_xticks(range(len(values)), labels)
        ax.set_xlabel(name)
        ax.set_ylabel(f"best mean CV {scoring}")
        chosen = result.best_params[name]
        ax.axvline(values.index(chosen), color="grey", linestyle=":", linewidth=1)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Tuning: best mean {scoring} per parameter value (dotted: chosen)")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
