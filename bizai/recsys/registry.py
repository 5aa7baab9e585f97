"""Recommender names the CLI and the dashboard accept, mapped to their classes (imported lazily: SASRec pulls
in torch)."""

from __future__ import annotations

import inspect

from bizai.errors import DataContractError
from bizai.extras import require

RECOMMENDER_NAMES = ("als", "sasrec", "popularity", "itemknn", "ease", "buy_again", "repeat_aware")


def build_recommender(name: str, random_state: int | None = 0, show_progress: bool | None = None, **params):
    """A new recommender by name, e.g. build_recommender("als", factors=64)."""
    if name == "als":
        from bizai.recsys.als import ALSRecommender as cls
    elif name == "sasrec":
        require("torch", "model 'sasrec'")
        from bizai.recsys.sasrec import SASRecRecommender as cls
    elif name == "popularity":
        from bizai.recsys.baselines import PopularityRecommender as cls
    elif name == "itemknn":
        from bizai.recsys.baselines import ItemKNNRecommender as cls
    elif name == "ease":
        from bizai.recsys.ease import EASERecommender as cls
    elif name == "buy_again":
        from bizai.recsys.baselines import BuyAgainRecommender as cls
    elif name == "repeat_aware":
        from bizai.recsys.repeat import RepeatAwareRecommender as cls
    else:
        raise DataContractError(f"Unknown model {name!r}; expected one of {', '.join(RECOMMENDER_NAMES)}.")
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "random_state", "show_progress"}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise DataContractError(f"Model {name!r} takes no parameter {', '.join(map(repr, unknown))}; it takes "
                                f"{', '.join(sorted(accepted)) or 'none'}.")
    return cls(random_state=random_state, show_progress=show_progress, **params)
