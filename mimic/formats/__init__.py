"""Readers and writers of on-disk formats and corpora, with numpy and the standard library only.

No torch and no Lightning here, so that the corpus synthesiser's worker processes and the tools start
fast and the formats can be read and tested on their own:

- ``idx``: the gzipped IDX files of (Fashion-)MNIST.
- ``sphere``: NIST SPHERE audio (read and write) and TIMIT's ``.PHN`` / ``.WRD`` transcriptions.
- ``timit_corpus``: TIMIT's folder layout, speaker lists and train / dev / core-test splits.
- ``timit_phones``: the 61 phones, the 183 tri-state targets and the 61 -> 39 folding.
- ``cifar``: CIFAR-10's python and binary batches; ``safe_pickle``: dataset pickles without running code.
- ``tiny_images``: 80M Tiny Images' ``tiny_images.bin``; ``npz``: memory-mapped ``.npz`` members.
"""
