"""Recommendations: item-kNN from anonymous ratings, content from the compass, genres and tags,
and one ranking that keeps the reason for every pick. Pure domain: no database, no discord.

The model and the pool are built off the event loop (`fit_item_knn`, `CandidatePool.build`) and
combined into an immutable `Recommender`; a request reads whichever one is current.
"""
