"""Reading the pickles image datasets ship in (CIFAR-10's batches, ``ti_500K``) without running code.

``pickle.load`` can call any importable function a file names. These files only need dicts, lists,
numbers, strings and numpy arrays, so the unpickler resolves exactly the numpy names that rebuild an
array and refuses every other global, naming it; arrays of Python objects are refused after loading.
"""

import codecs
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

# numpy's ndarray.__reduce__ rebuilds an array with _reconstruct(ndarray, shape, dtype) + __setstate__;
# under pickle protocol 5 it uses _frombuffer(bytes, dtype, shape, order) instead.
from numpy._core.multiarray import _reconstruct
from numpy._core.numeric import _frombuffer

# The names numpy 1.x and 2.x pickles use to rebuild arrays, and nothing else.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(text, "latin1"): re-saved copies
    ("_codecs", "encode"): codecs.encode,
}


class UnsafePickle(pickle.UnpicklingError):
    """The file asks for something a dataset pickle has no business with."""


class _DatasetUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str) -> None:
        super().__init__(file, encoding="bytes")  # Python 2 pickles: keys stay bytes, as the format says
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return _ALLOWED[module, name]
        raise UnsafePickle(
            f"{self.source}: refused to load {module}.{name}: a dataset pickle holds only dicts, lists, numbers, "
            "strings and numpy arrays; this file asks for more, which could run code (is it a tampered copy?)"
        )


def _check_no_objects(value: Any, source: str) -> None:
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        raise UnsafePickle(f"{source}: holds an array of Python objects; expected numbers")
    if isinstance(value, dict):
        for item in value.values():
            _check_no_objects(item, source)


def load_dataset_pickle(path: str | Path) -> Any:
    """The object in a dataset pickle, loaded with only the numpy array constructors (and bytes' encoder) allowed."""
    path = Path(path)
    try:
        value = _DatasetUnpickler(io.BytesIO(path.read_bytes()), str(path)).load()
    except UnsafePickle:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as err:
        raise ValueError(f"{path}: not a readable pickle (truncated or corrupt?): {err}") from err
    _check_no_objects(value, str(path))
    return value
