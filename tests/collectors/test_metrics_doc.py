from pathlib import Path

from collectors.fields import Field
from collectors.host import HostSampler
from collectors.metrics_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_docs_metrics_md_is_exactly_what_the_generator_writes():
    # Regenerate with: python -m collectors.metrics_doc > docs/metrics.md
    assert DOC.read_text() == render()


def test_every_declared_field_appears_in_the_doc():
    doc = render()

    for field in HostSampler.fields():
        assert f"| `{field.name}` | {field.unit} |" in doc


def test_every_key_a_real_sample_produces_matches_a_declared_field():
    sampler = HostSampler()
    keys = set(sampler.sample().metrics) | set(sampler.sample().metrics)
    fields = HostSampler.fields()

    undeclared = [key for key in keys if not any(field.matches(key) for field in fields)]

    assert keys
    assert undeclared == []


def test_placeholders_match_mount_points_with_slashes_and_dots():
    used = Field("disk.{mount}.used_percent", "percent", "")

    assert used.matches("disk./.used_percent")
    assert used.matches("disk./boot.used_percent")
    assert used.matches("disk./mnt/v1.2.used_percent")
    assert not used.matches("disk./.used_bytes")
    assert not used.matches("disk..used_percent")


def test_core_numbers_only_match_digits():
    core = Field("cpu.core.{n}.percent", "percent", "")

    assert core.matches("cpu.core.12.percent")
    assert not core.matches("cpu.core.x.percent")
    assert not core.matches("cpu.percent")
