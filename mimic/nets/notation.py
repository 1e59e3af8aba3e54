"""The paper's shorthand for layer sizes: ``2k-2k-2k``, ``250L-8k``, ``128c-p-1200L-30k``."""


def units(n: int) -> str:
    """8000 -> '8k', 2048 -> '2048'."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)
