# %% [markdown]
# # 04 · The final pipeline: test evaluation, release and deployment
#
# **What you will learn**
#
# 1. How the reproducible workflow runs as separate steps (`download` → `preprocess` →
#    `check_data` → `segregate` → `train` → `evaluate`), each reading and writing versioned
#    artifacts, and how unchanged steps are skipped.
# 2. How to read the artifact store: versions, content hashes, and the *lineage* of a result back
#    to the raw data.
# 3. What the test evaluation contains (metrics, quality gates, plots) and how to read it.
# 4. What a release is, and how semantic versioning protects the people who load our models.
# 5. Offline (batch) inference on a CSV with `cartflow predict`, and online inference against an
#    HTTP server that the notebook starts with `cartflow serve` and always stops.
#
# The notebook drives the same `cartflow` command a terminal or `mlflow run` would, in a fresh
# temporary work directory, so it leaves nothing behind in the repository.

# %%
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

from pipeline.workflow.config import load_config
from pipeline.workflow.store import ArtifactStore

CARTFLOW = shutil.which("cartflow", path=str(Path(sys.executable).parent)) or "cartflow"
workdir = Path(tempfile.mkdtemp(prefix="cartflow-nb04-"))
print("work directory:", workdir)


def cartflow(*args, show=True):
    """Run ``cartflow ARGS`` in the work directory and print its output (``show=False``: return
    it); raise with the error output when the command fails."""
    result = subprocess.run(
        [CARTFLOW, *map(str, args)], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"cartflow {' '.join(map(str, args))} failed:\n{result.stderr}")
    if not show:
        return result.stdout
    if result.stdout.strip():
        print(result.stdout.strip())


def step_summaries(output):
    """The one-line summary of each step in the output of ``cartflow run`` or ``step``."""
    return "\n".join(line for line in output.splitlines() if re.search(r"(ran|cached) in", line))

# %% [markdown]
# ## 1. The workflow, step by step
#
# The configuration says where the data comes from, how to split it, which model to train and
# which quality gates the test metrics must pass. There is no `config.yaml` in our fresh work
# directory, so the default shipped inside the package applies; any key can be overridden on the
# command line (`cartflow run model.tree.max_depth=8`).

# %%
config, source = load_config(cwd=workdir)
print("config:", source)
print(yaml.safe_dump({"tree": config["model"]["tree"], "gates": config["gates"]}, sort_keys=False))

# %% [markdown]
# Each step is its own command, with explicit inputs and outputs, exactly like the entry points
# of the course's MLflow project (`mlflow run . -e train` runs `cartflow step train`):
#
# | step | reads | writes |
# | --- | --- | --- |
# | download | the data URL | `raw_data` |
# | preprocess | `raw_data` | `preprocessed_data` (clean text, no duplicates) |
# | check_data | `preprocessed_data`, `reference_data` | `data_check` (schema, ranges, KS tests) |
# | segregate | `preprocessed_data` | `train_data`, `test_data` (stratified) |
# | tune | `train_data` | `tuning` (cross-validated search of the tree's parameters) |
# | train | `train_data`, `tuning` | `model_export`, `validation` |
# | evaluate | `model_export`, `test_data` | `evaluation` (metrics, plots, gates) |

# %%
for step in ["download", "preprocess", "check_data", "segregate", "tune"]:
    print(step_summaries(cartflow("step", step, show=False)))

# %% [markdown]
# `train` fits the pipeline of notebook 03 with the tuned parameters on `train_data`, chooses its
# decision threshold on out-of-fold predictions and exports it; `evaluate` then scores the export
# on the test data:

# %%
cartflow("step", "train")

# %%
cartflow("step", "evaluate")

# %% [markdown]
# Run the whole workflow again. Nothing changed (inputs, parameters and code have the same
# hashes), so every step is reported as **cached** and reuses its outputs.

# %%
start = time.perf_counter()
print(step_summaries(cartflow("run", show=False)))
print(f"\nsecond run: {time.perf_counter() - start:.1f} s")

# %% [markdown]
# Now change one parameter of the model, a shallower tree, on the command line. The data steps
# keep their cached outputs; `tune`, `train` and `evaluate` run again and write *new versions* of
# their artifacts (`model_export:v1`, `evaluation:v1`, ...), which become `latest`.

# %%
print(step_summaries(cartflow("run", "model.tree.max_depth=6", show=False)))

# %% [markdown]
# ## 2. Artifacts and lineage
#
# Every output is an artifact: `name:vN` with an alias `latest`, the sha256 of its content, the
# step and run that made it, and the artifacts it was made from. The store is a plain folder
# (`artifacts/` with an `index.json`); the command line and the Python API read it.

# %%
cartflow("artifacts", "list")

# %%
store = ArtifactStore(workdir / "artifacts")
pd.DataFrame(
    [
        {"artifact": a.ref, "step": a.step, "sha256": a.sha256[:12], "inputs": ", ".join(a.inputs)}
        for a in store.list()
    ]
)

