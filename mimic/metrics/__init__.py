"""Metrics (torchmetrics ``Metric``s) and the decoders that the phone error rate needs; no data in here."""

from mimic.metrics.classification import Agreement, ErrorRate, RunningMean
from mimic.metrics.phone_error_rate import PhoneErrorRate

__all__ = ["Agreement", "ErrorRate", "PhoneErrorRate", "RunningMean"]
