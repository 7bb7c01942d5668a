"""Report stage: the persona report as one HTML page and as an Excel workbook."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
