"""The Google Ads adapter: ``GoogleAdsClientService`` on the official ``google-ads`` library.

Importing this package does not import ``google.ads``: the library is loaded on first use,
so commands that only read the store never pay for it.
"""
