"""Config files read before jsonargparse does, which reports a YAML syntax error without the file's name."""

from pathlib import Path

import yaml


def config_files(argv: list[str]) -> list[str]:
    """The files given as ``--config FILE``, ``--config=FILE`` or ``-c FILE``."""
    files = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--config=")]
    return files + [after for before, after in zip(argv, argv[1:], strict=False) if before in ("--config", "-c")]


def check_yaml(path: str) -> None:
    """Raise ``ValueError`` naming the file, the line and what was wrong there, if ``path`` (or a file it
    includes with a ``config:`` key) is not valid YAML. A missing file is left to the parser to name."""
    if not Path(path).is_file():
        return
    try:
        content = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ValueError(f"{path}: not valid YAML{where}: {problem}") from err
    included = content.get("config") if isinstance(content, dict) else None
    for name in [included] if isinstance(included, str) else included or []:
        check_yaml(str(Path(path).parent / name))  # jsonargparse reads them relative to the including file
