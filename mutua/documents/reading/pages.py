"""What a reading sees of a page: words with their boxes, grouped into lines, whatever the source (a PDF's text layer
or Tesseract). Boxes are fractions of the page's width and height, from its top-left corner, so they fit the page
image at any size."""

from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page, top-left origin


def box_union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float = 100.0  # Tesseract's 0–100; a text layer is certain


@dataclass
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return box_union([w.box for w in self.words])


@dataclass
class Page:
    number: int  # from 1
    lines: list[Line]
    width: int = 0  # pixels of the image read (0 for a text layer)
    height: int = 0
    angle: float = 0.0  # degrees the scan was turned (counter-clockwise) to read it straight
    source: str = "text"  # "text" (the PDF's own text) or "ocr"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def lines_from_words(words: list[Word]) -> list[Line]:
    """Group loose words into lines by their vertical overlap, each line read left to right."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: ((w.box[1] + w.box[3]) / 2, w.box[0])):
        middle = (word.box[1] + word.box[3]) / 2
        for line in reversed(lines[-3:]):
            top, bottom = line.box[1], line.box[3]
            if top <= middle <= bottom:
                line.words.append(word)
                break
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.box[0])
    return lines
