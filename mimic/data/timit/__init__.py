"""TIMIT (issue 3, in progress): phone sets and frame targets, corpus discovery and splits, SPHERE and .PHN
readers, filterbank features with context windows, the on-disk feature cache, decoding and PER.

Still to come: ``TIMITDataModule`` (frame batches for training, utterance-whole batches for scoring), the
PER callback, the speech CNN, and the Table 1 configs.
"""
