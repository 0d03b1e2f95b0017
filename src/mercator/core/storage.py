from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files after `collectstatic` (``mercator serve`` runs it);
    before it (tests, a fresh checkout) plain names, which WhiteNoise serves from the app
    folders."""

    def stored_name(self, name: str) -> str:
        hashed = self.hashed_files.get(self.hash_key(self.clean_name(name)))
        return hashed or name
