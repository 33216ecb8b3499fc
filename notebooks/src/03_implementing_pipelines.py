# %% [markdown]
# # 03 · Implementing pipelines: from MLOps level 0 to level 1
#
# **MLOps level 0** is how most models start: a person runs notebook cells by hand, the data
# preparation lives in those cells, and the result handed over is a model file without the code
# that prepared its input. **MLOps level 1** automates the path from data to model: preparation
# and training are one piece of code (a *pipeline*) that can be re-run on new data with the same
# steps, and the same fitted pipeline is what scores new rows later. That scoring side is the
# **inference pipeline**: the fitted preparation and the fitted model, applied together to data
# the model has never seen. This notebook takes the first step from level 0 to level 1;
# notebook 04 automates the rest.
#
# **What you will learn**
#
# 1. Why the quick notebook way of preparing data breaks as soon as the model meets new data.
# 2. The transformer contract (`fit` learns state from training data, `transform` applies it)
#    and how a `Pipeline` chains transformers and a model into one estimator.
# 3. How a `ColumnTransformer` prepares the numeric and the text columns of the Adult census data
#    differently, inside the pipeline, and why a tree needs no scaler.
# 4. How cross-validation estimates performance with its spread, how a validation curve shows
#    over- and underfitting, and how a grid search chooses `max_depth` and `ccp_alpha`.
# 5. Why the test set is used once, at the end, on the model refit on all training rows.
# 6. How to save the fitted pipeline *without pickle* and load it back.
#
# Everything comes from this project: `pipeline`, `pipeline.preprocessing`,
# `pipeline.model_selection`, `pipeline.persist`, `tree` and `metrics`. Each main section ends
# with an **exercise**; its solution is in the collapsed cell below it (expand it after trying).

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from metrics import roc_auc_score
from pipeline import (
    BaseEstimator,
    ColumnTransformer,
    Pipeline,
    TransformerMixin,
    clone,
    make_pipeline,
    persist,
)
from pipeline.datasets import load_adult
from pipeline.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
    train_test_split,
)
from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer
from tree import DecisionTree, plot_tree

# %% [markdown]
# The data: 32,561 people from the 1994 US census, the target is whether the income is above
# 50,000 dollars. The **test set** (20 %) is split off first and put aside: it is used once, in
# section 5, to estimate how the finished model does on new people. Every choice before that
# (preparation, hyperparameters) is made on the training rows only.

# %%
adult = load_adult()
X = adult.drop(columns="high_income")
y = (adult["high_income"] == ">50K").to_numpy().astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=42
)
numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
categorical = [
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native_country",
]
print(f"{len(X_train):,} training rows, {len(X_test):,} test rows (put aside until section 5)")
X_train[categorical].isna().mean().loc[lambda s: s > 0].rename("share missing")

# %% [markdown]
# ## 1. MLOps level 0: notebook code
#
# The quick way: fill the missing text with the most frequent value, one-hot encode with
# `pandas.get_dummies`, fit a tree. It works, once.


# %%
def prepare(frame):
    filled = frame.fillna(frame[categorical].mode().iloc[0])
    return pd.get_dummies(filled, columns=categorical, dtype=float)


quick_model = DecisionTree(max_depth=8).fit(prepare(X_train), y_train)
print(f"{prepare(X_train).shape[1]} columns after get_dummies")

# %% [markdown]
# Now three new people arrive to be scored (we take them from the test rows only to have
# realistic people; nothing is scored against their labels here). Preparing them the same way
# gives different columns (`get_dummies` only knows the categories it sees *now*, and the fill
# values are computed from the three rows instead of the training data), so the model refuses
# them, or, worse, if the counts happened to match, would silently read the wrong columns.

# %%
new_people = X_test.iloc[:3]
try:
    quick_model.predict(prepare(new_people))
except ValueError as error:
    print(f"{type(error).__name__}: {str(error)[:300]}")

# %% [markdown]
# The preparation has **state** learned from the training data (fill values, the list of
# categories) that must be kept and reused. That is what a transformer is for.
#
# ## 2. Transformers and a Pipeline
#
# A transformer learns its state in `fit(X)` (attributes ending in `_`) and applies it in
# `transform(X)`. Here is the most-frequent fill turned into one, in a few lines, with this
# project's `BaseEstimator` (parameters, `clone`) and `TransformerMixin` (`fit_transform`):


