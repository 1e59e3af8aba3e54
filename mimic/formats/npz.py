"""Memory-mapping an array stored inside an ``.npz`` file, so that a 3 GB member is never read whole.

``np.savez`` writes each array as an uncompressed (stored) zip member holding a plain ``.npy`` file, so
its data sits at a fixed offset in the ``.npz`` and can be mapped like a ``.npy``. ``np.load`` cannot do
this (it reads the member into memory); compressed members (``np.savez_compressed``) cannot be mapped.
"""

import struct
import zipfile
from pathlib import Path

import numpy as np

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # the zip local file header, 30 bytes
_LOCAL_MAGIC = b"PK\x03\x04"


def open_npy_member(path: Path, key: str, allow_compressed: bool = False) -> np.ndarray:
    """The array ``key`` of the ``.npz`` at ``path``: memory-mapped when stored, else read if allowed."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise ValueError(f"{path}: not an .npz (zip) file ({err})") from err
    with archive:
        names = [n.removesuffix(".npy") for n in archive.namelist()]
        if key not in names:
            raise KeyError(f"{path}: no array {key!r} in this .npz; it holds {names}")
        info = archive.getinfo(f"{key}.npy")
        if info.compress_type != zipfile.ZIP_STORED:
            if not allow_compressed:
                raise ValueError(
                    f"{path}: array {key!r} is compressed, so it cannot be memory-mapped and would be inflated "
                    f"into memory ({info.file_size / 2**30:.1f} GiB); set allow_compressed: true to accept that, "
                    "or re-save it with np.save / np.savez"
                )
            with archive.open(info) as member:
                return np.lib.format.read_array(member, allow_pickle=False)
    with open(path, "rb") as file:
        file.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(file.read(_LOCAL_HEADER.size))
        if fields[0] != _LOCAL_MAGIC:
            raise ValueError(f"{path}: broken zip entry for {key!r}")
        name_length, extra_length = fields[-2], fields[-1]
        file.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        version = np.lib.format.read_magic(file)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(file)
        if dtype.hasobject:
            raise ValueError(f"{path}: array {key!r} holds Python objects; expected numbers")
        offset = file.tell()
    order = "F" if fortran_order else "C"
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order=order)
