"""The live stream: the /ws/live/ consumer and everything between the channel layer and a
screen's socket (subscriptions, rounds, the overview merger, frames, the Daphne it runs in)."""