# %%
class MostFrequentFill(TransformerMixin, BaseEstimator):
    """Fill the missing values of each column with its most frequent training value."""

    def fit(self, X, y=None):
        self.fill_values_ = X.mode().iloc[0]
        return self

    def transform(self, X):
        return X.fillna(self.fill_values_)


fill = MostFrequentFill().fit(X_train[categorical])
fill.transform(new_people[categorical])

# %% [markdown]
# `pipeline.preprocessing` has the complete versions: `SimpleImputer` (with input checks,
# `get_feature_names_out`, all strategies) and `OneHotEncoder`, whose `handle_unknown="ignore"`
# turns a category never seen in training into all-zero columns instead of an error. A
# `Pipeline` chains them: `fit` fits each step on the output of the previous one, `predict` runs
# the fitted steps in order. Fitted, it *is* the inference pipeline: the same object that learned
# the fill values and categories applies them to new rows. On the text columns alone:

# %%
text_model = make_pipeline(
    SimpleImputer(strategy="most_frequent"),
    OneHotEncoder(handle_unknown="ignore"),
    DecisionTree(max_depth=8),
)
text_model.fit(X_train[categorical], y_train)
text_model.predict(new_people[categorical])

# %% [markdown]
# **Exercise 1 (a transformer of your own).** `native_country` has 41 values, most of them rare.
# Write `RareCategories(min_share=0.01)`: `fit` keeps, per column, the categories that make up at
# least `min_share` of the training rows (in an attribute `frequent_`, a dict column → set);
# `transform` replaces every other value (including missing ones) by `"Other"`. Fit it on the
# training text columns and check it against a direct pandas count; then put it in front of the
# imputer and encoder above and check the pipeline still fits and predicts.


# %% [solution]
class RareCategories(TransformerMixin, BaseEstimator):
    """Replace the categories rarer than ``min_share`` in the training data by "Other"."""

    def __init__(self, min_share=0.01):
        self.min_share = min_share

    def fit(self, X, y=None):
        self.frequent_ = {
            column: set(
                X[column].value_counts(normalize=True).loc[lambda s: s >= self.min_share].index
            )
            for column in X.columns
        }
        return self

    def transform(self, X):
        return pd.DataFrame(
            {
                column: X[column].where(X[column].isin(kept), "Other")
                for column, kept in self.frequent_.items()
            },
            index=X.index,
        )


rare = RareCategories(min_share=0.01).fit(X_train[categorical])
countries = X_train["native_country"]
shares = countries.value_counts() / len(countries)  # computed again, by hand
assert rare.frequent_["native_country"] == set(shares.index[shares >= 0.01])
grouped = rare.transform(X_test[categorical])["native_country"]
assert set(grouped) <= rare.frequent_["native_country"] | {"Other"}
assert (grouped == "Other").sum() == (
    ~X_test["native_country"].isin(shares.index[shares >= 0.01])
).sum()
grouped_model = make_pipeline(
    RareCategories(),
    SimpleImputer(strategy="most_frequent"),
    OneHotEncoder(handle_unknown="ignore"),
    DecisionTree(max_depth=8),
).fit(X_train[categorical], y_train)
assert grouped_model.predict(new_people[categorical]).shape == (3,)
print("kept countries:", sorted(rare.frequent_["native_country"]))

# %% [markdown]
# ## 3. A ColumnTransformer for mixed columns
#
# Numeric and text columns need different preparation. A `ColumnTransformer` sends each group of
# columns through its own transformer and puts the results side by side; the whole thing is one
# step of the pipeline, so every statistic is learned from the training rows only.
#
# There is no scaler on the numeric columns. A tree compares one column with a threshold, and a
# scaler (min-max or standard) changes the numbers but not their order, so the tree makes the same
# splits, only with thresholds in scaled units (`age <= 0.17` instead of `age <= 28.5`). A
# distance-based model (k-nearest neighbours, an SVM) or a penalised linear model would need one;
# the tree is easier to read without it. (The workflow of notebook 04 keeps the course's
# `scaler: minmax` in its config; its plots and explanations map the thresholds back to years and
# dollars.)

