"""Training code for the classifiers in ``hashtags.models`` (run ``python -m training --help``)."""
