"""Warning and exception types of the metrics package (scikit-learn's names and bases)."""


class UndefinedMetricWarning(UserWarning):
    """Warning used when a metric is ill-defined for the given input (e.g. a 0/0 ratio)."""


class InvalidParameterError(ValueError, TypeError):
    """A parameter has an invalid type or value (catchable as ValueError or TypeError)."""