# %%
preprocess = ColumnTransformer(
    [
        ("numeric", SimpleImputer(strategy="median"), numeric),
        (
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
            ),
            categorical,
        ),
    ]
)
model = Pipeline([("preprocess", preprocess), ("tree", DecisionTree(max_depth=8, random_state=0))])
model.fit(X_train, y_train)
print(model.predict(new_people), "for the three new people")

# %% [markdown]
# The fitted preprocessing knows the name of every column it produces, so the tree's feature
# importances can be read with names, and `plot_tree` given the whole pipeline writes each split
# on the raw column it came from: a one-hot column `marital_status_Married-civ-spouse <= 0.5`
# reads `marital_status != Married-civ-spouse`, and numbers stay in their units. Each box shows
# the split, the entropy or Gini of the node, `samples` (training rows reaching it), `value`
# (how many of them are in each class, `[<=50K, >50K]`) and the majority class; the rows for
# which the split is **True go left**, and the colour is stronger where the node is purer
# (orange: mostly `<=50K`, blue: mostly `>50K`).

# %%
names = model.named_steps["preprocess"].get_feature_names_out()
importance = pd.Series(model.named_steps["tree"].feature_importances_, index=names)
top = importance[importance > 0].nlargest(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh(top.index, top.to_numpy())
ax.set(xlabel="impurity-based importance", title="What the depth-8 tree splits on")
plt.show()

# %%
fig, ax = plt.subplots(figsize=(13, 4.5))
plot_tree(model, max_depth=2, class_names=["<=50K", ">50K"], ax=ax, fontsize=8)
ax.set_title("The top of the depth-8 tree, on the raw columns")
plt.show()

# %% [markdown]
# **Exercise 2 (a scaler changes nothing for a tree).** Build the same pipeline with a
# `MinMaxScaler` after the numeric imputer, fit it on the same training rows, and check that its
# probabilities for the first 2,000 training rows are those of `model`, and that the scaled
# tree's first numeric threshold, mapped back through the scaler (`x · (max − min) + min`), is
# the unscaled tree's threshold at the same node.

# %% [solution]
scaled_preprocess = ColumnTransformer(
    [
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), MinMaxScaler()), numeric),
        (
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
            ),
            categorical,
        ),
    ]
)
scaled_model = Pipeline(
    [("preprocess", scaled_preprocess), ("tree", DecisionTree(max_depth=8, random_state=0))]
).fit(X_train, y_train)
sample = X_train.iloc[:2000]
assert np.allclose(scaled_model.predict_proba(sample), model.predict_proba(sample))

plain_tree, scaled_tree = model.named_steps["tree"].tree_, scaled_model.named_steps["tree"].tree_
assert np.array_equal(plain_tree.feature, scaled_tree.feature)  # the same splits
node = int(np.flatnonzero((plain_tree.feature >= 0) & (plain_tree.feature < len(numeric)))[0])
column = plain_tree.feature[node]  # the numeric columns come first in the output
low, high = X_train[numeric[column]].min(), X_train[numeric[column]].max()
raw = scaled_tree.threshold[node] * (high - low) + low
print(
    f"node {node}: {numeric[column]} <= {plain_tree.threshold[node]} (unscaled), "
    f"<= {scaled_tree.threshold[node]:.4f} scaled, {raw:.4f} mapped back"
)
assert np.isclose(raw, plain_tree.threshold[node])

# %% [markdown]
# ## 4. Cross-validation, a validation curve and a grid search
#
# One validation split gives one noisy number. **K-fold cross-validation** splits the training
# data into k folds, trains k times on k − 1 of them and scores on the one left out. Stratified
# folds keep the class balance in each. To keep this notebook fast, we cross-validate on a
# stratified sample of 8,000 training rows. Five folds of ROC AUC, each fold a dot (a bar chart
# would have to start at 0 to be honest, and would then hide the spread):

# %%
X_search, _, y_search, _ = train_test_split(
    X_train, y_train, train_size=8_000, stratify=y_train, random_state=0
)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
fold_auc = cross_val_score(model, X_search, y_search, cv=folds, scoring="roc_auc")
fig, ax = plt.subplots(figsize=(5, 2.5))
ax.plot(range(1, 6), fold_auc, "o", ms=8)
ax.axhline(fold_auc.mean(), color="k", ls=":", lw=1)  # the mean
ax.set(
    xlabel="fold",
    ylabel="ROC AUC",
    xlim=(0.5, 5.5),
    xticks=range(1, 6),
    title=f"depth-8 tree, 5-fold CV on 8,000 rows: {fold_auc.mean():.3f} ± {fold_auc.std():.3f}",
)
plt.show()

