"""A TIMIT-format speech corpus synthesised with espeak-ng: `mimic data synth-timit`."""
