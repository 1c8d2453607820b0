"""mcclink: link Google Ads client accounts to a manager account (MCC), keep each link true."""

__version__ = "0.1.0"
