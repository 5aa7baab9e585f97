"""The exceptions bizai raises on purpose. Each message says what was found and what was expected."""

import numbers


class BizaiError(Exception):
    """Base class of every error bizai raises deliberately."""


class DataContractError(BizaiError, ValueError):
    """Input data does not meet its contract (columns, dtypes, duplicates, dates, emptiness...)."""


class NotFittedError(BizaiError, AttributeError):
    """A method that needs a fitted estimator was called before `fit`."""


class BizaiWarning(UserWarning):
    """Every warning bizai gives about the caller's data or model (a UserWarning, so filters on UserWarning still
    apply; `warnings.filterwarnings("ignore", category=BizaiWarning)` silences bizai's alone)."""


class IncompatibleModelError(BizaiError):
    """A saved model folder is damaged or was written by an incompatible bizai or library version."""


def check_is_fitted(estimator: object, attribute: str) -> None:
    """Raise NotFittedError unless `estimator` has the fitted attribute `attribute` (scikit-learn habit)."""
    if getattr(estimator, attribute, None) is None:
        name = type(estimator).__name__
        raise NotFittedError(f"This {name} is not fitted yet: call `fit` (or `{name}.load(path)`) first.")


def check_random_state(estimator: object) -> None:
    """Raise DataContractError unless the estimator's `random_state` is None or a non-negative integer (a seed):
    a text seed otherwise surfaced as a LightGBM or NumPy error deep inside `fit`."""
    state = getattr(estimator, "random_state", None)
    if state is not None and (isinstance(state, bool) or not isinstance(state, numbers.Integral) or state < 0):
        raise DataContractError(f"random_state must be None or a non-negative integer (a seed), got {state!r}.")


class UnsafeOutputError(BizaiError, ValueError):
    """Writing the requested output would destroy something that is not ours to replace (an input, a user's
    folder, a folder where a file was asked for)."""


class MissingExtraError(BizaiError, ImportError):
    """An optional part of bizai was asked for without the extra that installs it."""
