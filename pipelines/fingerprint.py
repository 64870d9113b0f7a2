"""Text fingerprints for near-duplicate detection: MinHash over word shingles, LSH bands."""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

from datasketch import MinHash

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
NUM_PERM = 128
# 64 bands x 2 rows: a pair with Jaccard 0.25 (a light rewrite, on word 3-shingles) shares a
# band with probability 0.98; unrelated articles (Jaccard ~0.01) almost never do.
BANDS = 64
ROWS = NUM_PERM // BANDS
SHINGLE = 3                      # words per shingle
MIN_SHINGLES = 12                # shorter texts get no fingerprint (too easy to collide)
SEED = 20251127                  # fixed: signatures on disk must stay comparable


@dataclass
class Fingerprint:
    signature: bytes             # NUM_PERM little-endian uint32 minimum hashes
    bands: list[int]             # one signed 64-bit bucket id per band
    shingles: int


def text_hash(text: str) -> str:
    """SHA-256 of the text with case and whitespace folded: identical stories hash alike."""
    folded = " ".join(text.lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    words = [w.lower().replace("ё", "е") for w in _WORD.findall(text)]
    return {" ".join(words[i:i + size]).encode("utf-8")
            for i in range(max(0, len(words) - size + 1))}


def fingerprint(text: str) -> Fingerprint | None:
    """MinHash signature and LSH band buckets of a text, or None for very short texts."""
    grams = shingles(text)
    if len(grams) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(grams))
    values = minhash.hashvalues.astype("<u4")
    bands = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(struct.pack("<H", band) + chunk, digest_size=8).digest()
        bands.append(int.from_bytes(digest, "little", signed=True))
    return Fingerprint(values.tobytes(), bands, len(grams))
