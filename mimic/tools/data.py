"""``mimic data COMMAND``: make and prepare datasets.

``mimic data synth-timit --out data/timit-synth``: a speech corpus in TIMIT's exact layout, synthesised
with espeak-ng, for running the TIMIT pipeline where the licensed corpus is not at hand.
"""

import argparse
import sys
from pathlib import Path

from mimic.synth.corpus import CorpusSettings, synthesise_corpus
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
    _variability_arguments(parser)


def _variability_arguments(parser: argparse.ArgumentParser) -> None:
    """How much the recordings vary (``mimic.synth.variability``): a preset, and any part of it changed."""
    group = parser.add_argument_group(
        "variability", "a preset, then any of its parts changed (each option's default: the preset's value)"
    )
    group.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="clean",
        help="clean: espeak's voices in quiet "
        "rooms; hard: noise at 0-20 dB (half babble), reverberant rooms, rate and pitch jitter, 48 voices",
    )
    group.add_argument(
        "--snr-db",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=argparse.SUPPRESS,
        help="speech-to-noise ratio range",
    )
    group.add_argument(
        "--babble",
        type=float,
        default=argparse.SUPPRESS,
        help="share of utterances whose noise is babble of other talkers",
    )
    group.add_argument("--babble-talkers", type=int, default=argparse.SUPPRESS, help="talkers in one babble track")
    group.add_argument(
        "--reverb", type=float, default=argparse.SUPPRESS, help="share of utterances recorded in a reverberant room"
    )
    group.add_argument(
        "--rt60-s",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=argparse.SUPPRESS,
        help="rooms' reverberation time",
    )
    group.add_argument(
        "--drr-db",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=argparse.SUPPRESS,
        help="direct-to-reverberant ratio",
    )
    group.add_argument(
        "--rate-jitter",
        type=float,
        default=argparse.SUPPRESS,
        help="utterance speaking rate: the speaker's x (1 +- this)",
    )
    group.add_argument(
        "--pitch-jitter",
        type=int,
        default=argparse.SUPPRESS,
        help="utterance base pitch: the speaker's +- this (0-100 scale)",
    )
    group.add_argument(
        "--channel-db",
        type=float,
        default=argparse.SUPPRESS,
        help="largest gain of a speaker's channel resonances, +- dB",
    )
    group.add_argument(
        "--voices", choices=("basic", "many"), default=argparse.SUPPRESS, help="espeak variants: 13 basic or 48"
    )


def variability_from(opts: argparse.Namespace) -> Variability:
    """The preset with the options given on the command line; out-of-range values raise ``ValueError``."""
    ranges = ("snr_db", "rt60_s", "drr_db")
    options = {k: tuple(v) if k in ranges and v is not None else v for k, v in vars(opts).items()}
    return PRESETS[opts.preset].with_options(**options)


def main(args: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="mimic data", description="Make and prepare datasets.")
    commands = parser.add_subparsers(dest="command", required=True)
    _synth_timit_parser(commands)
    opts = parser.parse_args(args)
    try:
        variability = variability_from(opts)
        settings = CorpusSettings(
            opts.speakers, opts.dev_speakers, opts.test_speakers, opts.seed, str(opts.sentences), variability
        )
        manifest = synthesise_corpus(opts.out, settings, workers=opts.workers, overwrite=opts.overwrite)
    except (EspeakUnavailable, FileExistsError, FileNotFoundError, ValueError) as err:
        # expected mistakes get one clear line, not a traceback
        print(f"mimic data synth-timit: error: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    print(
        f"[mimic] synth-timit: wrote {manifest['utterances']} utterances ({manifest['minutes']:.1f} min) of "
        f"{len(manifest['speakers'])} speakers to {opts.out}",
        flush=True,
    )
    return manifest
