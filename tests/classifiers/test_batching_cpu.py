"""CPU detection and the throughput settings the local tier is built with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from orchestrator.classifiers import cpu
from orchestrator.classifiers.embedder import Embedder
from orchestrator.classifiers.local import LocalClassifier, resolve_precision
from orchestrator.config import Settings

CPUINFO_X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni
"""
CPUINFO_ARM = """processor\t: 0
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CPUINFO_X86, {"fpu", "sse2", "avx2", "avx512f", "avx512_bf16", "avx512_vnni"}),
        (CPUINFO_ARM, {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32"}),
        ("processor\t: 0\n", set()),
    ],
)
def test_when_cpuinfo_read_then_flags_come_from_its_flags_line(
    tmp_path: Path, text: str, expected: set[str]
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    assert cpu.cpu_flags(cpuinfo) == expected


def test_when_no_cpuinfo_then_no_flags(tmp_path: Path) -> None:
    assert cpu.cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
            "model name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni sse2\n\n"
            "processor\t: 1\nmodel name\t: something else\n",
            "AMD EPYC (family 25, model 17: avx2 avx512f avx512_vnni avx512_bf16)",
        ),
        (
            "processor\t: 0\nHardware\t: BCM2835\n" + CPUINFO_ARM,
            "BCM2835 (none of avx2/avx512f/avx512_vnni)",
        ),
    ],
)
def test_when_cpu_described_then_name_family_model_and_kernel_flags_are_named(
    tmp_path: Path, text: str, expected: str
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    assert cpu.describe(cpuinfo) == expected


def test_when_no_cpuinfo_then_the_cpu_is_unknown(tmp_path: Path) -> None:
    assert cpu.describe(tmp_path / "missing") == "unknown CPU"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512f", "avx512_bf16"}, True),
        ({"avx2", "amx_tile", "amx_bf16"}, True),
        ({"avx2", "avx512f"}, False),  # bf16 would be emulated: slower than fp32
        (set(), False),
    ],
)
def test_when_flags_given_then_bf16_is_fast_only_with_native_instructions(
    flags: set[str], expected: bool
) -> None:
    assert cpu.fast_bf16(frozenset(flags)) is (expected and torch.backends.mkldnn.is_available())


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, True),
        ({"avx2", "avx_vnni"}, True),
        ({"avx2", "amx_tile", "amx_int8"}, True),
        ({"avx2", "avx512f", "avx512_bf16"}, False),  # int8 products without VNNI: no gain
        (set(), False),
    ],
)
def test_when_flags_given_then_int8_is_fast_only_with_dot_product_instructions(
    flags: set[str], expected: bool
) -> None:
    assert cpu.fast_int8(frozenset(flags)) is (expected and torch.backends.mkldnn.is_available())


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"sse2", "avx", "avx2", "fma"}, True),  # fbgemm's int8 kernels: AVX2 is enough
        ({"avx2", "avx512f", "avx512_vnni"}, True),
        ({"sse2", "avx"}, False),
        ({"fp", "asimd"}, False),
    ],
)
def test_when_flags_given_then_fbgemm_int8_runs_with_avx2(flags: set[str], expected: bool) -> None:
    fbgemm = "fbgemm" in torch.backends.quantized.supported_engines
    assert cpu.avx2_int8(frozenset(flags)) is (expected and fbgemm)


def test_when_asked_then_usable_cores_is_at_least_one() -> None:
    assert 1 <= cpu.usable_cores() <= (torch.get_num_threads() + 1024)


@pytest.mark.parametrize(
    ("setting", "int8", "bf16", "avx2", "expected"),
    [
        ("fp32", True, True, True, "fp32"),
        ("bf16", True, False, True, "bf16"),
        ("int8", False, True, False, "int8"),
        ("auto", True, True, True, "int8"),  # measured faster than bf16 where a CPU has both
        ("auto", True, False, True, "int8"),
        ("auto", False, True, True, "bf16"),
        ("auto", False, False, True, "int8"),  # fbgemm's kernels: faster than fp32 on AVX2
        ("auto", False, False, False, "fp32"),
    ],
)
def test_when_precision_resolved_then_auto_prefers_int8_then_bf16_then_int8_on_avx2_then_fp32(
    setting: str, int8: bool, bf16: bool, avx2: bool, expected: str
) -> None:
    assert resolve_precision(setting, int8=int8, bf16=bf16, avx2_int8=avx2) == expected


def test_when_precision_resolved_without_flags_then_this_cpus_flags_decide() -> None:
    expected = resolve_precision(
        "auto", int8=cpu.fast_int8(), bf16=cpu.fast_bf16(), avx2_int8=cpu.avx2_int8()
    )
    assert resolve_precision("auto") == expected


def test_when_built_from_settings_then_the_throughput_settings_apply() -> None:
    threads = torch.get_num_threads()  # process-wide: keep what the suite runs with
    settings = Settings(
        batch_max_size=5, batch_window_ms=7.5, torch_threads=threads, embedding_precision="fp32"
    )
    classifier = LocalClassifier.from_settings(settings)
    assert classifier.batcher.max_size == 5
    assert classifier.batcher.window_s == pytest.approx(0.0075)
    assert classifier.embedder.precision == "fp32"
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("int_mm", "int_mm"),
        ("auto", None),  # this CPU's: packed.int8_kernel()
        pytest.param(
            "onnxruntime",
            "onnxruntime",
            marks=pytest.mark.skipif(not cpu.fast_int8(), reason="needs VNNI or AMX"),
        ),
    ],
)
def test_when_int8_kernel_set_then_the_embedder_takes_it(
    setting: str, expected: str | None
) -> None:
    from orchestrator.classifiers.packed import int8_kernel

    threads = torch.get_num_threads()
    settings = Settings(torch_threads=threads, embedding_precision="int8", int8_kernel=setting)
    classifier = LocalClassifier.from_settings(settings)
    assert classifier.embedder.int8_kernel == (expected or int8_kernel())


def test_when_embedded_in_bf16_then_vectors_stay_close_to_fp32(
    local_classifier: LocalClassifier,
) -> None:
    texts = ["where is my order 77812", "my lips are swelling after the new antibiotic"]
    bf16 = Embedder(precision="bf16")
    assert bf16.precision == "bf16"
    fast, exact = bf16.encode(texts), local_classifier.embedder.encode(texts)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-2)  # bf16: 8-bit mantissa
    assert (fast * exact).sum(axis=1).min() > 0.99  # cosine to the fp32 embedding


@pytest.mark.parametrize(
    ("workers", "cores", "expected"),
    [(1, 1, 1), (1, 2, 1), (2, 2, 1), (3, 2, 1), (1, 16, 15), (4, 16, 3), (2, 8, 3)],
)
def test_when_threads_chosen_then_each_worker_leaves_a_core_to_its_event_loop(
    workers: int, cores: int, expected: int
) -> None:
    assert cpu.model_threads(workers, cores) == expected
