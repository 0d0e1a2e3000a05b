"""Seeded mutations of artifact files, and a worker that feeds them to the loader.

A careless tool and a careful attacker both produce files the loader must refuse with
its one documented error, ArtifactError, or accept as a valid artifact. The mutations
(:func:`mutate`) cover bit flips, truncations, insertions and deletions, and header edits
with the checksum recomputed: values replaced by deep nesting, huge or non-finite
numbers, wrong types and absurd sizes, keys dropped, added or duplicated, the header
length and the weight bytes changed.

Run as a script, it loads ``--count`` mutations of ``--seed`` under an address-space cap
(``--limit-mib`` beyond what the process holds) and prints one JSON object: how many were
accepted, refused with ArtifactError, raised anything else (with the first examples), ran
out of memory, or took longer than ``--hang-s`` seconds. ``tests/test_artifact_fuzz.py`` runs
it in CI, ``bench/artifact_fuzz.py`` a million times.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import resource
import struct
import sys
import time
from typing import Any, Callable, Dict, List

import numpy as np

from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import FORMAT_VERSION, Artifact, ArtifactError, Layer, from_bytes, to_bytes

PREFIX = struct.Struct("<8sHI")

#: Values a header edit puts in place of another, each made from the generator: nesting,
#: huge and non-finite numbers, wrong types, absurd sizes.
HOSTILE: List[Callable[[np.random.Generator], str]] = [
    lambda rng: "[" * int(rng.integers(30, 6000)) + "]" * 0,  # unbalanced: invalid JSON
    lambda rng: (lambda d: "[" * d + "]" * d)(int(rng.integers(20, 200000))),
    lambda rng: (lambda d: '{"a":' * d + "1" + "}" * d)(int(rng.integers(20, 5000))),
    lambda rng: "9" * int(rng.integers(19, 6000)),
    lambda rng: "-" + "9" * int(rng.integers(19, 6000)),
    lambda rng: "1" + "0" * int(rng.integers(300, 500)),
    lambda rng: "1" + "0" * int(rng.integers(300, 500)) + ".0",
    lambda rng: rng.choice(["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1e-400", "-0.0", "0.5"]),
    lambda rng: rng.choice(["true", "false", "null", '""', "[]", "{}", '"lif"', '"izhikevich"', '"rate"']),
    lambda rng: str(int(rng.choice([0, -1, 1, 2 ** 15, 2 ** 16, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, 10 ** 18]))),
    lambda rng: json.dumps([int(rng.integers(-3, 2 ** 20)) for _ in range(int(rng.integers(0, 4)))]),
    lambda rng: json.dumps([2 ** int(rng.integers(20, 200)), int(rng.integers(1, 99))]),
    lambda rng: json.dumps("x" * int(rng.integers(0, 200000))),
    lambda rng: json.dumps({"kind": "rate", "steps": int(rng.integers(-2, 70000)), "gain": float(rng.random() * 3)}),
]


def base_artifacts() -> List[bytes]:
    """Small valid artifacts to mutate: LIF and Izhikevich layers, rate and raster encodings,
    a LIF initial membrane, and a file of format version 1 (which lacks it)."""
    rng = np.random.default_rng(0)

    def weights(n_out: int, n_in: int) -> np.ndarray:
        return rng.integers(formats.WEIGHT_MIN, formats.WEIGHT_MAX + 1, (n_out, n_in)).astype(np.int8)

    izh = {"a1": 164, "a2": -82, "a3": -2048, "b1": 82, "b2": -82, "a0": 0, "b3": 0, "c": -2048, "d": 1024,
           "threshold": 4096, "v_init": 0, "u_init": 0}
    lif = {"beta": 230, "threshold": 100, "v_init": 50}
    current = [to_bytes(a) for a in (
        Artifact(3, (Layer("lif", weights(2, 3), 3, 4, lif),), {"kind": "rate", "steps": 25, "gain": 1.0}, {}),
        Artifact(5, (Layer("izhikevich", weights(4, 5), 4, 8, izh), Layer("lif", weights(3, 4), 2, 4, lif)),
                 {"kind": "raster", "steps": 100}, {"data": "randman", "checkpoint": "model.pt", "sizes": [5, 4, 3]}),
    )]
    header, blobs, _ = _split(current[0])
    del header["layers"][0]["params"]["v_init"]
    return current + [_seal(json.dumps(header), blobs, version=1)]


def _split(data: bytes):
    """``(header, weight bytes, format version)`` of a file image."""
    _, version, header_len = PREFIX.unpack_from(data)
    return json.loads(data[PREFIX.size:PREFIX.size + header_len]), data[PREFIX.size + header_len:-32], version


def _seal(header_text: str, blobs: bytes, header_len: int = -1, version: int = FORMAT_VERSION) -> bytes:
    """A file image of ``version`` around ``header_text`` whose checksum is right (and its length
    field, unless given)."""
    header = header_text.encode("utf-8", "surrogatepass")
    body = PREFIX.pack(b"PYNQSNN\0", version, len(header) if header_len < 0 else header_len) + header + blobs
    return body + hashlib.sha256(body).digest()


def _paths(value: Any, prefix=()) -> List[tuple]:
    """Every path (keys and indices) to a value inside the header, the header itself excluded."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.append(prefix + (key,))
        found.extend(_paths(child, prefix + (key,)))
    return found


