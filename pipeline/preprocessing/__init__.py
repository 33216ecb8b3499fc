"""Transformers a tabular model needs, with scikit-learn's names and results."""

from pipeline.preprocessing._data import MinMaxScaler, StandardScaler
from pipeline.preprocessing._encoders import OneHotEncoder, OrdinalEncoder
from pipeline.preprocessing._function import ColumnSelector, FunctionTransformer
from pipeline.preprocessing._imputer import SimpleImputer
from pipeline.preprocessing._label import LabelEncoder

__all__ = [
    "ColumnSelector",
    "FunctionTransformer",
    "LabelEncoder",
    "MinMaxScaler",
    "OneHotEncoder",
    "OrdinalEncoder",
    "SimpleImputer",
    "StandardScaler",
]
