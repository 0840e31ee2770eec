"Puts tests/ on sys.path: test files import the stand-in models (`from fixtures import FakeVAE`)."
import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path: sys.path.insert(0, _TESTS)
