"""Alerts: rules over the latest samples, their states, and who has seen them (issue 10).

Built so far: the rule language (rules.py) and the state machine (states.py), both pure. The
models, the evaluator's tick, the push to screens, pop-ups and acknowledgements come next.
"""
