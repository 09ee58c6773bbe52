"""A request class whose uploads go into the encrypted spool, never to disk in the clear."""

from __future__ import annotations

from typing import IO

from flask import Request

from securedrop.storage.spool import EncryptedSpool
from securedrop.web.state import finished_request_state, request_state, services


class SpoolingRequest(Request):
    """Every file part streams into an EncryptedSpool (see storage.spool for why)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        spool = EncryptedSpool(services().settings.tmp_dir, expected_size=content_length)
        # Closed at the end of the request even if parsing fails half-way (413).
        request_state().spools.append(spool)
        return spool  # type: ignore[return-value]  # a readable binary stream, not an IO[bytes] subclass


def close_spools(_exc: BaseException | None = None) -> None:
    state = finished_request_state()
    for spool in state.spools if state is not None else []:
        spool.close()
