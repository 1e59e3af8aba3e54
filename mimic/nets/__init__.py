"""Plain ``nn.Module`` nets: ``forward(x) -> logits``; no Lightning in here."""

from mimic.nets.base import Net, build_net, count_hidden_units, count_parameters
from mimic.nets.ensemble import Ensemble
from mimic.nets.image_cnn import ImageCNN
from mimic.nets.mlp import DeepMLP
from mimic.nets.outside import OutsideTeacher, TorchScriptTeacher, TorchvisionTeacher
from mimic.nets.preprocess import Preprocess
from mimic.nets.shallow import ConvShallowNet, ShallowNet
from mimic.nets.speech_cnn import SpeechCNN
from mimic.nets.stochastic_pool import StochasticPool2d
from mimic.nets.torchvision_net import TorchvisionNet

__all__ = [
    "ConvShallowNet",
    "DeepMLP",
    "Ensemble",
    "ImageCNN",
    "Net",
    "OutsideTeacher",
    "Preprocess",
    "ShallowNet",
    "SpeechCNN",
    "StochasticPool2d",
    "TorchScriptTeacher",
    "TorchvisionNet",
    "TorchvisionTeacher",
    "build_net",
    "count_hidden_units",
    "count_parameters",
]
