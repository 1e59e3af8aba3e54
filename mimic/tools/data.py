"""``mimic data COMMAND``: make and prepare datasets.

``mimic data synth-timit --out data/timit-synth``: a speech corpus in TIMIT's exact layout, synthesised
with espeak-ng, for running the TIMIT pipeline where the licensed corpus is not at hand.

``mimic data image-folders --dataset fashion-mnist --out data/fashion-png``: a built-in image corpus as
PNG files in torchvision's ImageFolder layout (``ImageFolderDataModule`` reads it), optionally with some
training images moved, unlabeled, to ``unlabeled/``.
"""

import argparse
from pathlib import Path

from mimic import errors
from mimic.synth.corpus import CorpusSettings, synthesise_corpus, synthesise_transfer
from mimic.synth.espeak import EspeakUnavailable
from mimic.synth.variability import PRESETS, Variability

DEFAULTS = CorpusSettings()


def _synth_timit_parser(commands) -> None:
    parser = commands.add_parser(
        "synth-timit",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="synthesise a TIMIT-format corpus with espeak-ng",
        description="Synthesise a corpus in TIMIT's layout (TRAIN|TEST/DR*/<SPEAKER>/<UTT>.WAV|PHN|WRD|TXT, "
        "NIST SPHERE, 16 kHz 16-bit) with espeak-ng, with true phone alignments from espeak's phoneme events. "
        "The test side uses names from the standard dev and core-test speaker lists, so TIMITDataModule "
        "(strict: false) splits it as it splits TIMIT. The same arguments give byte-identical files.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory (must be empty or new)")
    parser.add_argument("--speakers", type=int, default=DEFAULTS.train_speakers, help="training speakers")
    parser.add_argument("--dev-speakers", type=int, default=DEFAULTS.dev_speakers, help="dev speakers (max 50)")
    parser.add_argument("--test-speakers", type=int, default=DEFAULTS.test_speakers, help="core-test speakers (max 24)")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument(
        "--sentences", type=Path, default=Path(DEFAULTS.sentences), help="sentence list, one per line (# comments)"
    )
    parser.add_argument("--workers", type=int, default=None, help="speakers synthesised at once (default: CPUs)")
    parser.add_argument("--overwrite", action="store_true", help="replace TRAIN/, TEST/ and SYNTH.json in --out")
    parser.add_argument(
        "--transfer-for",
        type=Path,
        default=None,
        metavar="CORPUS",
        help="write unlabeled transfer speech (.WAV only, under OUT/TRANSFER/) for the corpus synth-timit made at "
        "CORPUS: --speakers new speakers recorded as that corpus was (its variability); for TIMITDataModule's "
        "transfer_root",
    )
    _variability_arguments(parser)


# option, type, values (2: LOW HIGH), help; each defaults to the preset's value
_VARIABILITY_OPTIONS = (
    ("--snr-db", float, 2, "speech-to-noise ratio range"),
    ("--babble", float, 1, "share of utterances whose noise is babble of other talkers"),
    ("--babble-talkers", int, 1, "talkers in one babble track"),
    ("--reverb", float, 1, "share of utterances recorded in a reverberant room"),
    ("--rt60-s", float, 2, "rooms' reverberation time"),
    ("--drr-db", float, 2, "direct-to-reverberant ratio"),
    ("--rate-jitter", float, 1, "utterance speaking rate: the speaker's x (1 +- this)"),
    ("--pitch-jitter", int, 1, "utterance base pitch: the speaker's +- this (0-100 scale)"),
    ("--channel-db", float, 1, "largest gain of a speaker's channel resonances, +- dB"),
)


def _variability_arguments(parser: argparse.ArgumentParser) -> None:
    """How much the recordings vary (``mimic.synth.variability``): a preset, and any part of it changed."""
    group = parser.add_argument_group(
        "variability", "a preset, then any of its parts changed (each option's default: the preset's value)"
    )
    group.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=argparse.SUPPRESS,
        help="clean (the default): espeak's voices in quiet rooms; hard: noise at 0-20 dB (half of it babble), "
        "reverberant rooms, rate and pitch jitter, 48 voices",
    )
    for option, kind, count, text in _VARIABILITY_OPTIONS:
        shape = {"nargs": 2, "metavar": ("LOW", "HIGH")} if count == 2 else {}
        group.add_argument(option, type=kind, default=argparse.SUPPRESS, help=text, **shape)
    group.add_argument(
        "--voices", choices=("basic", "many"), default=argparse.SUPPRESS, help="espeak variants: 13 basic or 48"
    )


