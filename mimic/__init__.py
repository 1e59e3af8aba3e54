"""mimic: shallow nets that mimic deep ones (Ba & Caruana, NIPS 2014), on PyTorch Lightning."""

__version__ = "0.1.0"
