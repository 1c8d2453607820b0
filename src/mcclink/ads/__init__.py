"""The Google Ads adapter: ``GoogleAdsClientService`` on the official ``google-ads`` library.

Importing this package does not import ``google.ads`` (nor gRPC): the library is loaded on
first use, so commands that only read the store never pay for it.
"""

from mcclink.ads.client import GoogleAdsClientService, configure_library_logging
from mcclink.ads.retry import AdsStats, RetryPolicy
from mcclink.ads.version import API_VERSION

__all__ = [
    "API_VERSION",
    "AdsStats",
    "GoogleAdsClientService",
    "RetryPolicy",
    "configure_library_logging",
]