# %% [markdown]
# A **validation curve** repeats that for each value of one hyperparameter and draws the mean
# score on the training folds and on the held-out folds, with a band of ± one standard deviation
# over the folds. Where the two curves part, the tree starts to learn the noise of its training
# rows (overfitting); on the left, both are low (underfitting).

# %%
depths = list(range(1, 17, 1))
curve = {"train": [], "validation": []}
for depth in depths:
    result = cross_validate(
        model.set_params(tree__max_depth=depth),
        X_search,
        y_search,
        cv=folds,
        scoring="roc_auc",
        return_train_score=True,
    )
    curve["train"].append(result["train_score"])
    curve["validation"].append(result["test_score"])
model.set_params(tree__max_depth=8)

fig, ax = plt.subplots(figsize=(7, 3.5))
for label, scores in curve.items():
    scores = np.array(scores)
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax.plot(depths, mean, "o-", ms=4, label=f"{label} folds")
    ax.fill_between(depths, mean - std, mean + std, alpha=0.25)
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.set(
    xlabel="max_depth",
    ylabel="ROC AUC (mean ± 1 sd over 5 folds)",
    title="Validation curve of max_depth (8,000 training rows)",
)
ax.legend(loc="lower right")
plt.show()
best_depth = depths[int(np.argmax(np.mean(curve["validation"], axis=1)))]
print(f"best mean validation ROC AUC at max_depth={best_depth}")

# %% [markdown]
# A **grid search** runs that cross-validation for every combination of hyperparameters and
# keeps the best. Pipeline parameters are addressed as `step__parameter`. This one searches on
# *all* 26,048 training rows (three folds: 9 combinations × 3 folds = 27 fits, about ten
# seconds), and then, with its default `refit=True`, refits the winner on all the rows it
# searched on.

# %%
grid = {"tree__max_depth": [6, 10, 14], "tree__ccp_alpha": [0.0, 0.0002, 0.0005]}
search = GridSearchCV(
    model, grid, cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0), scoring="roc_auc"
)
search.fit(X_train, y_train)
best_model = search.best_estimator_
tree_ = best_model.named_steps["tree"]
print("best:", search.best_params_, f"mean CV ROC AUC {search.best_score_:.4f}")
print(f"refit on {len(X_train):,} rows: depth {tree_.get_depth()}, {tree_.get_n_leaves()} leaves")

# %%
scores = (
    pd.DataFrame(search.cv_results_["params"])
    .assign(auc=search.cv_results_["mean_test_score"])
    .pivot(index="tree__max_depth", columns="tree__ccp_alpha", values="auc")
)
fig, ax = plt.subplots(figsize=(5, 3))
image = ax.imshow(scores.to_numpy(), cmap="viridis")
ax.set(
    xticks=range(scores.shape[1]),
    xticklabels=scores.columns,
    xlabel="ccp_alpha",
    yticks=range(scores.shape[0]),
    yticklabels=scores.index,
    ylabel="max_depth",
)
middle = np.mean(image.get_clim())
for (i, j), value in np.ndenumerate(scores.to_numpy()):  # dark text on the light cells
    ax.text(
        j, i, f"{value:.4f}", ha="center", va="center", color="black" if value > middle else "white"
    )
fig.colorbar(image, label="mean CV ROC AUC")
plt.show()

# %% [markdown]
# The deep unpruned tree (bottom left) overfits, as in notebook 01; pruning rescues it (the rest
# of the bottom row), and the best pruned deep tree beats the shallow ones. (The validation curve
# peaked at depth 6: it had fewer rows and no pruning. With three times the rows and a little
# pruning, deeper trees pay off.)
#
# Where the search runs matters. Searching on a sample (like the 8,000 rows above) is a fair way
# to save time, but `GridSearchCV` then refits its winner on that sample: a tree fitted on fewer
# rows has noisier leaves, and such a "tuned" model can end up worse than an untuned one fitted
# on everything. Search on a sample if you must, then refit the chosen hyperparameters on all
# training rows (`clone(model).set_params(**search.best_params_).fit(X_train, y_train)`).

