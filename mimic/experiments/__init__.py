"""Experiments (the demos and the paper's runs): stages declared as data (``experiment.Stage``), run
through the real CLI by one runner (``runner``); ``mimic.report`` writes their results pages."""
