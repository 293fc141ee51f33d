"""Which produced values make it into a reading."""

import enum

from collectors.host import HostSampler


class Gives:
    fields = ()

    def __init__(self, **metrics) -> None:
        self.metrics = metrics

    def sample(self, now: float) -> dict[str, float]:
        return self.metrics


class Level(enum.IntEnum):
    HIGH = 3


class Celsius(float):
    pass


def test_booleans_are_left_out_but_int_and_float_subclasses_are_kept():
    host = HostSampler([Gives(flag=True, level=Level.HIGH, temp=Celsius(40.5), bad=Celsius("nan"))])

    assert host.sample().metrics == {"level": 3, "temp": 40.5}


def test_a_later_samplers_unusable_value_does_not_erase_an_earlier_good_one():
    host = HostSampler([Gives(a=1.0, b=2), Gives(a=float("inf"), b=None, c=-0.0)])

    assert host.sample().metrics == {"a": 1.0, "b": 2, "c": -0.0}
