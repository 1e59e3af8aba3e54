"""The ``mimic`` subcommands beyond Lightning's ``fit|validate|test|predict``: the experiments and the
tools that are not training. Each is ``module:function`` taking the remaining arguments, imported only
when it runs."""

from collections.abc import Callable
from importlib import import_module
from typing import Any

EXPERIMENTS = {
    "demo": (
        "mimic.experiments.fashion_demo:main",
        "1,000 labels and all: teachers, nets on labels and their mimics on Fashion-MNIST",
    ),
    "demo-speech": (
        "mimic.experiments.speech_demo:main",
        "synthesise a TIMIT-format corpus; DNN teacher, shallow net and its mimic; PER table",
    ),
    "paper": (
        "mimic.experiments.paper:main",
        "Table 2 in miniature, the claim (3 seeds) and Figures 1-3 on Fashion-MNIST",
    ),
    "paper-speech": ("mimic.experiments.paper_speech:main", "Table 1 on a hard synthetic corpus, + transfer speech"),
    "levers": ("mimic.experiments.fashion_levers:main", "what makes a shallow mimic win, chosen on validation"),
}
TOOLS = {
    "nets": ("mimic.tools.nets:main", "architecture, parameters and hidden units of the nets in configs"),
    "data": (
        "mimic.tools.data:main",
        "make datasets: `synth-timit` a TIMIT-format speech corpus, `image-folders` PNG class folders",
    ),
    "export": (
        "mimic.tools.export:main",
        "write a trained net or ensemble as ONNX, TorchScript, a state dict or torchvision weights",
    ),
    "speed": ("mimic.tools.speed:main", "inference latency and throughput of nets (PyTorch and onnxruntime)"),
    "compare": ("mimic.tools.compare:main", "a student against its twin (and others) from their kept test results"),
    "diagnose": ("mimic.tools.diagnose:main", "why speech nets decode as they do: dev frames, logits, phone errors"),
}
COMMANDS = EXPERIMENTS | TOOLS


def command(name: str) -> Callable[[list[str]], Any]:
    module, _, function = COMMANDS[name][0].partition(":")
    return getattr(import_module(module), function)


def epilog() -> str:
    """The help's list of experiments and tools."""
    lines = ["experiments (each stage a `mimic fit|validate|test` run; --help for their options):"]
    lines += [f"  mimic {name:<13} {help_}" for name, (_, help_) in EXPERIMENTS.items()]
    lines += ["tools:"] + [f"  mimic {name:<13} {help_}" for name, (_, help_) in TOOLS.items()]
    return "\n".join(lines)
