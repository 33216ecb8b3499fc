# %% [markdown]
# # 03 · Implementing pipelines: from MLOps 0 to 1
#
# **What you will learn**
#
# 1. Why the quick notebook way of preparing data breaks as soon as the model meets new data.
# 2. The transformer contract (`fit` learns state from training data, `transform` applies it)
#    and how a `Pipeline` chains transformers and a model into one estimator.
# 3. How a `ColumnTransformer` prepares the numeric and the text columns of the Adult census data
#    differently, inside the pipeline.
# 4. How cross-validation estimates performance, and how a grid search over `max_depth` and
#    `ccp_alpha` chooses them without touching the test set.
# 5. How to save the fitted pipeline *without pickle* and load it back.
#
# Everything comes from this project: `pipeline`, `pipeline.preprocessing`,
# `pipeline.model_selection`, `pipeline.persist`, `tree` and `metrics`.

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from metrics import roc_auc_score
from pipeline import BaseEstimator, ColumnTransformer, Pipeline, TransformerMixin, make_pipeline
from pipeline import persist
from pipeline.datasets import load_adult
from pipeline.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from pipeline.model_selection import train_test_split
from pipeline.preprocessing import OneHotEncoder, SimpleImputer
from tree import DecisionTree

# %%
adult = load_adult()
X = adult.drop(columns="high_income")
y = (adult["high_income"] == ">50K").to_numpy().astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=42
)
numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
categorical = ["workclass", "education", "marital_status", "occupation", "relationship", "race",
               "sex", "native_country"]
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
# Now three new people arrive to be scored. Preparing them the same way gives different columns
# (`get_dummies` only knows the categories it sees *now*, and the fill values are computed from
# the three rows instead of the training data), so the model refuses them, or, worse, if the
# counts happened to match, would silently read the wrong columns.

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
# the fitted steps in order. On the text columns alone:

# %%
text_model = make_pipeline(
    SimpleImputer(strategy="most_frequent"),
    OneHotEncoder(handle_unknown="ignore"),
    DecisionTree(max_depth=8),
)
text_model.fit(X_train[categorical], y_train)
text_model.predict(new_people[categorical])

# %% [markdown]
# ## 3. A ColumnTransformer for mixed columns
#
# Numeric and text columns need different preparation. A `ColumnTransformer` sends each group of
# columns through its own transformer and puts the results side by side; the whole thing is one
# step of the pipeline, so every statistic is learned from the training rows only.

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
print(f"test ROC AUC: {roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]):.3f}")

# %% [markdown]
# The fitted preprocessing knows the name of every column it produces, so the tree's feature
# importances can be read with names:

# %%
names = model.named_steps["preprocess"].get_feature_names_out()
importance = pd.Series(model.named_steps["tree"].feature_importances_, index=names)
top = importance[importance > 0].nlargest(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh(top.index, top.to_numpy())
ax.set(xlabel="impurity-based importance", title="What the depth-8 tree splits on")
plt.show()

# %% [markdown]
# ## 4. Cross-validation and a grid search
#
# One validation split gives one noisy number. **K-fold cross-validation** splits the training
# data into k folds, trains k times on k − 1 of them and scores on the one left out. Stratified
# folds keep the class balance in each. To keep this notebook fast, we cross-validate on a
# stratified sample of 8,000 training rows. Five folds of ROC AUC:

# %%
X_search, _, y_search, _ = train_test_split(
    X_train, y_train, train_size=8_000, stratify=y_train, random_state=0
)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
fold_auc = cross_val_score(model, X_search, y_search, cv=folds, scoring="roc_auc")
fig, ax = plt.subplots(figsize=(5, 2.5))
ax.bar(range(1, 6), fold_auc)
ax.axhline(fold_auc.mean(), color="k", ls=":", label=f"mean {fold_auc.mean():.3f}")
ax.set(xlabel="fold", ylabel="ROC AUC", ylim=(fold_auc.min() - 0.02, fold_auc.max() + 0.01))
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# A **grid search** runs that cross-validation for every combination of hyperparameters and
# keeps the best. Pipeline parameters are addressed as `step__parameter`. A small grid, three
# folds, on the same sample: 9 combinations × 3 folds = 27 fits, then the best combination is
# refitted on the whole sample.

# %%
grid = {"tree__max_depth": [4, 8, 14], "tree__ccp_alpha": [0.0, 0.0005, 0.002]}
search = GridSearchCV(
    model, grid, cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0), scoring="roc_auc"
)
search.fit(X_search, y_search)
print("best:", search.best_params_, f"mean CV ROC AUC {search.best_score_:.3f}")

# %%
scores = pd.DataFrame(search.cv_results_["params"]).assign(
    auc=search.cv_results_["mean_test_score"]
).pivot(index="tree__max_depth", columns="tree__ccp_alpha", values="auc")
fig, ax = plt.subplots(figsize=(5, 3))
image = ax.imshow(scores.to_numpy(), cmap="viridis")
ax.set(xticks=range(scores.shape[1]), xticklabels=scores.columns, xlabel="ccp_alpha",
       yticks=range(scores.shape[0]), yticklabels=scores.index, ylabel="max_depth")
for (i, j), value in np.ndenumerate(scores.to_numpy()):
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color="w")
fig.colorbar(image, label="mean CV ROC AUC")
plt.show()

# %% [markdown]
# The deep unpruned tree (bottom left) overfits, as in notebook 01; pruning rescues it (the rest
# of the bottom row). The test set, untouched so far, now gives the estimate we would report:

# %%
best_model = search.best_estimator_
test_auc = roc_auc_score(y_test, best_model.predict_proba(X_test)[:, 1])
print(f"test ROC AUC of the chosen pipeline: {test_auc:.3f}")

# %% [markdown]
# ## 5. Saving the model without pickle
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
# ## Summary
#
# * Preparation code has state; keeping it in transformers fitted on training data only removes
#   train/serve skew and leakage.
# * A `Pipeline` (with a `ColumnTransformer` for mixed columns) is one estimator: it
#   cross-validates, grid-searches and saves as a whole.
# * `pipeline.persist` saves JSON and `.npz` arrays, never pickle.
#
# Next, notebook 04: the same pipeline run as a reproducible workflow, evaluated, and served.
