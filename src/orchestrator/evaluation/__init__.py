"""Measuring the classifier on labelled CSV files: figures, plots, errors."""
