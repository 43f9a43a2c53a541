"""Checks of the deployment files (image, compose, Kubernetes, CI, dashboard) without Docker."""
