"""The keys of a batch, named once.

Every DataModule yields ``dict`` batches; ``TeacherLogits`` adds the teacher's logits in place.
"""

X = "x"  # (B, *in_shape) raw inputs (uint8 pixels, unnormalised features): each net normalises its own
Y = "y"  # (B,) int64 class labels
INDEX = "index"  # (B,) int64 position of each sample in its split: the key of the logit cache
TEACHER_LOGITS = "teacher_logits"  # (B, C) float32, written by TeacherLogits
LENGTHS = "lengths"  # (U,) int64 frames of each whole utterance in a scoring batch (TIMIT)
UTTERANCE = "utterance"  # (U,) int64 position of each utterance in its split (TIMIT)
MIX_PARTNER_Y = "y_mix"  # (B,) int64 label of the image mixed into each one (mimic.data.images.batch_mix)
MIX_WEIGHT = "mix_weight"  # (B,) float32 share of the first image (1: not mixed), with y_mix
STEP_SIZES = "step_sizes"  # tuple[int, ...] samples of each optimiser step in a chunk of batches (mimic.data.chunks)
NO_LABEL = -1  # the value of batch["y"] for unlabeled transfer images: metrics and losses skip it
