"""``mimic data COMMAND``: make and prepare datasets.

``mimic data synth-timit --out data/timit-synth``: a speech corpus in TIMIT's exact layout, synthesised
with espeak-ng, for running the TIMIT pipeline where the licensed corpus is not at hand.
"""

import argparse
import sys
from pathlib import Path

from mimic.synth.corpus import CorpusSettings, synthesise_corpus
from mimic.synth.espeak import EspeakUnavailable

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


def main(args: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="mimic data", description="Make and prepare datasets.")
    commands = parser.add_subparsers(dest="command", required=True)
    _synth_timit_parser(commands)
    opts = parser.parse_args(args)
    settings = CorpusSettings(opts.speakers, opts.dev_speakers, opts.test_speakers, opts.seed, str(opts.sentences))
    try:
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
