"""view: `flatten_images(x)` turns (N, 28, 28) into (N, 784) sharing x's storage."""

from __future__ import annotations

from quiz.checks import Array, CheckResult, same_as_reference

SIZES = (2, 5)  # 5 is hidden: it catches a batch size written into the code


def probe(p) -> None:
    import torch

    from quiz.checks import CallFailed, as_tensor

    flatten_images = p.function("flatten_images")
    generator = torch.Generator().manual_seed(4)
    for n in SIZES:
        x = torch.rand(n, 28, 28, generator=generator)
        label = f"flatten_images(tensor of shape ({n}, 28, 28))"
        try:
            result = p.call(label, flatten_images, x)
        except CallFailed:
            continue
        flat = as_tensor(result)
        shares = flat is not None and flat.data_ptr() == x.data_ptr() and flat.numel() == x.numel()
        p.record(f"{label} shares storage", shares, label=f"{label} shares x's storage")


def judge(run, reference) -> list[CheckResult]:
    results = same_as_reference(run, reference, hint=_hint, error_hint=_error_hint)
    for check in results:
        if check.name.endswith("storage") and not check.passed and "False" in (check.got or ""):
            check.message = (
                "the result is a copy: view gives a new shape over the same memory; "
                ".clone(), .contiguous() or torch.tensor(...) copy it."
            )
        elif check.name.endswith("storage") and check.passed:
            check.message = "shares the input's storage: no copy"
    return results


def _hint(expected, got) -> str | None:
    if isinstance(got.value, Array) and len(got.value.shape) == 1:
        return "view(-1) flattens everything; keep one row per image: view(-1, 28 * 28)."
    return None


def _error_hint(error) -> str | None:
    if "is invalid for input of size" in error.message:
        return "Don't write the batch size into the code; -1 lets view work it out: view(-1, 784)."
    if "view size is not compatible" in error.message:
        return "view needs a tensor whose memory is laid out in order; x here is, so view x itself."
    return None
