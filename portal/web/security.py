"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Lesson cards and module covers may show images from the company's own sites.
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def register_input_guard(app: Flask) -> None:
    """Refuse a NUL character in any query or form value with 400 before a view sees it.

    Text never legitimately contains one, and PostgreSQL rejects it in a text
    column or parameter: without this, a crafted query string is a 500.
    """

    @app.before_request
    def refuse_nul() -> None:
        from flask import abort, request

        sources = [request.args] + ([request.form] if request.method not in ("GET", "HEAD") else [])
        for source in sources:
            for key, value in source.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400, "Text may not contain a NUL character.")


def register_security_headers(app: Flask) -> None:
    """Add CSP, no-sniff, referrer and framing headers, and HSTS where configured."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
