from collectors.rates import CounterRates


def test_the_first_sighting_of_a_counter_gives_no_rate():
    assert CounterRates().update({"net.eth0.rx_bytes_per_s": 1000}, now=10.0) == {}


def test_a_growing_counter_gives_its_increase_per_second():
    rates = CounterRates()
    rates.update({"disk.io.read_ops_per_s": 100}, now=10.0)

    assert rates.update({"disk.io.read_ops_per_s": 160}, now=12.0) == {
        "disk.io.read_ops_per_s": 30.0
    }


def test_an_unchanged_counter_gives_a_zero_rate():
    rates = CounterRates()
    rates.update({"a": 5}, now=1.0)

    assert rates.update({"a": 5}, now=2.0) == {"a": 0.0}


def test_a_counter_that_goes_backwards_gives_no_rate_and_the_next_tick_is_normal():
    rates = CounterRates()
    rates.update({"a": 10_000}, now=1.0)

    assert rates.update({"a": 40}, now=2.0) == {}
    assert rates.update({"a": 140}, now=3.0) == {"a": 100.0}


def test_a_counter_missing_for_a_tick_is_forgotten_and_starts_fresh_when_back():
    rates = CounterRates()
    rates.update({"a": 100, "b": 7}, now=1.0)
    rates.update({"b": 8}, now=2.0)

    # Even a larger value must not be turned into a rate against the stale base from t=1.
    assert rates.update({"a": 500, "b": 9}, now=3.0) == {"b": 1.0}
    assert rates.update({"a": 600, "b": 9}, now=4.0) == {"a": 100.0, "b": 0.0}


def test_a_tick_without_elapsed_time_gives_no_rates_and_keeps_the_older_base():
    rates = CounterRates()
    rates.update({"a": 100}, now=5.0)

    assert rates.update({"a": 150}, now=5.0) == {}
    assert rates.update({"a": 200}, now=6.0) == {"a": 100.0}


def test_each_instance_keeps_its_own_history():
    first, second = CounterRates(), CounterRates()
    first.update({"a": 1}, now=1.0)

    assert second.update({"a": 2}, now=2.0) == {}
