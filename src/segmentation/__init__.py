"""segmentation: employee personas and campaign playbooks from HR and survey data."""

__version__ = "0.1.0"
