"""Names shared by beat, the notifier and the senders of tasks, with nothing heavy to import:
beat reads them without loading the notify app's models."""

NOTIFY_QUEUE = "notify"  # consumed by the notifier process only (runner/processes.py)
DISPATCH_TASK = "notify.dispatch"  # on the evaluator's central queue, not this one
DELIVER_TASK = "notify.deliver"
