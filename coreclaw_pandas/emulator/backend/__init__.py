"""The emulated platform's state and behaviour: no HTTP and no wire names.

``state`` holds Workers, runs, tasks, exports and the account; ``engine`` runs
Workers and creates every run (both API versions call ``Engine.create_run``);
``validation`` checks run input, ``exports`` renders downloads and ``regions``
lists proxy regions. The ``v1`` and ``v2`` packages turn these objects into their
own wire formats.
"""
