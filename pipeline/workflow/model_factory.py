"""Build the inference pipeline the ``train`` step fits, from ``config["model"]``.

Pipeline([
    ("preprocess", ColumnTransformer([
        ("numeric", Pipeline([impute (median), scale (min-max)]), numeric_features),
        ("categorical", Pipeline([impute (most frequent), one-hot]), categorical_features),
    ])),
    ("classifier", DecisionTree(**model.tree, random_state=main.random_seed)),
])

With ``model.pipeline.encoding: native`` the categorical columns are ordinal-encoded instead
(category codes; a category unseen in training becomes ``UNSEEN_CODE``, above every known one)
and the tree splits them natively (``categorical_features``: their columns of the
preprocessed matrix), so ``workclass in {Private, Self-emp-inc}`` is one node.
"""

UNSEEN_CODE = 2**24 - 1  # the tree sends a code above its training codes to the larger child


def build_pipeline(config):
    """An unfitted :class:`pipeline.Pipeline` ending in our :class:`tree.DecisionTree`."""
    from pipeline import ColumnTransformer, Pipeline
    from pipeline.preprocessing import (
        MinMaxScaler,
        OneHotEncoder,
        OrdinalEncoder,
        SimpleImputer,
        StandardScaler,
    )
    from tree import DecisionTree

    model = config["model"]
    options = model["pipeline"]
    transformers = []
    if model["numeric_features"]:
        numeric_steps = [("impute", SimpleImputer(strategy=options["numeric_imputer"]))]
        if options["scaler"] == "minmax":
            numeric_steps.append(("scale", MinMaxScaler()))
        elif options["scaler"] == "standard":
            numeric_steps.append(("scale", StandardScaler()))
        transformers.append(("numeric", Pipeline(numeric_steps), model["numeric_features"]))
    if model["categorical_features"]:
        imputer = (
            SimpleImputer(strategy="constant", fill_value="missing")
            if options["categorical_imputer"] == "constant"
            else SimpleImputer(strategy="most_frequent")
        )
        native = options.get("encoding", "onehot") == "native"
        if native:
            encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=UNSEEN_CODE)
        else:
            encoder = OneHotEncoder(handle_unknown=options["handle_unknown"])
        categorical = Pipeline([("impute", imputer), ("encode", encoder)])
        transformers.append(("categorical", categorical, model["categorical_features"]))
    tree_options = dict(model["tree"])
    if model["categorical_features"] and options.get("encoding", "onehot") == "native":
        # the ColumnTransformer puts the numeric columns first, then the categorical ones
        first = len(model["numeric_features"])
        tree_options["categorical_features"] = list(
            range(first, first + len(model["categorical_features"]))
        )
    classifier = DecisionTree(**tree_options, random_state=config["main"]["random_seed"])
    return Pipeline([("preprocess", ColumnTransformer(transformers)), ("classifier", classifier)])
