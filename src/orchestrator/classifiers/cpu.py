"""What this CPU offers the model, detected rather than assumed: usable cores, int8 and bf16."""

from __future__ import annotations

import math
import os
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
# Instructions that make bf16 matrix products faster than fp32 (not merely emulated).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# Instructions for int8 dot products (VNNI, or AMX's int8 tiles): int8 matmuls at 3-5x fp32.
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def usable_cores() -> int:
    """Cores this process may run on: its affinity mask, capped by a cgroup CPU quota."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
    except (OSError, ValueError):
        return cores
    if quota == "max":
        return cores
    return max(1, min(cores, math.ceil(int(quota) / int(period))))


def model_threads(workers: int = 1, cores: int | None = None) -> int:
    """Torch threads per worker: its share of the cores, less one for its event loop.

    An OpenMP thread that shares its core with the event loop (or another worker) stalls every
    parallel region at the barrier, which costs more than the thread brings: on 2 cores one
    thread per worker is measurably faster than two.
    """
    share = (cores or usable_cores()) // max(1, workers)
    return max(1, share - 1)


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The instruction-set flags the kernel reports (empty where there is no /proc/cpuinfo)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


# What decides the model's speed on a CPU, named where a figure is reported (`describe`).
NOTABLE_FLAGS = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_int8",
    "amx_bf16",
)


def describe(cpuinfo: Path = CPUINFO) -> str:
    """The CPU as a figure should name it: model name, x86 family and model, and the flags that
    decide the model's kernels, e.g. "AMD EPYC (family 25, model 17: avx2 avx512f avx512_vnni
    avx512_bf16)". Throughput figures mean little without it: machines of one name differ."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return "unknown CPU"
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor is enough: they are all alike
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name") or fields.get("Hardware") or "unknown CPU"
    present = cpu_flags(cpuinfo)
    notable = " ".join(f for f in NOTABLE_FLAGS if f in present) or "none of " + "/".join(
        NOTABLE_FLAGS[:3]
    )
    if "cpu family" in fields and "model" in fields:
        return f"{name} (family {fields['cpu family']}, model {fields['model']}: {notable})"
    return f"{name} ({notable})"


def _native(wanted: frozenset[str], flags: frozenset[str] | None) -> bool:
    """One of `wanted` is among the CPU's flags (read when not given), and torch has oneDNN."""
    import torch

    present = cpu_flags() if flags is None else flags
    mkldnn: bool = torch.backends.mkldnn.is_available()  # type: ignore[no-untyped-call]
    return bool(wanted & present) and mkldnn


def int8_dot_products(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU has int8 dot-product instructions (VNNI or AMX), whatever torch has."""
    return bool(INT8_FLAGS & (cpu_flags() if flags is None else flags))


def fast_int8(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU has int8 dot-product instructions (VNNI or AMX) and torch has oneDNN."""
    return _native(INT8_FLAGS, flags)


def avx2_int8(flags: frozenset[str] | None = None) -> bool:
    """True when fbgemm's int8 kernels run here: AVX2 (products of u8 and s8 pairs) and a torch
    built with fbgemm. Where VNNI is missing, these beat fp32 (classifiers/packed.py)."""
    import torch

    present = cpu_flags() if flags is None else flags
    return "avx2" in present and "fbgemm" in torch.backends.quantized.supported_engines


def fast_bf16(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX) and torch can use it."""
    return _native(BF16_FLAGS, flags)
