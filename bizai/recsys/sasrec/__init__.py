"""SASRec: a causal self-attention model over each user's time-ordered history."""

from bizai.recsys.sasrec.recommender import SASRecArchitecture, SASRecRecommender, SASRecTraining

__all__ = ["SASRecRecommender", "SASRecArchitecture", "SASRecTraining"]
