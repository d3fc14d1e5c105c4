"""The REST client: one :class:`Client` over API v1 or v2 (no pandas, tqdm or ipywidgets).

``requests`` is imported by :mod:`.transport` alone; everything else here is
pure: the reply envelope, the wire versions, paging and polling.

Example:
    >>> from coreclaw_pandas.client import Client
    >>> client = Client(api_key="...")
    >>> client.worker("coreclaw/catalogue-generator").title
    'Catalogue generator'
"""

from .client import Client
from .polling import PollPolicy
from .replies import SyncReply
from .tally import ReadTally

__all__ = ["Client", "PollPolicy", "ReadTally", "SyncReply"]