# %% [markdown]
# The lineage of the test evaluation traces it back to the exact bytes it came from. Drawn as a
# graph (arrows point from an input to what was made from it):

# %%
def lineage_edges(node, edges):
    for parent in node["inputs"]:
        edges.add((parent["artifact"].ref, node["artifact"].ref))
        lineage_edges(parent, edges)
    return edges


edges = lineage_edges(store.lineage("evaluation:latest"), set())
place = {"raw_data": (0, 0), "preprocessed_data": (1, 0), "train_data": (2, 0.5),
         "test_data": (2, -0.6), "tuning": (3, 0.9), "model_export": (4, 0.5), "evaluation": (5, 0)}
position = {ref: place[ref.split(":")[0]] for edge in edges for ref in edge}
fig, ax = plt.subplots(figsize=(12, 2.6))
ax.set(xlim=(-0.6, 5.6), ylim=(-1.1, 1.3))
ax.axis("off")
boxes = {}
for ref, (x, y) in position.items():
    artifact = store.get(ref)
    boxes[ref] = ax.text(x, y, f"{ref}\n{artifact.step}\n{artifact.sha256[:8]}", ha="center",
                         va="center", fontsize=8,
                         bbox={"boxstyle": "round", "fc": "#dbe9f6", "ec": "#4a7ab0"})
for parent, child in edges:  # from the right edge of the input to the left edge of the output
    ax.annotate("", xy=(0, 0.5), xycoords=boxes[child], xytext=(1, 0.5),
                textcoords=boxes[parent], arrowprops={"arrowstyle": "->", "color": "grey"})
plt.show()

# %% [markdown]
# Two versions of the model now exist. Which one to keep is decided on the **validation** data
# that `train` held out, never on the test set (that would make the test score optimistic):

# %%
validation = pd.DataFrame(
    {
        f"{v.ref} (max_depth {depth})": json.loads((v.path / "metrics.json").read_text())
        for v, depth in zip(store.versions("validation"), [config["model"]["tree"]["max_depth"], 6])
    }
).loc[["accuracy", "f1", "roc_auc", "average_precision"]].astype(float)
validation.plot.bar(rot=0, figsize=(7, 3), ylim=(0.5, 1), title="validation metrics").legend(
    frameon=False, loc="upper left"
)
plt.show()

# %% [markdown]
# ## 3. The test evaluation
#
# `evaluate` scores the exported model once on the held-out test set, which no other step used,
# writes the metrics and plots, and fails the run (non-zero exit) when a gate in the
# configuration is not met. The numbers:

# %%
evaluation = store.get("evaluation:latest")
test_metrics = json.loads((evaluation.path / "metrics.json").read_text())
pd.Series(
    {k: v for k, v in test_metrics.items() if isinstance(v, float)}, name="test set"
).round(4).to_frame()

# %%
gates = {k: v for k, v in config["gates"].items() if v is not None}
for gate, bound in gates.items():
    kind, metric = gate.split("_", 1)
    value = test_metrics[metric]
    passed = value >= bound if kind == "min" else value <= bound
    print(f"{gate:14s} {bound:<6} test {metric} = {value:.4f}  ->  {'pass' if passed else 'FAIL'}")

# %% [markdown]
# And the plots `evaluate` drew: the confusion matrix, the ROC and precision-recall curves, and
# the top of the tree. The tree is drawn through the pipeline, so its splits read on the raw
# columns in their own units (an age in years, `marital_status != Married-civ-spouse`) rather
# than on the scaled and one-hot columns the tree itself sees.

# %%
def show_images(paths, figsize):
    fig, axes = plt.subplots(1, len(paths), figsize=figsize, squeeze=False)
    for ax, path in zip(axes[0], paths):
        ax.imshow(plt.imread(path))
        ax.axis("off")
    plt.tight_layout()
    plt.show()


show_images([evaluation.path / name for name in
             ["confusion_matrix.png", "roc_curve.png", "precision_recall_curve.png"]], (15, 4.5))
show_images([evaluation.path / "tree.png"], (15, 6))

# %% [markdown]
# ## 4. What a release is
#
# The model that passed its gates is exported as a folder an MLflow user recognises: `MLmodel`
# (flavours, signature, and the versions and hashes it was made with), `model.json` and
# `arrays.npz` (no pickle), and `input_example.json`.

# %%
model_export = store.get("model_export:latest")
mlmodel = yaml.safe_load((model_export.path / "MLmodel").read_text())
print("files:", sorted(p.name for p in model_export.path.iterdir()))
print("flavours:", list(mlmodel["flavors"]))
print(yaml.safe_dump({"metadata": mlmodel["metadata"]}, sort_keys=False))

