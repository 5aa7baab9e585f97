"""The exceptions bizai raises on purpose. Each message says what was found and what was expected."""


class BizaiError(Exception):
    """Base class of every error bizai raises deliberately."""


class DataContractError(BizaiError, ValueError):
    """Input data does not meet its contract (columns, dtypes, duplicates, dates, emptiness...)."""


class NotFittedError(BizaiError, AttributeError):
    """A method that needs a fitted estimator was called before `fit`."""


class IncompatibleModelError(BizaiError):
    """A saved model folder is damaged or was written by an incompatible bizai or library version."""


def check_is_fitted(estimator: object, attribute: str) -> None:
    """Raise NotFittedError unless `estimator` has the fitted attribute `attribute` (scikit-learn habit)."""
    if getattr(estimator, attribute, None) is None:
        name = type(estimator).__name__
        raise NotFittedError(f"This {name} is not fitted yet: call `fit` (or `{name}.load(path)`) first.")


class UnsafeOutputError(BizaiError, ValueError):
    """Writing the requested output would destroy something that is not ours to replace (an input, a user's
    folder, a folder where a file was asked for)."""


class MissingExtraError(BizaiError, ImportError):
    """An optional part of bizai was asked for without the extra that installs it."""
