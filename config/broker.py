"""The embedded default's broker: kombu's filesystem transport, with every message written whole before a
consumer can see it.

kombu writes a message file in place under its final name; a worker polling the folder can move and read it
between the create and the write: an empty payload, a JSONDecodeError that stops the worker's consumer, and
the message gone (the lease re-dispatches it two ticks later). The faster the polling (settings: 10 ms), the
likelier. Here the message is written under a name no consumer reads, then renamed: one atomic step.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The same name kombu gives it (consumers take the folder in name order); ".part" is never a queue's.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
