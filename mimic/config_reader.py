"""A command line's config as the ``mimic`` command resolves it (YAML files, their parts, overlays,
overrides and every default), with nothing built and nothing run: what a stage's record is made of."""

import warnings
from typing import Any

from lightning.pytorch.cli import LightningArgumentParser

from mimic.cli import MimicCLI


class _Parsed(Exception):
    """Ends ``ConfigReader``'s construction once the command line is parsed (LightningCLI builds and runs
    everything from its constructor; parsing is the one step wanted here)."""

    def __init__(self, reader: "ConfigReader") -> None:
        super().__init__("parsed")
        self.reader = reader


class ConfigReader(MimicCLI):
    """``MimicCLI`` that stops after parsing: its errors are the ``mimic`` command's (one line each)."""

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        super().parse_arguments(parser, args)
        raise _Parsed(self)


_reader: ConfigReader | None = None  # its parser, built once (the slow part), reads every stage


def resolved_config(args: list[str]) -> dict[str, Any]:
    """The config of ``mimic SUBCOMMAND ARGS`` (``args`` starts with the subcommand), as a plain dict."""
    global _reader
    # Lightning warns when a process with its own argv (``mimic demo ...``) passes ``args``: only they count
    warnings.filterwarnings("ignore", message="LightningCLI's args parameter is intended")
    try:
        if _reader is None:
            ConfigReader(args=args)
        else:
            _reader.parse_arguments(_reader.parser, args)
    except _Parsed as parsed:
        _reader = parsed.reader
    config = _reader.config
    return config[config.subcommand].as_dict()
