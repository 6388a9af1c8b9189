"""Where things are: the project root, and the saved real pages (../shared/fixtures, or DROPWATCH_FIXTURES)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED_FIXTURES = Path(os.environ.get("DROPWATCH_FIXTURES", ROOT.parent / "shared" / "fixtures"))
REQUIRE_FIXTURES = os.environ.get("REQUIRE_FIXTURES", "") not in ("", "0")
