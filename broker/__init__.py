"""The shared core of MASH Exchange: settings, topic catalogue and admin, brokers.

Nothing here imports the agents or the connectors: they meet only on topics.
"""
