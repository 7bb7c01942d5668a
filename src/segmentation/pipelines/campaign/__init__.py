"""Campaign stage: playbook per persona, targeting lists, champions and manager briefs."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
