"""Text a person reads: numbers and tables, formatted one way for the page and the exports."""
import html
import math

SCIENTIFIC_BELOW, SCIENTIFIC_FROM = 1e-3, 1e5  # fixed notation in between
MAX_CHARS = 10  # nothing a person reads on the page is wider than this


def number(v: float, decimals: int = 6, sign: bool = False,
           tiny: float = SCIENTIFIC_BELOW) -> str:
    """Every number a person reads: fixed with up to ``decimals`` decimals (fewer as it grows,
    so it stays within MAX_CHARS), scientific below ``tiny`` and from 100,000 (5.000e11), and
    0, nan, inf as such."""
    v = float(v)
    plus = "+" if sign else ""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return ("+" if sign and v > 0 else "" if v > 0 else "−") + "∞"
    if v == 0:
        return f"{0:{plus}.{decimals}f}"
    if tiny <= abs(v) < SCIENTIFIC_FROM:
        room = MAX_CHARS - 2 - int(math.log10(abs(v))) - (v < 0 or sign)  # digits and point
        return f"{v:{plus}.{max(0, min(decimals, room))}f}"
    mantissa, exponent = f"{v:{plus}.{max(0, min(decimals, 3))}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_loss(loss: float) -> str:
    """A loss: six decimals (0.126712), scientific below 0.001 (1.0517e-13) and when huge."""
    return number(loss, 6) if SCIENTIFIC_BELOW <= abs(loss) or loss == 0 else f"{loss:.4e}"


def tick_label(v: float) -> str:
    """An axis tick: up to three significant digits, no trailing zeros; scientific below
    SCIENTIFIC_BELOW and from SCIENTIFIC_FROM (0.005, 0.0833, 2e-7, 1e-18)."""
    if v == 0 or SCIENTIFIC_BELOW <= abs(v) < SCIENTIFIC_FROM:
        return f"{float(f'{v:.3g}'):.12g}"
    mantissa, exponent = f"{v:.2e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def signed(v: float) -> str:
    """A table cell: four decimals with a sign, scientific when tiny or huge."""
    return number(v, 4, sign=True, tiny=1e-4)


def html_table(headers, rows, foot=None, title: str = "", region: str = "") -> str:
    """An HTML table; headers are escaped, cells are trusted markup (numbers we format). With
    ``region`` (its name), a keyboard can reach it and scroll it where it is wider than the
    page (a phone)."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    tfoot = ("<tfoot><tr>" + "".join(f"<td>{c}</td>" for c in foot) + "</tr></tfoot>"
             if foot else "")
    table = f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody>{tfoot}</table>"
    if not title:
        return table
    reach = (f' tabindex="0" role="region" aria-label="{html.escape(region)}"'
             if region else "")
    return (f'<div class="tn-table"{reach}><div class="tn-table-title">{title}</div>'
            f"{table}</div>")


# the same rule in the browser, for Bokeh widgets and axes that format their own numbers
NUMBER_JS = f"""
const a = Math.abs(tick);
if (a === 0) return (0).toFixed(DECIMALS);
if (a >= {SCIENTIFIC_BELOW} && a < {SCIENTIFIC_FROM:.0f}) {{
  const room = {MAX_CHARS} - 2 - Math.floor(Math.log10(a)) - (tick < 0 ? 1 : 0);
  return tick.toFixed(Math.max(0, Math.min(DECIMALS, room)));
}}
const [m, e] = tick.toExponential(Math.min(DECIMALS, 3)).split("e");
return m + "e" + parseInt(e);
"""


def number_js(decimals: int) -> str:
    """NUMBER_JS for a CustomJSTickFormatter: ``tick`` formatted with up to ``decimals``."""
    return NUMBER_JS.replace("DECIMALS", str(decimals))
