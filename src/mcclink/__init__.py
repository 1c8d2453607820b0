"""mcclink: link Google Ads client accounts to a manager account (MCC) and keep the link's state true."""

__version__ = "0.1.0"
