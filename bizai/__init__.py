"""bizai: profit and sales forecasting for many entities, and recommendations from interaction logs.

Heavy libraries (torch, lightgbm, implicit) load only when a model needs them, so `import bizai` is cheap.
"""

__version__ = "0.1.0"

from bizai.errors import (  # noqa: E402
    BizaiError,
    BizaiWarning,
    DataContractError,
    IncompatibleModelError,
    NotFittedError,
)

__all__ = ["__version__", "BizaiError", "BizaiWarning", "DataContractError", "IncompatibleModelError",
           "NotFittedError"]
