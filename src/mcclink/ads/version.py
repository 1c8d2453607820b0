"""The Google Ads API version mcclink speaks: the one place it is written.

The adapter passes it to ``GoogleAdsClient``; the emulator serves this version and every other
one the installed library ships, each under its own method paths and error metadata key.
"""

from __future__ import annotations

API_VERSION = "v26"


def failure_metadata_key(version: str) -> str:
    """The trailing-metadata key under which Google Ads puts a serialized ``GoogleAdsFailure``
    of API ``version``."""
    return f"google.ads.googleads.{version}.errors.googleadsfailure-bin"


#: The key of mcclink's own version.
FAILURE_METADATA_KEY = failure_metadata_key(API_VERSION)
