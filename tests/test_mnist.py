"""quiz.mnist: finding, checking and reading the four MNIST files, and the one-line errors a
person sees when they cannot be used. Real files: the subset in tests/data/mnist-subset, and
copies of it damaged on purpose."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import struct
import subprocess
import sys

import pytest

from quiz import mnist
from quiz.errors import QuizError
from quiz.grader.display import MISSING_DATA, plain_reason
from quiz.grader.encoding import type_name

from .conftest import DATA

SUBSET = DATA / "mnist-subset"


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message, message
    return message


def with_files(folder, files: dict[str, bytes]):
    """`folder` holding `files` and a subset manifest that vouches for exactly these bytes, so
    that the MD5 check passes and what is read next is what a test is about."""
    folder.mkdir()
    entries = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        entries[name] = {"md5": hashlib.md5(data).hexdigest(), "cut_from_md5": mnist.MD5[name]}
    (folder / mnist.SUBSET_MANIFEST).write_text(json.dumps({"files": entries}))
    return folder


def idx(magic: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    return gzip.compress(struct.pack(f">I{len(shape)}I", magic, *shape) + payload)


def subset_files() -> dict[str, bytes]:
    return {name: (SUBSET / name).read_bytes() for name in mnist.MD5}


def test_a_missing_folder_is_named_with_what_to_put_there(tmp_path):
    absent = tmp_path / "no-such-folder"
    with pytest.raises(mnist.MnistMissing) as raised:
        mnist.load_split(absent, "train")
    assert one_line(raised) == (
        f"{absent} does not exist; put the MNIST files there or download them"
    )


def test_a_missing_file_is_named_with_its_folder(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    (folder / "t10k-images-idx3-ubyte.gz").unlink()

    mnist.load_split(folder, "train")  # the other split is whole
    with pytest.raises(mnist.MnistMissing) as raised:
        mnist.load_split(folder, "test")
    assert one_line(raised) == (
        f"{folder}/t10k-images-idx3-ubyte.gz is missing; "
        f"put the MNIST files in {folder} or download them"
    )


def test_without_downloading_every_missing_file_is_listed(tmp_path):
    with pytest.raises(mnist.MnistMissing) as raised:
        mnist.ensure(tmp_path, download=False)
    message = one_line(raised)
    assert message.startswith("MNIST files missing: put ") and str(tmp_path) in message
    assert all(name in message for name in mnist.MD5)
    assert mnist.MIRRORS[0] in message  # where to get them


def test_a_subset_is_never_completed_from_the_full_files(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(mnist.MnistMissing, match="MNIST files missing: put train-labels"):
        mnist.ensure(folder)  # download=True: still nothing is fetched into a subset
    assert not (folder / "train-labels-idx1-ubyte.gz").exists()


def test_a_file_with_the_wrong_md5_is_called_corrupt(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in mnist.MD5:  # the subset's files without its manifest: not the canonical ones
        shutil.copy(SUBSET / name, folder / name)
    with pytest.raises(mnist.MnistCorrupt) as raised:
        mnist.load_split(folder, "train")
    path = folder / "train-images-idx3-ubyte.gz"
    expected = mnist.MD5["train-images-idx3-ubyte.gz"]
    assert one_line(raised) == (
        f"{path} is corrupt (MD5 {mnist.md5_of(path)}, expected {expected}); "
        "delete it to download it again, or replace it"
    )


def test_a_manifest_that_is_not_json_is_refused(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(SUBSET, folder)
    (folder / mnist.SUBSET_MANIFEST).write_text("{not json")
    with pytest.raises(mnist.MnistCorrupt) as raised:
        mnist.load_split(folder, "test")
    assert one_line(raised) == (
        f"{folder / mnist.SUBSET_MANIFEST} is not a subset manifest (JSONDecodeError)"
    )


def test_a_file_with_a_bad_magic_number_is_not_idx(tmp_path):
    files = subset_files()
    files["train-labels-idx1-ubyte.gz"] = idx(0x803, (3,), bytes(3))  # an images header
    folder = with_files(tmp_path / "mnist", files)
    with pytest.raises(mnist.MnistMalformed) as raised:
        mnist.load_split(folder, "train")
    assert one_line(raised) == (
        f"{folder}/train-labels-idx1-ubyte.gz is not an MNIST IDX file (bad header)"
    )


def test_a_file_shorter_than_its_header_promises_is_truncated(tmp_path):
    files = subset_files()
    files["t10k-images-idx3-ubyte.gz"] = idx(0x803, (2, 28, 28), bytes(28 * 28))  # one image
    folder = with_files(tmp_path / "mnist", files)
    with pytest.raises(mnist.MnistMalformed) as raised:
        mnist.load_split(folder, "test")
    assert one_line(raised) == (
        f"{folder}/t10k-images-idx3-ubyte.gz is truncated: its header promises (2, 28, 28)"
    )


def test_a_file_that_is_not_gzip_is_refused(tmp_path):
    files = subset_files()
    files["t10k-labels-idx1-ubyte.gz"] = b"plain bytes, never compressed"
    folder = with_files(tmp_path / "mnist", files)
    with pytest.raises(mnist.MnistMalformed, match="t10k-labels-idx1-ubyte.gz is not a readable"):
        mnist.load_split(folder, "test")


def test_labels_that_do_not_match_the_images_in_number_are_refused(tmp_path):
    files = subset_files()
    files["t10k-labels-idx1-ubyte.gz"] = idx(0x801, (5,), bytes(5))
    folder = with_files(tmp_path / "mnist", files)
    with pytest.raises(mnist.MnistMalformed) as raised:
        mnist.load_split(folder, "test")
    assert one_line(raised) == f"{folder}/t10k-labels-idx1-ubyte.gz holds 5 labels for 1000 images"


def test_the_subset_reads_as_images_and_labels():
    images, labels = mnist.load_split(SUBSET, "test")
    assert images.shape == (1000, 28, 28) and str(images.dtype) == "torch.uint8"
    assert labels.shape == (1000,) and str(labels.dtype) == "torch.int64"
    assert mnist.ensure(SUBSET, download=False) == SUBSET


@pytest.mark.parametrize(
    "error",
    [
        mnist.MnistMissing("/m/a.gz is missing; put the MNIST files in /m or download them"),
        mnist.MnistCorrupt("/m/a.gz is corrupt (MD5 1, expected 2); delete it"),
        mnist.MnistMalformed("/m/a.gz is not an MNIST IDX file (bad header)"),
    ],
    ids=["missing", "corrupt", "malformed"],
)
def test_every_error_is_a_quiz_error_the_grader_reports_as_missing_data(error):
    """A probe's MnistError reaches the verdict as "<its type name>: <message>"; quiz check and
    the TUI say "cannot check here" with the message and how to get the files."""
    assert isinstance(error, mnist.MnistError) and isinstance(error, QuizError)
    in_verdict = f"checking your code failed: {type_name(error)}: {error}"
    assert MISSING_DATA in in_verdict
    assert plain_reason(in_verdict) == (
        f"{error} (set QUIZ_MNIST_DIR to the folder that holds them, or `quiz train` downloads them)"
    )


def test_importing_it_loads_no_torch():
    code = "import sys, quiz.mnist; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
