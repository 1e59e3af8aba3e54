"""The synthetic speech corpora the speech experiments train on, made unless already there."""

import json
from pathlib import Path

from mimic.synth.corpus import MANIFEST, CorpusSettings, same_settings, synthesise_corpus, synthesise_transfer


def ensure_corpus(root: Path, settings: CorpusSettings) -> None:
    """Synthesise the corpus unless ``root`` holds one made with ``settings``; a corpus made with other
    settings (it has our manifest) is replaced, anything else in ``root`` is left alone (an error)."""
    manifest = root / MANIFEST
    if manifest.is_file():
        made_with = json.loads(manifest.read_text()).get("settings", {})
        if same_settings(made_with, settings.as_json()):
            print(f"[mimic] corpus: reusing {root} ({manifest.name} matches)", flush=True)
            return
    synthesise_corpus(root, settings, overwrite=manifest.is_file())


def transfer_folder(corpus: Path, multiple: int) -> Path:
    return corpus.with_name(f"{corpus.name}-transfer-{multiple}x")


def ensure_transfer(corpus: Path, settings: CorpusSettings, multiple: int) -> Path:
    """The corpus's unlabeled transfer speech, ``multiple`` x its training speakers, unless already there."""
    folder = transfer_folder(corpus, multiple)
    speakers = multiple * settings.train_speakers
    manifest = folder / MANIFEST
    if manifest.is_file():
        made = json.loads(manifest.read_text())["settings"]
        labeled = json.loads((corpus / MANIFEST).read_text())["settings"]
        same = same_settings({k: v for k, v in made.items() if not k.startswith("transfer_")}, labeled)
        if same and made.get("transfer_speakers") == speakers:
            print(f"[mimic] transfer speech: reusing {folder} ({manifest.name} matches)", flush=True)
            return folder
    synthesise_transfer(folder, corpus, speakers, overwrite=manifest.is_file())
    return folder


def quick_args(corpus: Path) -> tuple[str, ...]:
    """--quick: a smoke run of every stage on the tiny ``corpus``; its figures mean nothing."""
    return (
        f"--data.init_args.root={corpus}",
        f"--data.init_args.cache_dir={corpus}/features",
        "--trainer.max_epochs=1",
        "--trainer.limit_train_batches=4",
        "--trainer.enable_progress_bar=false",
    )