def variability_from(opts: argparse.Namespace) -> Variability:
    """The preset with the options given on the command line; out-of-range values raise ``ValueError``."""
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in vars(opts).items()}
    return PRESETS[options.pop("preset", "clean")].with_options(**options)


def _transfer(parser: argparse.ArgumentParser, opts: argparse.Namespace) -> dict:
    given = sorted(o for o, *_ in _VARIABILITY_OPTIONS if hasattr(opts, o[2:].replace("-", "_")))
    given += [f"--{o}" for o in ("preset", "voices") if hasattr(opts, o)]
    if given:
        _fail(f"{', '.join(given)}: transfer speech is recorded as its labeled corpus was; leave these out")
    try:
        manifest = synthesise_transfer(
            opts.out, opts.transfer_for, opts.speakers, opts.seed, opts.workers, opts.overwrite
        )
    except (EspeakUnavailable, FileExistsError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    print(
        f"[mimic] synth-timit: wrote {manifest['utterances']} unlabeled utterances ({manifest['minutes']:.1f} min) "
        f"of {len(manifest['speakers'])} transfer speakers to {opts.out}",
        flush=True,
    )
    return manifest


def _image_folders_parser(commands) -> None:
    parser = commands.add_parser(
        "image-folders",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="write a built-in image corpus as PNG class folders (ImageFolder layout)",
        description="Write OUT/train/<k>-<class>/<n>.png and OUT/test/... from a built-in corpus, and with "
        "--unlabeled N, N training images (a seeded choice) to OUT/unlabeled/ without their labels.",
    )
    parser.add_argument("--dataset", choices=("fashion-mnist", "cifar10"), default="fashion-mnist")
    parser.add_argument("--root", default=None, help="the corpus's folder (default: the DataModule's own search)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (must not exist)")
    parser.add_argument("--unlabeled", type=int, default=0, help="training images written without labels")
    parser.add_argument("--seed", type=int, default=0, help="seed of the unlabeled choice")


def _image_folders(opts: argparse.Namespace) -> dict:
    from mimic.data import CIFAR10DataModule, FashionMNISTDataModule
    from mimic.data.images.write_folders import write_image_folders

    module = {"fashion-mnist": FashionMNISTDataModule, "cifar10": CIFAR10DataModule}[opts.dataset]
    try:
        datamodule = module(root=opts.root)
        splits = {split: datamodule.read(split) for split in ("train", "test")}
        counts = write_image_folders(opts.out, splits, tuple(module.class_names), opts.unlabeled, opts.seed)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        errors.fail(f"data image-folders: {err}")
    shown = ", ".join(f"{n:,} {split}" for split, n in counts.items() if n)
    print(f"[mimic] data image-folders: wrote {shown} images of {opts.dataset} to {opts.out}", flush=True)
    return counts


def _fail(message: str) -> None:
    errors.fail(f"data synth-timit: {message}")  # expected mistakes get one clear line, not a traceback


def main(args: list[str]) -> dict:
    parser = errors.ToolParser(prog="mimic data", description="Make and prepare datasets.")
    commands = parser.add_subparsers(dest="command", required=True)
    _synth_timit_parser(commands)
    _image_folders_parser(commands)
    opts = parser.parse_args(args)
    if opts.command == "image-folders":
        return _image_folders(opts)
    if opts.transfer_for is not None:
        return _transfer(parser, opts)
    try:
        variability = variability_from(opts)
        settings = CorpusSettings(
            opts.speakers, opts.dev_speakers, opts.test_speakers, opts.seed, str(opts.sentences), variability
        )
        manifest = synthesise_corpus(opts.out, settings, workers=opts.workers, overwrite=opts.overwrite)
    except (EspeakUnavailable, FileExistsError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    print(
        f"[mimic] synth-timit: wrote {manifest['utterances']} utterances ({manifest['minutes']:.1f} min) of "
        f"{len(manifest['speakers'])} speakers to {opts.out}",
        flush=True,
    )
    return manifest
