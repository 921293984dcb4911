"""Reading a learner's data file: a CSV of x,y pairs, checked before anything is replaced."""
import csv
import io

import tinynet

MAX_BYTES = 64 * 1024  # far more than 200 points need; anything bigger is refused unread


def parse_csv(content: bytes | str, max_bytes: int = MAX_BYTES):
    """(x, y) from CSV text with two numeric columns (a header row is allowed); raises DataError."""
    if content is None or len(content) == 0:
        raise tinynet.DataError("the file is empty")
    if len(content) > max_bytes:
        raise tinynet.DataError(f"the file is {len(content) / 1024:.0f} kB; the limit is "
                                f"{max_bytes // 1024} kB")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise tinynet.DataError("the file is not text (UTF-8 CSV expected)") from None
    xs, ys = [], []
    rows = [r for r in csv.reader(io.StringIO(content)) if any(cell.strip() for cell in r)]
    for number, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise tinynet.DataError(f"line {number} has {len(row)} column(s); need x,y")
        try:
            x, y = float(row[0]), float(row[1])
        except ValueError:
            if number == 1 and not xs:  # a header such as "x,y"
                continue
            raise tinynet.DataError(
                f"line {number}: {row[0][:20]!r}, {row[1][:20]!r} are not numbers") from None
        xs.append(x)
        ys.append(y)
    if not xs:
        raise tinynet.DataError("the file has no x,y rows")
    return tinynet.validate(xs, ys)
