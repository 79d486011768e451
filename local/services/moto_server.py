"""moto's server, with DynamoDB writes serialised and its per-request backend lookup cached.

moto serves requests on threads and evaluates a write's condition and applies it without a lock (and a
failed TransactWriteItems restores a deep copy of the whole table). Two concurrent conditional writes can
then both pass, or one can erase the other, which real DynamoDB never allows. One lock around the
write paths restores the per-item serialisability that the registry's conditional writes rely on.

moto also works out which service a request is for from scratch on every request: it lists and stats
its own package directory (~200 entries) and tries ~190 URL patterns against the host, under a global
lock. Both answers depend only on the installed package and the host, so they are computed once; that
halved moto's CPU per S3 PUT in the ingest benchmark (about 5 ms to 2.5 ms).
"""
import functools
import sys
import threading

import moto.backends as backends
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
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

_modules = frozenset(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _modules

_backend_for_host = DomainDispatcherApplication.get_backend_for_host
_backend_by_host: dict = {}
_backend_lock = threading.Lock()


@functools.wraps(_backend_for_host)
def _cached_backend_for_host(self, host):
    try:
        return _backend_by_host[host]
    except KeyError:
        backend = _backend_for_host(self, host)
        with _backend_lock:
            _backend_by_host[host] = backend
        return backend


DomainDispatcherApplication.get_backend_for_host = _cached_backend_for_host

if __name__ == "__main__":
    sys.exit(main())
