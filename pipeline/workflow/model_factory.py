"""Build the inference pipeline the ``train`` step fits, from ``config["model"]``.

Pipeline([
    ("preprocess", ColumnTransformer([
        ("numeric", Pipeline([impute (median), scale (min-max)]), numeric_features),
        ("categorical", Pipeline([impute (most frequent), one-hot]), categorical_features),
    ])),
    ("classifier", DecisionTree(**model.tree, random_state=main.random_seed)),
])
"""


def build_pipeline(config):
    """An unfitted :class:`pipeline.Pipeline` ending in our :class:`tree.DecisionTree`."""
    from pipeline import ColumnTransformer, Pipeline
    from pipeline.preprocessing import MinMaxScaler, OneHotEncoder, SimpleImputer, StandardScaler
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
        categorical = Pipeline(
            [
                ("impute", imputer),
                ("encode", OneHotEncoder(handle_unknown=options["handle_unknown"])),
            ]
        )
        transformers.append(("categorical", categorical, model["categorical_features"]))
    classifier = DecisionTree(**model["tree"], random_state=config["main"]["random_seed"])
    return Pipeline([("preprocess", ColumnTransformer(transformers)), ("classifier", classifier)])
