"""The ground every room stands on: typed settings readers, host names, Redis keys and clients,
channel-layer groups and messages. Imports nothing of the project and nothing of Django."""
