"""Alerts: rules over the latest samples, their states, and who has seen them (issue 10).

The rule language (rules.py) and the state machine (states.py) are pure; the evaluator's tick
(evaluator.py) applies them to Redis's latest samples and writes the models; mirror.py pushes
changes to screens; responses.py takes people's acks and silences. docs/alerts.md is the guide.
"""
