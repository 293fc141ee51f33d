"""The fleet: hosts, their registration by agents, their up/late/down status and its history,
which hosts are sent collects, and the overview and host pages."""
