"""The client's defaults, in a module that imports nothing (the CLI reads them to show ``--help``
without loading gRPC, protobuf or pandas)."""

#: The service address when none is given (``--server``, ``$TCO_SERVER``).
DEFAULT_TARGET = "127.0.0.1:50051"
#: Deadline of each call in seconds.
DEFAULT_TIMEOUT = 30.0
