"""mimic: shallow nets that mimic deep ones (Ba & Caruana, NIPS 2014), on PyTorch Lightning.

Where each job lives:

- ``mimic.formats``: file formats and corpora (no torch, no Lightning).
- ``mimic.data``: DataModules yielding dict batches of raw inputs (keys in ``mimic.batch``); the contract
  they declare is ``mimic.data.base``.
- ``mimic.nets``: plain ``nn.Module``s, each normalising its own raw inputs.
- ``mimic.metrics``: error rate, agreement, phone error rate, decoders.
- ``mimic.callbacks``: ``TeacherLogits`` (the teacher's logits into student batches), ``PhoneErrorRateScorer``.
- ``mimic.tasks``: ``TeacherModule``, ``StudentModule``, ``EnsembleModule``: losses, optimisers, logging.
- ``mimic.experiments``: the demos as declared stages, one runner, one report writer.
- ``mimic.cli``: the ``mimic`` command; ``mimic.linking`` passes the DataModule's shapes to the net.
- ``mimic.synth``: the espeak-ng speech corpus in TIMIT's format.
"""

__version__ = "0.1.0"
