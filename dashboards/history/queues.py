# History's rollups and pruning run in the notifier process (runner/processes.py), beside the
# deliveries, in a thread of their own: never on the evaluator's queue, whose one-second ticks
# would wait up to two seconds behind an hour's rollup.
HISTORY_QUEUE = "history"
