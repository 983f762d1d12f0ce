"""The one error a user meets: a status, a message id of the catalogue and its parameters.

Raised by every layer (views, own data, uploads, pages); the web app has one handler that
answers a page in the page's language and the API in English, and the CLI prints it in the
chosen language. Nothing is translated back from English prose."""

from __future__ import annotations

from kansenspiegel.messages import Lang, t


class UserError(Exception):
    """``UserError("error.unknown_geography", 404, code="GM9999")``"""

    def __init__(self, message_id: str, status: int = 400, /, **params: object) -> None:
        self.message_id = message_id
        self.status = status
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: Lang = "en") -> str:
        """The message in ``lang``; a parameter that is itself words (a callable of the language,
        such as a `Msg`) is put into the same language."""
        return t(self.message_id, lang, **{k: (v(lang) if callable(v) else v) for k, v in self.params.items()})


class InvalidRequest(UserError, ValueError):
    """A request the data cannot answer (unknown year, area, moment, dataset): a `UserError`
    that is also a ValueError, as the Python API has always raised."""


def not_found(message_id: str, /, **params: object) -> UserError:
    return UserError(message_id, 404, **params)


__all__ = ["InvalidRequest", "UserError", "not_found"]
