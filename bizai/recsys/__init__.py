"""Recommendations from interaction logs: ALS, SASRec, popularity and item-kNN behind one small API."""

from bizai.recsys.als import ALSRecommender
from bizai.recsys.base import BaseRecommender
from bizai.recsys.baselines import ItemKNNRecommender, PopularityRecommender
from bizai.recsys.evaluate import evaluate
from bizai.recsys.sasrec import SASRecArchitecture, SASRecRecommender, SASRecTraining
from bizai.recsys.splitters import leave_last_out_split, time_split

__all__ = ["ALSRecommender", "SASRecRecommender", "SASRecArchitecture", "SASRecTraining", "PopularityRecommender",
           "ItemKNNRecommender", "BaseRecommender", "evaluate", "leave_last_out_split", "time_split"]
