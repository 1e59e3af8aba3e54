"""Experiments (the demos, and the paper runs to come): stages declared as data (``Experiment``), run
through the real CLI by one runner (``runner``), reported by one writer (``report``) for error-rate and
phone-error-rate tables alike."""