def _edit_header(data: bytes, rng: np.random.Generator) -> bytes:
    header, blobs, version = _split(data)
    paths = _paths(header)
    path = paths[int(rng.integers(len(paths)))]
    parent = header
    for key in path[:-1]:
        parent = parent[key]
    kind = int(rng.integers(7))
    marker = "\u0001marker\u0001"
    if kind == 0 and isinstance(parent, dict):  # drop the key
        del parent[path[-1]]
        return _seal(json.dumps(header), blobs, version=version)
    if kind == 1 and isinstance(parent, dict):  # an unknown key
        parent["surprise" + str(int(rng.integers(3)))] = 1
        return _seal(json.dumps(header), blobs, version=version)
    if kind == 2 and isinstance(parent, dict):  # a duplicate key
        key = path[-1]
        parent[key] = marker
        text = json.dumps(header).replace(json.dumps(marker), f"{json.dumps(parent.get(key))}, {json.dumps(key)}: "
                                                              f"{HOSTILE[int(rng.integers(len(HOSTILE)))](rng)}")
        return _seal(text.replace(json.dumps(marker), "0"), blobs, version=version)
    if kind == 3:  # a small change of a number
        value = parent[path[-1]]
        if isinstance(value, int) and not isinstance(value, bool):
            parent[path[-1]] = value + int(rng.choice([-2 ** 16, -1, 1, 2 ** 15, 2 ** 31]))
            return _seal(json.dumps(header), blobs, version=version)
    if kind == 4:  # the header's own length field
        text = json.dumps(header)
        return _seal(text, blobs, max(0, len(text.encode()) + int(rng.integers(-40, 40))), version)
    if kind == 5:  # header text bytes changed, checksum recomputed
        text = bytearray(json.dumps(header).encode())
        for _ in range(int(rng.integers(1, 4))):
            text[int(rng.integers(len(text)))] = int(rng.integers(256))
        return _seal(bytes(text).decode("utf-8", "surrogateescape"), blobs, version=version)
    parent[path[-1]] = marker  # a hostile value in place of this one
    hostile = HOSTILE[int(rng.integers(len(HOSTILE)))](rng)
    return _seal(json.dumps(header).replace(json.dumps(marker), hostile), blobs, version=version)


def _edit_weights(data: bytes, rng: np.random.Generator) -> bytes:
    header, blobs, version = _split(data)
    blobs = bytearray(blobs)
    if blobs:
        blobs[int(rng.integers(len(blobs)))] = int(rng.integers(256))
    if rng.random() < 0.3:
        blobs += bytes(int(rng.integers(1, 9)))
    return _seal(json.dumps(header, separators=(",", ":")), bytes(blobs), version=version)


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One mutation of the file image ``data``, drawn from ``rng``."""
    kind = int(rng.integers(8))
    if kind == 0:  # bit flips
        image = bytearray(data)
        for _ in range(int(rng.integers(1, 9))):
            image[int(rng.integers(len(image)))] ^= 1 << int(rng.integers(8))
        return bytes(image)
    if kind == 1:  # truncation
        return data[: int(rng.integers(len(data)))]
    if kind == 2:  # an insertion of random bytes, or a deletion
        at = int(rng.integers(len(data) + 1))
        if rng.random() < 0.5:
            return data[:at] + rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes() + data[at:]
        return data[:at] + data[at + int(rng.integers(1, 64)):]
    if kind == 3:  # the weights, with the checksum recomputed
        return _edit_weights(data, rng)
    return _edit_header(data, rng)  # half of all mutations


def load_outcome(data: bytes) -> str:
    """``"accepted"`` (a valid artifact, which also survives its own round trip), ``"refused"``
    (ArtifactError), ``"memory"`` (MemoryError) or the name of any other exception."""
    try:
        artifact = from_bytes(data)
        if from_bytes(to_bytes(artifact)) != artifact:
            return "round trip differs"
        return "accepted"
    except ArtifactError:
        return "refused"
    except MemoryError:
        return "memory"
    except BaseException as other:  # everything else is what the fuzzing is for
        return type(other).__name__


def fuzz(seed: int, count: int, hang_s: float) -> Dict[str, Any]:
    """Load ``count`` mutations drawn from ``seed``; tally their outcomes (see the module docstring)."""
    bases = base_artifacts()
    rng = np.random.default_rng(seed)
    tally: Dict[str, int] = {"accepted": 0, "refused": 0, "memory": 0, "other": 0, "hangs": 0}
    examples, slowest = [], 0.0
    for index in range(count):
        data = mutate(bases[index % len(bases)], rng)
        start = time.perf_counter()
        outcome = load_outcome(data)
        seconds = time.perf_counter() - start
        slowest = max(slowest, seconds)
        if seconds > hang_s:
            tally["hangs"] += 1
        if outcome in ("accepted", "refused", "memory"):
            tally[outcome] += 1
        else:
            tally["other"] += 1
            if len(examples) < 5:
                examples.append({"index": index, "exception": outcome})
    return {"seed": seed, "inputs": count, **tally, "slowest_s": slowest, "examples": examples}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--limit-mib", type=int, default=256, help="address space allowed beyond the start")
    parser.add_argument("--hang-s", type=float, default=1.0, help="an input taking longer counts as a hang")
    args = parser.parse_args(argv)
    with open("/proc/self/status") as status:
        mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    cap = mapped + args.limit_mib * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    print(json.dumps({**fuzz(args.seed, args.count, args.hang_s), "limit_mib": args.limit_mib}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
