"""Real audio files for the library tests: made once per session by ffmpeg (a three-second
tone per format), copied into a test's library and tagged with mutagen."""

import os
import shutil
import subprocess

import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3, MVIN, MVNM, TALB, TCOM, TCON, TDRC, TIT2, TPE1, TPE2, TXXX
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from scheduling.tests.real_services import require

FFMPEG = "/usr/bin/ffmpeg"
CODECS = {"m4b": "aac", "m4a": "aac", "mp3": "libmp3lame", "flac": "flac", "ogg": "libvorbis",
          "opus": "libopus"}  # fmt: skip
SECONDS = 3


@pytest.fixture(scope="session")
def tones(tmp_path_factory):
    """{extension: path} of one short real audio file per format."""
    require(os.access(FFMPEG, os.X_OK), f"{FFMPEG} is not installed (apt-get install ffmpeg)")
    folder = tmp_path_factory.mktemp("tones")
    made = {}
    for extension, codec in CODECS.items():
        target = folder / f"tone.{'m4a' if extension == 'm4b' else extension}"
        if not target.exists():
            subprocess.run(
                [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                 f"sine=frequency=440:sample_rate=16000:duration={SECONDS}", "-ac", "1",
                 "-c:a", codec, str(target)],
                check=True,
            )  # fmt: skip
        made[extension] = target
    return made


@pytest.fixture
def library(tmp_path, settings):
    """An empty library folder, the only source of the library scan."""
    root = tmp_path / "audiobooks"
    root.mkdir()
    settings.LIBRARY_PATHS = [str(root)]
    settings.AUDIOBOOKSHELF_URL = ""
    return root


def audio_file(tones, path, **tags):
    """Copy a tone to `path` (its extension says the format) and write `tags` to it:
    title, album, artist, album_artist, composer, genre, year, series, part, asin, isbn,
    and mvnm/mvin (MP4 movement atoms, ID3 MVNM/MVIN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tones[path.suffix.lstrip(".").lower()], path)
    writer = {".m4b": _mp4, ".m4a": _mp4, ".mp3": _id3, ".flac": _vorbis, ".ogg": _vorbis,
              ".opus": _vorbis}[path.suffix.lower()]  # fmt: skip
    writer(path, tags)
    return path


MP4_ATOMS = {
    "title": "\xa9nam",
    "album": "\xa9alb",
    "artist": "\xa9ART",
    "album_artist": "aART",
    "composer": "\xa9wrt",
    "genre": "\xa9gen",
    "year": "\xa9day",
    "mvnm": "\xa9mvn",
}
FREEFORM = {"series": "SERIES", "part": "SERIES-PART", "asin": "ASIN", "isbn": "ISBN"}


def _mp4(path, tags):
    audio = MP4(path)
    for key, value in tags.items():
        if key in MP4_ATOMS:
            audio[MP4_ATOMS[key]] = [value]
        elif key == "mvin":
            audio["\xa9mvi"] = [int(value)]
        else:
            audio[f"----:com.apple.iTunes:{FREEFORM[key]}"] = [MP4FreeForm(value.encode())]
    audio.save()


ID3_FRAMES = {
    "title": TIT2,
    "album": TALB,
    "artist": TPE1,
    "album_artist": TPE2,
    "composer": TCOM,
    "genre": TCON,
    "year": TDRC,
    "mvnm": MVNM,
    "mvin": MVIN,
}


def _id3(path, tags):
    frames = ID3()
    for key, value in tags.items():
        if key in ID3_FRAMES:
            frames.add(ID3_FRAMES[key](encoding=3, text=[value]))
        else:
            frames.add(TXXX(encoding=3, desc=FREEFORM[key], text=[value]))
    frames.save(path)


VORBIS = {"album_artist": "albumartist", "year": "date", "part": "series-part"}


def _vorbis(path, tags):
    audio = {".flac": FLAC, ".ogg": OggVorbis, ".opus": OggOpus}[path.suffix.lower()](path)
    for key, value in tags.items():
        audio[VORBIS.get(key, key)] = [value]
    audio.save()
