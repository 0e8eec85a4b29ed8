"""Tiny but real .torrent files, bencoded here rather than by the library under test.

The client computes info hashes with fastbencode; encoding the fixtures independently
means a mistake in either shows up as a hash qBittorrent does not agree with.
"""

import hashlib


def bencode(value):
    """Bencoding (BEP 3) of bytes, str, int, list and dict (keys sorted as raw bytes)."""
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return str(len(value)).encode() + b":" + value
    if isinstance(value, bool) or not isinstance(value, int | list | dict):
        raise TypeError(f"cannot bencode {type(value).__name__}")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"


def torrent_info(name, size=1234):
    """The info dict of a single-file torrent: one piece, so one SHA-1 in `pieces`."""
    return {
        b"name": name.encode(),
        b"length": size,
        b"piece length": 16384,
        b"pieces": hashlib.sha1(name.encode()).digest(),
    }


def torrent_file(name, size=1234):
    """A single-file .torrent whose tracker is a closed loopback port."""
    return bencode({b"announce": b"http://127.0.0.1:9/announce", b"info": torrent_info(name, size)})


def torrent_info_hash(name, size=1234):
    """The v1 info hash torrent_file(name, size) has: sha1 of the bencoded info dict."""
    return hashlib.sha1(bencode(torrent_info(name, size))).hexdigest()
