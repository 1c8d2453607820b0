"""mcclink: link Google Ads client accounts to a manager account (MCC), keep each link true."""

import os

__version__ = "0.1.0"

# gRPC's C core logs every channel shutdown at INFO ("Got goaway"); it reads this once, when
# grpc is first imported, which in any mcclink process happens after this package's import.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
