"""The gate's scan of long texts: codes are looked for only where a run of six digits starts,
and a text without invisible characters is read once (its two readings are the same text).
The oracle is the exhaustive scan: the code pattern tried at every position of both readings,
each mapped back to the text."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval import privacy
from hb_eval.privacy import CHECK_CHARS, find_hetu, safe_value


def _every_position(view: str) -> list[tuple[int, int, str]]:
    out, end = [], -1
    for m in privacy._ANY_RE.finditer(view):  # zero-width: tried at every position
        if m.start(1) < end:
            continue
        _, dd, mm, yy, sign, nnn, check = m.groups()
        if privacy._valid_parts(dd, mm, yy, sign, nnn, check):
            end = m.end(1)
            out.append((m.start(1), end, dd + mm + yy + nnn + check.upper()))
    return out


def _exhaustive(text: str) -> list[tuple[int, int]]:
    if not privacy._needs_views(text):
        return [(a, b) for a, b, _ in _every_position(text)]
    found = []
    for drop in (True, False):  # both readings, always, with their index maps
        view, pos = privacy._view(text, drop)
        found += [(pos[a], pos[b - 1] + 1) for a, b, _ in _every_position(view)]
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[tuple[int, int]] = []
    for a, b in found:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
            continue
        out.append((a, b))
    return out


def _code(n: int) -> str:
    dd, mm, yy, nnn = 1 + n % 28, 1 + n % 12, n % 100, 2 + n % 897
    digits = f"{dd:02d}{mm:02d}{yy:02d}"
    return f"{digits}-{nnn:03d}{CHECK_CHARS[int(digits + f'{nnn:03d}') % 31]}"


# pieces of codes, digits, the gaps the readings change, signs and letters, glued at random
_PIECES = st.one_of(
    st.integers(0, 10_000).map(_code),
    st.integers(0, 10_000).map(lambda n: _code(n).replace("-", "")),
    st.integers(0, 10_000).map(lambda n: _code(n)[:6] + " \u00a0-\n" + _code(n)[7:]),
    st.integers(0, 10_000).map(lambda n: _code(n)[:3] + "\u200b" + _code(n)[3:]),
    st.text("0123456789", min_size=1, max_size=12),
    st.sampled_from([" ", "  ", "\n", "\u00a0", "\u202f", "\u200b", "\u00ad", "-", "+", "A",
                     "x", "<td>", ".", "٣"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_codes_found_as_by_the_exhaustive_scan_of_both_readings(text):
    assert find_hetu(text) == _exhaustive(text)


def test_a_long_page_with_a_code_beside_a_line_break_is_gated():
    code = _code(77)
    row = "<tr><td>12\u00a0345</td><td>0.1234567891</td></tr>\n"
    page = row * 5000 + f"<p>asiakas {code[:6]}\n{code[6:]}</p>" + row * 5000
    spans = find_hetu(page)
    assert spans == _exhaustive(page) and len(spans) == 1
    assert privacy.gate(page).count("[hetu-") == 1
    assert "poistettu" in safe_value(f"{code[:6]}\u00a0{code[6:]}", 200)
    assert re.search(r"\d{6}", privacy.gate(page)[spans[0][0]:spans[0][0] + 12]) is None
