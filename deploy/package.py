"""Fill a directory with the monitor function's code: mcclink and what it needs at run time.

Steps: build mcclink's wheel; install it with its dependencies as Linux x86_64 wheels for
CPython 3.11 (whatever machine builds), without extras: the function runs the library alone
plus the ``aws`` extra's boto3, which every Lambda Python runtime provides (no CLI, web server
or emulator dependencies); leave out the Google Ads API versions mcclink does not speak (each
is ~43 MB); compile the bytecode once (cold starts then skip compiling ~1,000 modules); check
that the Google Ads services mcclink uses still load and that the result is under Lambda's
250 MB unzipped limit.

Usage: python3.11 deploy/package.py ARTIFACTS_DIR  (run from the repository root)
"""

from __future__ import annotations

import compileall
import platform
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Lambda's limit for a function's unzipped code (zip package, layers included).
LIMIT_BYTES = 250 * 1024 * 1024
#: google-ads ships its own examples as a top-level package, and scripts.
NOT_NEEDED = ("examples", "bin")
WHEEL_PLATFORM = ["--platform", "manylinux2014_x86_64", "--implementation", "cp"]
WHEEL_PLATFORM += ["--python-version", "3.11", "--only-binary=:all:"]
SERVICES = ("GoogleAdsService", "CustomerClientLinkService", "CustomerManagerLinkService")


def main(target: Path) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit("deploy/package.py needs Python 3.11, the function's runtime (PYTHON=...)")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as wheels:
        pip("wheel", "--no-deps", "--wheel-dir", wheels, str(ROOT))
        wheel = next(Path(wheels).glob("mcclink-*.whl"))
        pip("install", "--no-compile", "--target", str(target), *WHEEL_PLATFORM, str(wheel))
    prune(target)
    compileall.compile_dir(
        target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if sys.platform == "linux" and platform.machine() == "x86_64":
        smoke_test(target)
    else:  # the package's native modules (grpcio, ...) are Linux x86_64's: they cannot load here
        print("smoke test skipped: it imports the Linux x86_64 package, so it runs only there")
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"monitor function: {size / 2**20:.0f} MiB unzipped (limit {LIMIT_BYTES // 2**20} MiB)")
    if size > LIMIT_BYTES:
        sys.exit("too big for a zip package: see deploy/package.py")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True)


def prune(target: Path) -> None:
    for name in NOT_NEEDED:
        for path in [target / name, *target.glob(f"{name}-*")]:
            shutil.rmtree(path, ignore_errors=True)
    spoken = api_version()
    for version in (target / "google" / "ads" / "googleads").glob("v[0-9]*"):
        if version.name != spoken:
            shutil.rmtree(version)


def api_version() -> str:
    text = (ROOT / "src" / "mcclink" / "ads" / "version.py").read_text(encoding="utf-8")
    match = re.search(r'^API_VERSION = "(v\d+)"', text, re.MULTILINE)
    if match is None:
        sys.exit("API_VERSION not found in src/mcclink/ads/version.py")
    return match.group(1)


def smoke_test(target: Path) -> None:
    """Load the adapter and each Google Ads service mcclink uses, from ``target`` first."""
    code = f"""
import sys
sys.path.insert(0, {str(target)!r})
import mcclink.ads.client, mcclink.bootstrap
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials
from mcclink.ads.version import API_VERSION
credentials = Credentials(None, refresh_token="-", client_id="-", client_secret="-")
client = GoogleAdsClient(credentials=credentials, developer_token="", use_proto_plus=True,
                         version=API_VERSION)
for name in {SERVICES!r}:
    client.get_service(name)
"""
    subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
