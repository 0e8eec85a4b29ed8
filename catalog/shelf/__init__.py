"""The shelf: the audiobooks the user already has, in folders and in Audiobookshelf.

Not to be confused with catalog/library.py (the in-memory index of the catalog). Modules:
- found: FoundBook, one audiobook as a source describes it;
- layout: what a folder's path says (Audiobookshelf's naming conventions);
- tags: what the audio files' tags and the sidecars (metadata.json, .opf) say;
- folders: walking LIBRARY_PATHS into books, with a signature to skip what did not change;
- audiobookshelf: the books of an Audiobookshelf server;
- ownership: matching found books to the catalog and recording them as owned;
- scan: one pass over every source (the library_scan job and `importlibrary`).
"""
