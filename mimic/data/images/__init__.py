"""Image datasets of the paper's CIFAR-10 experiment: readers of the official formats."""
