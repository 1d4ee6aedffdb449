"""HASHTAGS: a company's social media policy, executable."""

__version__ = "0.1.0"
