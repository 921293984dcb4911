"""tinynet: a 1 -> H -> 1 neural network in numpy, written to read like the math.

    >>> from tinynet import Network, Trainer, ARTICLE_X, ARTICLE_Y
    >>> net = Network(w1=[0.5], b1=[-0.1], w2=[0.3], b2=0.2)
    >>> round(net.loss(ARTICLE_X, ARTICLE_Y), 4)
    0.1267
"""
from .activations import ACTIVATIONS, Activation, get_activation, relu, sigmoid, tanh
from .data import (
                   ARTICLE_X,
                   ARTICLE_Y,
                   MAX_POINTS,
                   PRESETS,
                   DataError,
                   monotonic_fit,
                   monotonic_floor,
                   preset,
                   validate,
)
from .init import ARTICLE, BUMP, SCHEMES, default_scheme, starting_network, starting_theta
from .losses import LOSSES, Loss, cross_entropy, get_loss, squared
from .network import Forward, Network, parameter_names
from .optimizers import OPTIMIZERS, Adam, GradientDescent, Momentum, Optimizer, make_optimizer
from .sweeps import SweepResult, batch_losses, landscape, train_many
from .timeline import Leg, Timeline
from .train import Trainer, TrainResult

ONE_NEURON_FLOOR = 1 / 12  # the best mean loss a monotonic curve can reach on the article's data

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "relu", "sigmoid", "tanh",
    "ARTICLE_X", "ARTICLE_Y", "MAX_POINTS", "PRESETS", "DataError", "monotonic_fit",
    "monotonic_floor", "preset", "validate",
    "ARTICLE", "BUMP", "SCHEMES", "default_scheme", "starting_network", "starting_theta",
    "LOSSES", "Loss", "cross_entropy", "get_loss", "squared",
    "Forward", "Network", "parameter_names",
    "OPTIMIZERS", "Adam", "GradientDescent", "Momentum", "Optimizer", "make_optimizer",
    "SweepResult", "batch_losses", "landscape", "train_many",
    "TrainResult", "Timeline", "Leg",
    "Trainer", "ONE_NEURON_FLOOR",
]
