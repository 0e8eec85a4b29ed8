"""Real content for download tests: short audio files made by ffmpeg, and .torrent files
with correct piece hashes written by torf (a library independent of the code under test)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import torf

CODECS = {".mp3": ["-c:a", "libmp3lame", "-b:a", "32k"], ".m4b": ["-c:a", "aac", "-b:a", "32k"]}


def audio_file(path, seconds=2, frequency=440):
    """A real audio file of `seconds` (a sine tone), in the format its suffix names."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = CODECS[path.suffix]
    source = f"sine=frequency={frequency}:duration={seconds}"
    extra = ["-f", "mp4"] if path.suffix == ".m4b" else []
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, *codec, *extra, path],
        check=True,
        timeout=60,
    )
    return path


def torrent_for(path):
    """(.torrent bytes, info hash) of a file or folder, private, its tracker a closed port."""
    torrent = torf.Torrent(
        path=str(path), trackers=["http://127.0.0.1:9/announce"], private=True, piece_size=16384
    )
    torrent.generate()
    return torrent.dump(), torrent.infohash
