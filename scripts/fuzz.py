#!/usr/bin/env python3
"""Mutation fuzzing of every parser, seeded with the real corpus, for a bounded time.

Each round takes a corpus document, mutates it (bit flips, byte insertions and deletions, splices of
two documents, truncation, repeated chunks) and hands it to ``parse_bytes`` under every format. A parser
may answer with releases or an ``IngestError``; anything else is a crash, saved with its traceback.

    .venv/bin/python scripts/fuzz.py --seconds 60 [--corpus tests/corpus] [--out fuzz-crashes]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

import logging

from feeds.ingest import FORMATS, IngestError, parse_bytes

ROOT = Path(__file__).resolve().parents[1]


def mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1) if buf else 0
        if choice == 0 and buf:
            buf[min(pos, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif choice == 2 and buf:
            del buf[pos:pos + rng.randint(1, 64)]
        elif choice == 3 and other:
            start = rng.randrange(len(other))
            buf[pos:pos] = other[start:start + rng.randint(1, 512)]
        elif choice == 4:
            del buf[pos:]
        elif buf:
            chunk = bytes(buf[pos:pos + rng.randint(1, 32)])
            buf[pos:pos] = chunk * rng.randint(2, 200)
    return bytes(buf)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz-crashes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    seeds = [p.read_bytes() for p in sorted(args.corpus.rglob("*")) if p.is_file() and p.stat().st_size < 200_000]
    rng = random.Random(args.seed)
    formats = [None, *FORMATS]
    runs = crashes = 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(seeds), rng.choice(seeds))
        fmt = rng.choice(formats)
        runs += 1
        try:
            parse_bytes(data, "fuzz.bin", fmt=fmt)
        except IngestError:
            pass
        except Exception:  # the point of fuzzing: every unexpected exception is a finding
            crashes += 1
            args.out.mkdir(exist_ok=True)
            (args.out / f"crash-{runs}.bin").write_bytes(data)
            (args.out / f"crash-{runs}.txt").write_text(f"format: {fmt}\n{traceback.format_exc()}")
    print(f"{runs} inputs in {args.seconds:.0f} s, {crashes} crashes" + (f" (saved in {args.out})" if crashes else ""))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
