"""A TIMIT-format speech corpus synthesised with espeak-ng: ``mimic data synth-timit``.

``espeak`` drives libespeak-ng through ctypes (audio and phoneme events); ``phone_map`` maps espeak's
English phonemes onto the 61 TIMIT labels; ``alignment`` turns events into ``.PHN`` segments and ``.WRD``
spans; ``speakers``, ``sentences`` and ``channel`` decide who says what and how it is recorded;
``worker`` makes one speaker's files in a process of its own; ``corpus`` runs the workers.

Only numpy and ctypes are imported here (no torch), so the worker processes start fast.
"""
