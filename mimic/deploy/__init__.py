"""Taking a trained net where it runs: export (ONNX, TorchScript, state dict) and inference cost."""
