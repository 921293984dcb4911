"""Text a person reads: numbers and tables, formatted one way for the page and the exports."""
import html


def format_loss(loss: float) -> str:
    """At least 4 significant digits; scientific notation below 0.001."""
    if loss != loss or loss in (float("inf"), float("-inf")):
        return str(loss)
    return f"{loss:.4e}" if abs(loss) < 1e-3 else f"{loss:.6f}"


def signed(v: float) -> str:
    """A table cell: four decimals with a sign, scientific when tiny."""
    return f"{v:+.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:+.2e}"


def html_table(headers, rows, foot=None, title: str = "") -> str:
    """An HTML table; headers are escaped, cells are trusted markup (numbers we format)."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    tfoot = ("<tfoot><tr>" + "".join(f"<td>{c}</td>" for c in foot) + "</tr></tfoot>"
             if foot else "")
    table = f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody>{tfoot}</table>"
    if not title:
        return table
    return f'<div class="tn-table"><div class="tn-table-title">{title}</div>{table}</div>'
