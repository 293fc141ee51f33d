import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agent.sample_writer import samples_to_keep
from agent.simulator import run_simulation, simulated_names
from core.env import SettingError
from core.hosts import parse_labels
from core.redis_clients import redis_client
from core.redis_keys import redis_keys


class Command(BaseCommand):
    help = "Publish realistic samples for N synthetic hosts through the real publish path."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many hosts (1-5000)")
        parser.add_argument("--prefix", default="sim", help="host names are <prefix>-001, …")
        parser.add_argument("--labels", default="env=sim", help="labels, e.g. env=prod,role=db")
        parser.add_argument("--interval", type=float, default=None, help="seconds between samples")
        parser.add_argument(
            "--duration", type=float, default=0, help="stop after this many seconds"
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: object, **options: object) -> None:
        count = options["count"]
        if not 1 <= count <= 5000:
            raise CommandError("count must be between 1 and 5000")
        try:
            labels = parse_labels(options["labels"], "--labels")
        except SettingError as exc:
            raise CommandError(str(exc)) from None
        interval = options["interval"] or settings.MONITOR_INTERVAL
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if options["duration"]:
            threading.Timer(options["duration"], stop.set).start()
        names = simulated_names(count, options["prefix"])
        self.stdout.write(
            f"simulating {count} hosts ({names[0]} … {names[-1]}) every {interval:g} s"
        )
        ticks = run_simulation(
            names,
            redis_client(settings.REDIS_URL),
            redis_keys(settings.MONITOR_REDIS_PREFIX),
            interval,
            samples_to_keep(interval, settings.MONITOR_RECENT_SECONDS),
            labels,
            stop,
            seed=options["seed"],
        )
        self.stdout.write(f"stopped after {ticks} ticks")
