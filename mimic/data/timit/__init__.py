"""TIMIT frames for ``TIMITDataModule``: filterbank features with context windows, the 183 frame targets,
the on-disk feature cache, and the datasets of training frames and scoring utterances. The corpus
layout, SPHERE and ``.PHN`` readers and the phone sets are in ``mimic.formats``."""
