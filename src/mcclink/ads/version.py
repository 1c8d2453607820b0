"""The Google Ads API version mcclink speaks: the one place it is written.

The adapter passes it to ``GoogleAdsClient`` and the emulator serves the same version's
method paths and error metadata key.
"""

from __future__ import annotations

API_VERSION = "v26"

#: The trailing-metadata key under which Google Ads puts a serialized ``GoogleAdsFailure``.
FAILURE_METADATA_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
