"""The personas stage: construct scores, segmentation, profiles, names and typing."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
