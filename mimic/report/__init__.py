"""The results pages of experiments: tables, paired comparisons, figures, written only from what the runs
wrote into their folders (``scores.json``, ``metrics.csv``, kept test results, ``speed.csv``)."""
