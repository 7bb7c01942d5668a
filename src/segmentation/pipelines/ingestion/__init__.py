"""Ingestion stage: read, validate, join, pseudonymise and account for every row."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
