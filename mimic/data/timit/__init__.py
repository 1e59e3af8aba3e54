"""TIMIT: ``TIMITDataModule`` (corpus discovery and splits, SPHERE and .PHN readers, filterbank features with
context windows, the on-disk feature cache), the 61/183/39 phone sets, decoding and ``PhoneErrorRateScorer``."""