# %% [markdown]
# A **release** is a version of the code that others can depend on: a git tag `vX.Y.Z` on
# `main`, with its `CHANGELOG.md` entry. The version follows **semantic versioning**
# (`MAJOR.MINOR.PATCH`), a promise about what an upgrade can break:
#
# | change | bump | example |
# | --- | --- | --- |
# | a fix, nothing else changes | PATCH | 0.1.0 → 0.1.1 |
# | a new feature, old code and model files still work | MINOR | 0.1.1 → 0.2.0 |
# | an incompatible API or model-format change | MAJOR | 0.2.0 → 1.0.0 |
#
# Every exported model records the package version, the model-format version, and the hashes of
# its configuration and training data, so a prediction can always be traced to what made it. A
# model whose *format* MAJOR differs from what this release reads is refused with a clear
# message instead of being misread. We fake one by editing a copy of the `MLmodel` file:

# %%
from pipeline.workflow.export import load_model

future = Path(shutil.copytree(model_export.path, workdir / "model_from_the_future"))
future_mlmodel = future / "MLmodel"
future_mlmodel.write_text(
    future_mlmodel.read_text().replace("format_version: '1.0'", "format_version: '2.0'")
)
try:
    load_model(future)
except ValueError as error:
    print(f"{type(error).__name__}: {error}")

# %% [markdown]
# ## 5. Offline inference: scoring a file
#
# Batch scoring reads a CSV (or Parquet) file in chunks, so its memory stays bounded however
# large the file, and writes one prediction per row. Here: 2,000 people from the test data,
# without their label, as if they were new.

# %%
test_data = pd.read_csv(store.get("test_data:latest").path / "data.csv")
new_people = test_data.drop(columns="high_income").sample(2000, random_state=0)
new_people.to_csv(workdir / "new_people.csv", index=False)
cartflow("predict", "--model", model_export.path, "--input", "new_people.csv",
         "--output", "predictions.csv", "--proba")
predictions = pd.read_csv(workdir / "predictions.csv")
predictions.head()

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
predictions["prediction"].value_counts().plot.bar(ax=axes[0], rot=0, title="predicted class")
axes[1].hist(predictions["proba_>50K"], bins=20)
axes[1].set(title="predicted probability of >50K", xlabel="probability", ylabel="people")
plt.show()

# %% [markdown]
# ## 6. Online inference: a model server
#
# `cartflow serve` answers HTTP requests with MLflow's scoring protocol: `POST /invocations`
# with a JSON body (`dataframe_split`, `dataframe_records`, `instances` or `inputs`) or CSV, and
# `GET /ping`, `/health`, `/version`; its OpenAPI documentation is at `/docs`. The notebook starts
# a server on a free local port and, whatever happens, stops it at the end of the block (the
# `finally` clause of the context manager).

# %%
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def is_up(url):
    try:
        with urllib.request.urlopen(url + "/ping", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def model_server(model_path, timeout=60):
    port = free_port()
    server = subprocess.Popen(
        [CARTFLOW, "serve", "--model", str(model_path), "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not is_up(url):
            if server.poll() is not None:
                raise RuntimeError(f"the server exited:\n{server.stderr.read()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {url} within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

# %% [markdown]
# Inside the `with` block: the version endpoint, one request in each of two JSON formats, and
# the latency of 200 one-row requests sent one after the other.

# %%
rows = new_people.head(3)
with model_server(model_export.path) as url:
    version = http(url + "/version")
    split = http(url + "/invocations", {"dataframe_split": rows.to_dict(orient="split")})
    records = http(url + "/invocations", {"dataframe_records": rows.to_dict(orient="records")})
    latencies = []
    for _, row in new_people.head(200).iterrows():
        body = {"dataframe_records": [row.to_dict()]}
        start = time.perf_counter()
        http(url + "/invocations", body)
        latencies.append(1000 * (time.perf_counter() - start))
print(json.dumps(version, indent=1))
print("dataframe_split  :", split)
print("dataframe_records:", records)

# %% [markdown]
# The server's answers agree with the batch predictions for the same people:

# %%
assert split["predictions"] == predictions["prediction"].head(3).tolist()
assert records == split
latencies = np.array(latencies)
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(latencies, bins=30)
ax.axvline(np.percentile(latencies, 99), color="C3", ls=":",
           label=f"p99 {np.percentile(latencies, 99):.1f} ms")
ax.set(xlabel="latency of one request (ms)", ylabel="requests",
       title=f"200 sequential one-row requests, median {np.median(latencies):.1f} ms")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# The server process has been stopped. (`shutil.rmtree(workdir)` removes everything this
# notebook wrote.)
#
# ## Summary
#
# * The workflow is a chain of steps with explicit, versioned, hashed artifacts; unchanged steps
#   are cached, and every result has a lineage back to its raw data.
# * The test set is used once, by `evaluate`, whose gates stop a bad model from being exported
#   as good.
# * A release is a tagged, semantically versioned state of the code; exported models carry the
#   versions and hashes that made them, and incompatible model formats are refused clearly.
# * The same exported folder serves batch scoring (`cartflow predict`) and an HTTP server
#   (`cartflow serve`) that speaks MLflow's scoring protocol.
