"""How a badge looks: a built-in icon on a colour from a fixed palette, with its name.

Admins pick an icon and a colour; they never upload an image, because an
uploaded SVG cannot be sanitised reliably. The image is rendered here from
the icon files in static/badges/ (ours, never user input) and a Jinja
template that escapes the name.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

from flask import render_template
from markupsafe import Markup

from config import BASE_DIR

ICON_DIR = BASE_DIR / "static" / "badges"

# icon name -> what it is called in the picker (each is static/badges/<name>.svg)
ICONS: dict[str, str] = {
    "star": "Star",
    "book": "Book",
    "graduation": "Graduation cap",
    "path": "Path",
    "flame": "Flame",
    "calendar": "Calendar",
    "trophy": "Trophy",
    "medal": "Medal",
    "crown": "Crown",
    "target": "Target",
    "rocket": "Rocket",
    "flag": "Flag",
    "lightbulb": "Light bulb",
    "megaphone": "Megaphone",
    "share": "Share",
    "chat": "Speech bubble",
    "heart": "Heart",
    "check": "Tick",
}

# colour name -> (label, main colour, darker shade); white text passes WCAG AA on both.
PALETTE: dict[str, tuple[str, str, str]] = {
    "amber": ("Amber", "#b45309", "#78350f"),
    "orange": ("Orange", "#c2410c", "#7c2d12"),
    "rose": ("Rose", "#be123c", "#881337"),
    "violet": ("Violet", "#6d28d9", "#4c1d95"),
    "blue": ("Blue", "#1d4ed8", "#1e3a8a"),
    "teal": ("Teal", "#0f766e", "#134e4a"),
    "green": ("Green", "#15803d", "#14532d"),
    "slate": ("Slate", "#334155", "#0f172a"),
}

_SVG_BODY = re.compile(r"<svg\b[^>]*>(?P<body>.*)</svg>", re.DOTALL)


@cache
def icon_markup(icon: str) -> Markup:
    """The drawing inside a built-in icon file (only names from ICONS are read)."""
    if icon not in ICONS:
        raise ValueError(f"unknown badge icon {icon!r}")
    text = Path(ICON_DIR / f"{icon}.svg").read_text(encoding="utf-8")
    match = _SVG_BODY.search(text)
    if match is None:
        raise ValueError(f"static/badges/{icon}.svg is not an SVG file")
    return Markup(match.group("body").strip())  # noqa: S704 - our own static file


def name_lines(name: str) -> tuple[list[str], int]:
    """The badge name as one or two lines for the ribbon, and the font size that fits them."""
    name = " ".join(name.split())
    if len(name) <= 15:
        return [name], 20
    lines = textwrap.wrap(name, 21, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:20].rstrip() + "…"]
    return lines, 15


def render_badge_svg(icon: str, colour: str, name: str, verify_url: str | None = None) -> str:
    """The badge image as SVG; with `verify_url`, baked with its assertion (Open Badges baking)."""
    icon = icon if icon in ICONS else "star"
    _, main, dark = PALETTE.get(colour, PALETTE["amber"])
    lines, size = name_lines(name)
    return render_template(
        "gamification/badges/badge.svg",
        icon=icon_markup(icon),
        main=main,
        dark=dark,
        name=name,
        lines=lines,
        size=size,
        verify_url=verify_url,
    )
