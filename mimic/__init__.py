"""mimic: shallow nets that mimic deep ones (Ba & Caruana, NIPS 2014), on PyTorch Lightning.

Where each job lives (top floor first; a room imports only from its own floor or below, see
docs/architecture.md):

- ``mimic.experiments``: stages declared as data, run through the real CLI by one runner.
- ``mimic.cli``, ``mimic.commands``, ``mimic.tools``: the ``mimic`` command, its experiments and tools.
- ``mimic.report``: results pages written from what runs kept; ``mimic.deploy``: export and speed.
- ``mimic.tasks``: ``TeacherModule``, ``StudentModule``, ``EnsembleModule``: losses, optimisers, logging.
- ``mimic.callbacks``: ``TeacherLogits`` (the teacher's logits into student batches), ``PhoneErrorRateScorer``.
- ``mimic.data``: DataModules yielding dict batches of raw inputs (keys in ``mimic.batch``); the contract
  they declare is ``mimic.data.base``. ``mimic.linking`` passes their shapes to the net.
- ``mimic.metrics``: error rate, agreement, phone error rate, decoders; ``mimic.synth``: the espeak-ng
  speech corpus in TIMIT's format.
- ``mimic.nets``: plain ``nn.Module``s, each normalising its own raw inputs, and their checkpoint files;
  ``mimic.formats``: file formats and corpora (no torch, no Lightning).
"""

__version__ = "0.1.0"
