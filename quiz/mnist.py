"""MNIST's four IDX files: where they live, checking them against their MD5s, reading them into
tensors, and downloading them. The trainer and the grader's probes both read them through here.

Importing this module loads no torch; reading a split does. Every problem a person can fix ends
in an MnistError whose message is one line naming the file or folder and what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import struct
from pathlib import Path

from quiz.errors import QuizError

MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
"""The four files by name, with the MD5 of the canonical copies."""
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
DOWNLOAD_TIMEOUT_S = 10
SUBSET_MANIFEST = "subset.json"
IMAGES_MAGIC, LABELS_MAGIC = 0x803, 0x801  # IDX headers: unsigned bytes in 3 or 1 dimensions


class MnistError(QuizError):
    """The MNIST files cannot be used as they are; the message is one line."""


class MnistMissing(MnistError):
    """The folder or one of the four files is not there (and, when asked, could not be fetched)."""


class MnistCorrupt(MnistError):
    """A file's MD5 is not the one expected, or a subset's manifest does not hold together."""


class MnistMalformed(MnistError):
    """A file has the right name but is not a gzipped IDX file of the promised size."""


def default_folder() -> Path:
    """The folder quiz reads MNIST from: `QUIZ_MNIST_DIR`, else the user cache dir."""
    from quiz.paths import mnist_dir

    return mnist_dir()


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_md5s(folder: Path) -> dict[str, str]:
    """The MD5 each file in `folder` must have: the canonical ones, or for a folder that says it
    holds a cut of MNIST (a subset.json such as tests/data/mnist-subset has), the manifest's own.

    A manifest counts only if it names every file and says each was cut from the canonical one,
    so a subset can never pass for the full files, nor a manifest for a different dataset.
    """
    manifest = folder / SUBSET_MANIFEST
    if not manifest.is_file():
        return MD5
    try:
        files = json.loads(manifest.read_text())["files"]
        expected = {name: files[name]["md5"] for name in MD5}
        sources = {name: files[name]["cut_from_md5"] for name in MD5}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MnistCorrupt(
            f"{manifest} is not a subset manifest ({type(error).__name__})"
        ) from None
    if sources != MD5:
        raise MnistCorrupt(f"{manifest} does not describe a cut of the canonical MNIST files")
    return expected


def check_file(path: Path, expected: dict[str, str]) -> None:
    """Refuse a file whose MD5 is not the one `expected` (see expected_md5s) names."""
    found = md5_of(path)
    if found != expected[path.name]:
        raise MnistCorrupt(
            f"{path} is corrupt (MD5 {found}, expected {expected[path.name]}); "
            "delete it to download it again, or replace it"
        )


def ensure(folder: str | os.PathLike, download: bool = True) -> Path:
    """Make sure the four files are in `folder` with their expected MD5s; return the folder.

    Missing files are downloaded when `download` is true; a subset is never completed from the
    full files. The MnistMissing raised otherwise says which files belong where.
    """
    folder = Path(folder).expanduser()
    expected = expected_md5s(folder)
    missing = [name for name in MD5 if not (folder / name).is_file()]
    for name in MD5:
        if name not in missing:
            check_file(folder / name, expected)
    if not missing:
        return folder
    where = f"put {', '.join(missing)} in {folder} (from {MIRRORS[0]})"
    if not download or expected is not MD5:
        raise MnistMissing(f"MNIST files missing: {where}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MnistMissing(f"cannot create {folder} ({error.strerror}); {where}") from None
    for name in missing:
        failure = fetch(name, folder)
        if failure is not None:
            raise MnistMissing(f"could not download {name} ({failure}); {where}")
    return folder


def fetch(name: str, folder: Path) -> str | None:
    """Download one file from the first mirror that serves it intact; return why none did, or
    None. The file appears whole or not at all."""
    import http.client
    import urllib.request

    reasons = []
    for mirror in MIRRORS:
        partial = folder / f".{name}.{os.getpid()}.part"
        try:
            digest = hashlib.md5()
            with urllib.request.urlopen(mirror + name, timeout=DOWNLOAD_TIMEOUT_S) as response:
                with partial.open("wb") as out:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        digest.update(block)
                        out.write(block)
            if digest.hexdigest() != MD5[name]:
                reasons.append(f"{mirror}: wrong MD5")
                continue
            os.replace(partial, folder / name)
            return None
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            reasons.append(f"{mirror}: {getattr(error, 'reason', error)}")
        finally:
            partial.unlink(missing_ok=True)
    return "; ".join(reasons)


def read_idx(path: Path, magic: int, dims: int) -> tuple[bytes, tuple[int, ...]]:
    """The payload and shape of a gzipped IDX file, its header checked against `magic`."""
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError) as error:
        raise MnistMalformed(f"{path} is not a readable gzip file ({error})") from None
    header = 4 + 4 * dims
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        raise MnistMalformed(f"{path} is not an MNIST IDX file (bad header)")
    shape = struct.unpack(f">{dims}I", raw[4:header])
    if len(raw) - header != math.prod(shape):
        raise MnistMalformed(f"{path} is truncated: its header promises {shape}")
    return raw[header:], shape


def load_split(folder: str | os.PathLike, split: str):
    """MNIST's "train" or "test" split: uint8 images (N, 28, 28) and int64 labels (N,).

    Both files are checked against their expected MD5s first (see expected_md5s); nothing is
    downloaded (see ensure).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise MnistMissing(f"{folder} does not exist; put the MNIST files there or download them")
    expected = expected_md5s(folder)
    paths = [folder / name for name in SPLITS[split]]
    for path in paths:
        if not path.is_file():
            raise MnistMissing(
                f"{path} is missing; put the MNIST files in {folder} or download them"
            )
        check_file(path, expected)
    pixels, shape = read_idx(paths[0], IMAGES_MAGIC, dims=3)
    targets, (count,) = read_idx(paths[1], LABELS_MAGIC, dims=1)
    if count != shape[0]:
        raise MnistMalformed(f"{paths[1]} holds {count} labels for {shape[0]} images")

    import torch

    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(shape)
    labels = torch.frombuffer(bytearray(targets), dtype=torch.uint8).long()
    return images, labels