# %% [markdown]
# **Exercise 3 (cross-validation by hand).** Recompute the five fold scores of the depth-8 tree
# on `X_search` without `cross_val_score`: loop over `folds.split(X_search, y_search)`, fit a
# `clone(model)` on the training indices, score the held-out ones with `roc_auc_score` on the
# probability of class 1, and check that you get `fold_auc`.

# %% [solution]
by_hand = []
for train_index, held_out in folds.split(X_search, y_search):
    fold_model = clone(model).fit(X_search.iloc[train_index], y_search[train_index])
    proba = fold_model.predict_proba(X_search.iloc[held_out])[:, 1]
    by_hand.append(roc_auc_score(y_search[held_out], proba))
print(np.round(by_hand, 4), "by hand")
print(np.round(fold_auc, 4), "cross_val_score")
assert np.allclose(by_hand, fold_auc)

# %% [markdown]
# ## 5. The test set, once
#
# Everything is chosen: the preparation, the model, its hyperparameters, the rows it was refit
# on. Only now is the test set opened, once, for the estimate we would report. Had we looked at it
# before choosing (say, kept the grid point with the best *test* score), it would have become a
# second validation set and its score an optimistic one.

# %%
test_auc = roc_auc_score(y_test, best_model.predict_proba(X_test)[:, 1])
print(f"cross-validated ROC AUC of the chosen parameters: {search.best_score_:.4f}")
print(f"test ROC AUC of the chosen pipeline, refit on all training rows: {test_auc:.4f}")

# %% [markdown]
# ## 6. Saving the model without pickle
#
# `pickle` files can run arbitrary code when loaded, so a model file from someone else is a
# security risk. `pipeline.persist.save` writes a folder with `model.json` (the classes,
# parameters and small state) and `arrays.npz` (the numeric arrays, read with
# `allow_pickle=False`); `load` validates everything before using it.

# %%
folder = Path(tempfile.mkdtemp(prefix="cartflow-nb03-")) / "adult_model"
persist.save(best_model, folder)
for path in sorted(folder.iterdir()):
    print(f"{path.name:12s} {path.stat().st_size:>9,} bytes")

# %%
document = json.loads((folder / "model.json").read_text())
print(json.dumps(document, indent=1)[:600], "...")
with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
    print(f"{len(arrays.files)} arrays, e.g. {sorted(arrays.files)[:3]}")

# %%
loaded = persist.load(folder)
same = np.array_equal(loaded.predict_proba(X_test), best_model.predict_proba(X_test))
print(f"loaded model gives identical probabilities on {len(X_test):,} test rows: {same}")
assert same

# %% [markdown]
# **Exercise 4 (a tampered model file).** A model file names the classes to build. Copy the
# folder, replace the tree's class `tree.DecisionTree` in `model.json` by `subprocess.Popen`
# (what an attacker would like to run), and check that `persist.load` refuses it with
# `persist.ModelFileError` (a `ValueError`) before building anything.

# %% [solution]
import shutil  # noqa: E402

tampered = Path(shutil.copytree(folder, folder.parent / "tampered"))
text = (tampered / "model.json").read_text()
assert '"tree.DecisionTree"' in text
(tampered / "model.json").write_text(text.replace('"tree.DecisionTree"', '"subprocess.Popen"'))
try:
    persist.load(tampered)
except persist.ModelFileError as error:
    print(f"refused: {error}")
    refused = True
else:
    refused = False
assert refused

# %% [markdown]
# ## Summary
#
# * Preparation code has state; keeping it in transformers fitted on training data only removes
#   train/serve skew and leakage, and the fitted pipeline is the inference pipeline.
# * A `Pipeline` (with a `ColumnTransformer` for mixed columns) is one estimator: it
#   cross-validates, grid-searches and saves as a whole. A tree needs no scaler.
# * Choose on cross-validation, refit the choice on all training rows, open the test set once.
# * `pipeline.persist` saves JSON and `.npz` arrays, never pickle, and refuses what it does not
#   know.
#
# Next, notebook 04: the same pipeline run as a reproducible workflow, evaluated, and served.
