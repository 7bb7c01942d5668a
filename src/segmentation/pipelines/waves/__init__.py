"""The waves stage: adoption of the network per wave, movement between personas, gamification."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
