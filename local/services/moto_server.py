"""moto's server, with DynamoDB writes serialised.

moto serves requests on threads and evaluates a write's condition and applies it without a lock (and a
failed TransactWriteItems restores a deep copy of the whole table). Two concurrent conditional writes can
then both pass, or one can erase the other, which real DynamoDB never allows. One lock around the
write paths restores the per-item serialisability that the registry's conditional writes rely on.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_write_lock = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _write_lock:
            return method(*args, **kwargs)

    return wrapper


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    if hasattr(DynamoDBBackend, _name):
        setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
