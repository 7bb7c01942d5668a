"""Reporting stage: run summary and persona report."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
