"""mcclink on AWS: the scheduled monitor Lambda (``monitor_handler``) and its helpers.

The SAM template in ``deploy/template.yaml`` points the function at
``mcclink.aws.monitor_handler``. This package imports boto3 (Lambda provides it); the
Google Ads library is imported only when a run first talks to Google.
"""

from mcclink.extras import require

require("aws")  # Lambda's runtime has boto3; elsewhere: pip install 'mcclink[aws]'

from mcclink.aws.handler import MonitorRuntime, monitor_handler  # noqa: E402

__all__ = ["MonitorRuntime", "monitor_handler"]
