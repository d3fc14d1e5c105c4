"""The "Run options" box of a Worker form: proxy region, memory, CPUs, limits and version.

:class:`RunOptions` holds the system parameters (docs/platform.md §5.2) and the version.
It starts from the Worker's defaults and offers only what the platform accepts
(the memory sizes and defaults of :mod:`coreclaw_pandas.schema.system`).

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as W

from ..schema.system import DEFAULT_REGION, MEMORY_SIZES, SYSTEM_DEFAULTS

__all__ = ["FALLBACK_REGIONS", "RunOptions"]

#: Used when /api/proxy/region cannot be read: ISO 3166-1 alpha-2 plus XK (Kosovo).
FALLBACK_REGIONS = tuple(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
""".split()
)


def _look() -> dict[str, Any]:
    # Wide enough for "US · United States of America" next to a 170px label.
    return {"style": {"description_width": "170px"}, "layout": W.Layout(width="460px")}


def _number_or(value: Any, default: int | float) -> Any:
    # A widget cannot show None or text; the default is the honest stand-in.
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return value if ok else default


def _plain_number(value: float) -> int | float:
    # 0.0 -> 0: the Worker's defaults are integers where they can be, so keep them so.
    return int(value) if float(value).is_integer() else float(value)


class RunOptions:
    """The collapsible "Run options": proxy region, memory, CPUs, limits and version.

    Args:
        system: The Worker's default system parameters (``Worker.system``).
        version: The Worker's current version.
        regions: ``(code, name)`` pairs from ``/api/proxy/region``; None for the built-in list.
    """

    def __init__(
        self,
        system: Mapping[str, Any],
        *,
        version: str = "",
        regions: list[tuple[str, str]] | None = None,
    ) -> None:
        self.defaults = {**SYSTEM_DEFAULTS, **system}
        d = {k: _number_or(self.defaults.get(k), v) for k, v in SYSTEM_DEFAULTS.items()}
        d["proxy_region"] = self.defaults.get("proxy_region")
        pairs = [
            (f"{code} \u00b7 {name}" if name else code, code)
            for code, name in (regions or [(c, "") for c in FALLBACK_REGIONS])
        ]
        region = d.get("proxy_region") or DEFAULT_REGION
        if region not in [code for _, code in pairs]:
            pairs.append((str(region), region))
        self.proxy_region = W.Dropdown(
            options=pairs, value=region, description="Proxy region", **_look()
        )
        # An odd default stays selectable; the client's check names it when the run starts.
        sizes = list(MEMORY_SIZES) + ([d["memory"]] if d["memory"] not in MEMORY_SIZES else [])
        self.memory = W.Dropdown(
            options=[(f"{m} MB", m) for m in sizes],
            value=d["memory"],
            description="Memory",
            **_look(),
        )
        self.cpus = W.BoundedFloatText(
            value=d["cpus"], min=0, max=1024, step=0.125, description="CPUs", **_look()
        )
        self.time_limit = W.BoundedIntText(
            value=d["execute_limit_time_seconds"],
            min=0,
            max=10**9,
            description="Time limit (s)",
            **_look(),
        )
        self.max_charge = W.BoundedFloatText(
            value=d["max_total_charge"],
            min=0,
            max=1e9,
            step=0.01,
            description="Max charge (USD)",
            **_look(),
        )
        self.max_traffic = W.BoundedFloatText(
            value=d["max_total_traffic"], min=0, max=1e12, description="Max traffic (MB)", **_look()
        )
        self.version_text = W.Text(
            value=version, placeholder="current version", description="Version", **_look()
        )
        note = W.HTML(
            "<small style='color:#666'>Seeded from the Worker's defaults. A limit or "
            "cap of 0 is the platform's default (no limit).</small>"
        )
        box = W.VBox(
            [
                self.proxy_region,
                self.memory,
                self.cpus,
                self.time_limit,
                self.max_charge,
                self.max_traffic,
                self.version_text,
                note,
            ]
        )
        self.widget = W.Accordion(children=[box], titles=("Run options",), selected_index=None)

    @property
    def overrides(self) -> dict[str, Any]:
        """The six system parameters as the widgets hold them (what the run overrides)."""
        return {
            "cpus": _plain_number(self.cpus.value),
            "memory": self.memory.value,
            "execute_limit_time_seconds": int(self.time_limit.value),
            "max_total_charge": _plain_number(self.max_charge.value),
            "max_total_traffic": _plain_number(self.max_traffic.value),
            "proxy_region": self.proxy_region.value,
        }

    @property
    def system(self) -> dict[str, Any]:
        """The system dict a run sends: the Worker's defaults with the widgets' values."""
        return {**self.defaults, **self.overrides}

    @property
    def version(self) -> str | None:
        """The version typed in, or None for the Worker's current one."""
        return self.version_text.value.strip() or None
