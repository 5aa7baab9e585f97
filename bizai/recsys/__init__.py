"""Recommendations from interaction logs: ALS, SASRec, EASE, item-kNN, buy-again and popularity behind one small API."""

from bizai.recsys.als import ALSRecommender
from bizai.recsys.base import BaseRecommender
from bizai.recsys.baselines import BuyAgainRecommender, ItemKNNRecommender, PopularityRecommender
from bizai.recsys.ease import EASERecommender
from bizai.recsys.evaluate import evaluate
from bizai.recsys.purchases import net_purchases
from bizai.recsys.repeat import RepeatAwareRecommender
from bizai.recsys.sasrec import SASRecArchitecture, SASRecRecommender, SASRecTraining
from bizai.recsys.splitters import leave_last_out_split, time_split

__all__ = ["ALSRecommender", "SASRecRecommender", "SASRecArchitecture", "SASRecTraining", "PopularityRecommender",
           "ItemKNNRecommender", "EASERecommender", "BuyAgainRecommender", "RepeatAwareRecommender", "BaseRecommender",
           "net_purchases", "evaluate", "leave_last_out_split", "time_split"]
